"""Who sees which organisations: the caller's data scope and the departments of the caller's own county.

A township works with its county's departments (it transfers cases to them, and a refused application names
the one holding the power; both are of the township's own county), so they are listed to it, while another
county's bodies and another township's are not. A city- or province-level user keeps what is in its scope.
"""

import pytest
from guardian.shortcuts import assign_perm

from ruian.organisations import OrgKind
from ruian.permissions import PERMISSION
from ruian.selectors import organisations_for
from tests import factories as f
from tests.conftest import login


@pytest.fixture
def province(db):
    return f.DivisionFactory(code="320000000000", name="江苏省")


@pytest.fixture
def nantong(province):
    return f.DivisionFactory(code="320600000000", name="南通市", parent=province)


@pytest.fixture
def elsewhere(province):
    """A county of another city (苏州市 吴江区), with a department and a township service centre."""
    suzhou = f.DivisionFactory(code="320500000000", name="苏州市", parent=province)
    wujiang = f.county("320509000000", "吴江区")
    wujiang.parent = suzhou
    wujiang.save()
    township = f.township("320509100000", "七都镇", parent=wujiang)
    return {
        "department": f.OrganisationFactory(division=wujiang, kind=OrgKind.COUNTY_DEPARTMENT, name="吴江区市场监管局"),
        "centre": f.OrganisationFactory(division=township, kind=OrgKind.SERVICE_CENTRE, name="七都镇为民服务中心"),
    }


@pytest.fixture
def neighbour(nantong):
    """Another county of the same city (海安市), with a department."""
    haian = f.county("320621000000", "海安市")
    haian.parent = nantong
    haian.save()
    return f.OrganisationFactory(division=haian, kind=OrgKind.COUNTY_DEPARTMENT, name="海安市市场监管局")


def _api_names(api, user):
    api.force_authenticate(user)
    response = api.get("/api/v1/organisations/", {"page_size": 500})
    assert response.status_code == 200
    return {row["name"] for row in response.json()["results"]}


def _scoped_user(username, division):
    user = f.UserFactory(username=username)
    assign_perm(PERMISSION, user, division)
    return user


def test_a_township_sees_its_own_county_departments_and_not_another_countys(
    api, client, clerk, home_centre, other_centre, county_office, neighbour, elsewhere
):
    names = _api_names(api, clerk)
    assert {home_centre.name, county_office.name} <= names
    assert neighbour.name not in names and elsewhere["department"].name not in names
    assert other_centre.name not in names and elsewhere["centre"].name not in names

    login(client, clerk)
    page = client.get("/organisations/").content.decode()
    assert county_office.name in page and neighbour.name not in page and other_centre.name not in page
    assert client.get(f"/organisations/{county_office.pk}/").status_code == 200
    assert client.get(f"/organisations/{neighbour.pk}/").status_code == 404
    api.force_authenticate(clerk)
    assert api.get(f"/api/v1/organisations/{neighbour.pk}/").status_code == 404


def test_county_staff_see_their_county_and_its_townships_only(
    api, editor, home_centre, other_centre, county_office, neighbour, elsewhere
):
    names = _api_names(api, editor)
    assert {home_centre.name, other_centre.name, county_office.name} <= names
    assert neighbour.name not in names and elsewhere["department"].name not in names


def test_a_city_level_user_sees_the_citys_counties_and_townships(
    api, nantong, home_centre, other_centre, county_office, neighbour, elsewhere
):
    names = _api_names(api, _scoped_user("nantong_platform", nantong))
    assert {home_centre.name, other_centre.name, county_office.name, neighbour.name} <= names
    assert elsewhere["department"].name not in names and elsewhere["centre"].name not in names


def test_a_province_level_user_sees_every_county_and_township(
    api, province, home_centre, other_centre, county_office, neighbour, elsewhere
):
    names = _api_names(api, _scoped_user("province_platform", province))
    assert {
        home_centre.name,
        other_centre.name,
        county_office.name,
        neighbour.name,
        elsewhere["department"].name,
        elsewhere["centre"].name,
    } <= names


def test_a_village_grant_brings_its_county_departments(home_village, county_office, neighbour, home_centre):
    user = _scoped_user("village_agent", home_village)
    names = {organisation.name for organisation in organisations_for(user)}
    assert county_office.name in names
    assert neighbour.name not in names and home_centre.name not in names


def test_a_user_without_scope_sees_no_organisation(api, county_office, home_centre):
    assert _api_names(api, f.UserFactory(username="nobody")) == set()
