"""Enforcement fixtures beyond the shared ones: more officers, a legal reviewer, a department, a coordinator."""

import datetime

import pytest

from ruian import workdays
from ruian.organisations import OrgKind
from ruian.staff import Role
from tests import factories as f
from tests.enforcement import factories as ef


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # A real hash costs over a second on a busy machine; these tests never log in with a password.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _calendar(db):
    workdays.seed_from_package([2026])
    yield
    workdays.clear_cache()


@pytest.fixture
def officer2(home_squad):
    return f.staff_user("officer2", Role.OFFICER, home_squad, **f.officer_profile("32062300003"))


@pytest.fixture
def officer3(home_squad):
    return f.staff_user("officer3", Role.OFFICER, home_squad, **f.officer_profile("32062300004"))


@pytest.fixture
def expired_officer(home_squad):
    return f.staff_user(
        "expired_officer",
        Role.OFFICER,
        home_squad,
        **f.officer_profile("32062300009", valid_until=datetime.date(2025, 12, 31)),
    )


@pytest.fixture
def squad_leader2(home_squad):
    return f.staff_user("squad_leader2", Role.SQUAD_LEADER, home_squad, **f.officer_profile("32062300005"))


@pytest.fixture
def legal_reviewer(home_township):
    office = f.OrganisationFactory(division=home_township, kind=OrgKind.TOWNSHIP_OFFICE, name="长沙镇党政办公室")
    return f.staff_user("legal_reviewer", Role.LEGAL_REVIEWER, office)


@pytest.fixture
def other_leader(other_township):
    squad = f.OrganisationFactory(division=other_township, kind=OrgKind.ENFORCEMENT_SQUAD, name="大豫镇综合行政执法局")
    return f.staff_user("other_leader", Role.SQUAD_LEADER, squad, **f.officer_profile("32062300006"))


@pytest.fixture
def department(county):
    return ef.department(county)


@pytest.fixture
def department_clerk(department):
    return f.staff_user("scj_clerk", None, department)


@pytest.fixture
def coordinator(county):
    government = f.OrganisationFactory(division=county, kind=OrgKind.COUNTY_GOVERNMENT, name="如东县人民政府")
    return f.staff_user("coordinator", None, government)


@pytest.fixture
def officers(officer, officer2):
    return [officer, officer2]


@pytest.fixture
def power(home_township, department):
    return ef.held_power(home_township, department=department)
