"""Stationed units' pages and API: type, township share (never below the least share), department scores."""

import pytest
from django.urls import reverse

from ruian.assessment import DepartmentScore
from ruian.audit import AuditEntry
from tests.conftest import login

pytestmark = pytest.mark.django_db


def test_list_shows_the_township_own_units_only(client, clerk, police, other_police):
    login(client, clerk)
    page = client.get(reverse("stationed_units")).content.decode()
    assert "长沙派出所" in page and "大豫派出所" not in page and "50%" in page
    assert client.get(reverse("stationed_unit", args=[other_police.pk])).status_code == 404


def test_editor_sets_type_and_share_on_the_page(client, editor, police, settings):
    settings.TOWNSHIP_ASSESSMENT_SHARE = 0.6
    login(client, editor)
    url = reverse("stationed_unit", args=[police.pk])
    bad = client.post(url, {"form": "unit", "stationed_type": "police_station", "township_share": "0.50"})
    assert bad.status_code == 400 and "60%" in bad.content.decode()
    police.refresh_from_db()
    assert police.stationed_type == "" and police.township_share is None
    assert (
        client.post(url, {"form": "unit", "stationed_type": "police_station", "township_share": "0.65"}).status_code
        == 302
    )
    police.refresh_from_db()
    assert police.get_stationed_type_display() == "派出所" and str(police.township_share) == "0.65"
    assert client.post(url, {"form": "score", "score-period": "2026-11", "score-score": "91"}).status_code == 302
    assert DepartmentScore.objects.get(unit=police).score == 91
    assert client.post(url, {"form": "score", "score-period": "2026-13", "score-score": "91"}).status_code == 400


def test_others_cannot_change_a_unit(client, leader, police):
    login(client, leader)
    response = client.post(reverse("stationed_unit", args=[police.pk]), {"form": "unit", "township_share": "0.9"})
    assert response.status_code == 403


def test_api_patch_and_department_score(api, editor, leader, police):
    api.force_authenticate(editor)
    url = f"/api/v1/stationed-units/{police.pk}/"
    response = api.patch(url, {"township_share": "0.40"})
    assert response.status_code == 400 and "50%" in response.json()["error"]["message"]
    response = api.patch(url, {"township_share": "0.60", "stationed_type": "police_station"})
    assert response.status_code == 200 and response.json()["effective_township_share"] == "0.60"
    assert AuditEntry.objects.filter(action="ruian.organisation.updated").count() == 1
    assert api.post(f"{url}department-score/", {"period": "2026-11", "score": "101"}).status_code == 400
    assert api.post(f"{url}department-score/", {"period": "2026-11", "score": "77.5"}).status_code == 201
    api.force_authenticate(leader)
    assert api.get("/api/v1/stationed-units/").json()["count"] == 1
    assert api.patch(url, {"township_share": "0.70"}).status_code == 403


def test_list_page_and_api_cost_a_fixed_number_of_queries(client, api, leader, home_township, police_department):
    from ruian.organisations import OrgKind
    from tests import factories as f
    from tests.querycount import assert_constant_queries

    count = iter(range(10_000))

    def grow(n):
        for _ in range(n):
            f.OrganisationFactory(
                division=home_township,
                kind=OrgKind.STATIONED_UNIT,
                name=f"派驻单位{next(count)}",
                home_department=police_department,
            )

    login(client, leader)
    api.force_authenticate(leader)
    assert_constant_queries(lambda: client.get(reverse("stationed_units")), grow, small=3, large=60)
    assert_constant_queries(lambda: api.get("/api/v1/stationed-units/"), grow, small=3, large=60)


def test_directory_and_organisation_api_show_the_type_and_share(client, api, clerk, police, editor):
    from ruian.organisations import update_organisation

    update_organisation(organisation=police, stationed_type="police_station", township_share="0.60", actor=editor)
    login(client, clerk)
    page = client.get(reverse("organisation_detail", args=[police.pk])).content.decode()
    assert "派出所" in page and "60%" in page
    api.force_authenticate(clerk)
    body = api.get(f"/api/v1/organisations/{police.pk}/").json()
    assert body["stationed_type"] == "police_station" and body["township_share"] == "0.60"
