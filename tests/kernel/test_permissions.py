"""Data scope: one township never reads another township's objects, through pages or the API."""

import pytest

from ruian.permissions import can_view, scope_prefixes
from ruian.staff import StaffProfile, set_staff_organisation
from tests.conftest import login


def test_scope_follows_the_organisation(clerk, editor):
    assert scope_prefixes(clerk) == ["320623100"]
    assert scope_prefixes(editor) == ["320623"]


def test_moving_to_another_township_moves_the_scope(clerk, other_centre, home_centre):
    set_staff_organisation(user=clerk, organisation=other_centre)
    clerk._ruian_scope = None
    assert scope_prefixes(clerk) == ["320623101"]
    assert not can_view(clerk, home_centre)


def test_a_user_without_organisation_sees_nothing(db, django_user_model, home_centre):
    user = django_user_model.objects.create_user("nobody", password="x-very-long-password")
    assert scope_prefixes(user) == []
    assert not can_view(user, home_centre)


def test_county_staff_see_every_township(editor, home_centre, other_centre):
    assert can_view(editor, home_centre) and can_view(editor, other_centre)


def test_api_lists_only_own_township_organisations(api, clerk, home_centre, other_centre, county_office):
    api.force_authenticate(clerk)
    names = {row["name"] for row in api.get("/api/v1/organisations/").json()["results"]}
    assert home_centre.name in names
    assert county_office.name in names, "county departments are listed to every township"
    assert other_centre.name not in names


def test_api_detail_of_another_township_is_404(api, clerk, other_centre):
    api.force_authenticate(clerk)
    response = api.get(f"/api/v1/organisations/{other_centre.pk}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_api_staff_of_another_township_are_invisible(api, clerk, other_clerk):
    api.force_authenticate(clerk)
    usernames = {row["username"] for row in api.get("/api/v1/staff/").json()["results"]}
    assert "clerk" in usernames and "other_clerk" not in usernames
    other_profile = StaffProfile.objects.get(user=other_clerk)
    assert api.get(f"/api/v1/staff/{other_profile.pk}/").status_code == 404


def test_page_detail_of_another_township_is_404(client, clerk, other_centre, home_centre):
    login(client, clerk)
    assert client.get(f"/organisations/{other_centre.pk}/").status_code == 404
    assert client.get(f"/organisations/{home_centre.pk}/").status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/organisations/", "/api/v1/staff/", "/api/v1/me/"])
def test_anonymous_api_access_is_refused(api, db, path):
    response = api.get(path)
    assert response.status_code in (401, 403)
    assert response.json()["error"]["code"] in ("not_authenticated", "authentication_failed")


def test_a_scope_wider_than_the_id_limit_filters_by_code_prefix(
    monkeypatch, editor, clerk, home_township, other_township
):
    """Past SCOPE_IDS_LIMIT divisions the scope is read as code prefixes: the same rows, fewer ids fetched."""
    from ruian import permissions
    from ruian.divisions import Division

    expected = set(Division.objects.filter(permissions.scope_q(editor, "")).values_list("code", flat=True))
    assert {home_township.code, other_township.code} <= expected and len(expected) >= 3
    monkeypatch.setattr(permissions, "SCOPE_IDS_LIMIT", 1)
    editor._ruian_scope = None
    wide = permissions.scope_q(editor, "")
    assert "code__startswith" in str(wide)
    assert set(Division.objects.filter(wide).values_list("code", flat=True)) == expected
    assert editor._ruian_scope[1] is None
    clerk._ruian_scope = None
    assert set(Division.objects.filter(permissions.scope_q(clerk, "")).values_list("code", flat=True)) == {
        home_township.code
    }
