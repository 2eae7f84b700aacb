"""Creating, merging and splitting grids through the pages and the API; old departmental grids and
"which grid covers my old grid G"."""

import json

import pytest
from django.urls import reverse

from grids import services
from grids.models import DepartmentalGrid, Event, EventGridMove, Grid, GridChange
from ruian.audit import AuditEntry
from tests.conftest import login
from tests.grids.conftest import HOME_POINT
from tests.grids.factories import square

pytestmark = pytest.mark.django_db

GRIDS = "/api/v1/grids/grids/"


def rectangle(west, south, east, north):
    return {
        "type": "Polygon",
        "coordinates": [[[west, south], [east, south], [east, north], [west, north], [west, south]]],
    }


WEST = rectangle(121.18, 32.31, 121.185, 32.32)
EAST = rectangle(121.185, 32.31, 121.19, 32.32)


def test_operator_creates_a_dedicated_grid_on_the_page(client, operator, home_village, grid):
    login(client, operator)
    page = client.get(reverse("grids:manage"))
    assert page.status_code == 200 and grid.code in page.content.decode()
    response = client.post(
        reverse("grids:create_grid"),
        {
            "division": home_village.pk,
            "name": "长沙中学",
            "kind": "dedicated",
            "dedicated_type": "school",
            "households": 0,
            "population": 1200,
            "boundary": json.dumps(square(121.182, 32.312, 0.002)),
        },
    )
    assert response.status_code == 302, response.content.decode()
    school = Grid.objects.get(name="长沙中学")
    assert school.code == f"{home_village.code}002" and school.kind == "dedicated"
    assert AuditEntry.objects.filter(action="grids.grid.created", object_id=str(school.pk)).exists()


def test_a_bad_boundary_on_the_page_saves_nothing(client, operator, home_village):
    login(client, operator)
    response = client.post(
        reverse("grids:create_grid"),
        {
            "division": home_village.pk,
            "name": "坏网格",
            "kind": "comprehensive",
            "households": 0,
            "population": 0,
            "boundary": '{"type": "Point", "coordinates": [121.1, 32.3]}',
        },
    )
    assert response.status_code == 400
    assert "Polygon" in response.content.decode()
    assert not Grid.objects.exists()


def test_merge_through_the_page_moves_events_and_keeps_their_history(client, operator, report, grid, home_village):
    second = services.create_grid(division=home_village, name="第二网格", boundary=square(121.19, 32.31))
    event = report()
    login(client, operator)
    response = client.post(
        reverse("grids:merge_grids"), {"grids": [grid.pk, second.pk], "name": "长沙村合并网格", "reason": "人口减少"}
    )
    assert response.status_code == 302, response.content.decode()
    merged = Grid.objects.get(name="长沙村合并网格")
    event.refresh_from_db()
    assert event.grid == merged
    assert list(EventGridMove.objects.filter(event=event).values_list("from_grid", "to_grid")) == [(grid.pk, merged.pk)]
    assert AuditEntry.objects.filter(action="grids.event.grid_changed", object_id=str(event.pk)).exists()
    page = client.get(reverse("grids:manage")).content.decode()
    assert "人口减少" in page and merged.code in page


def test_merging_a_single_grid_is_refused_on_the_page(client, operator, grid):
    login(client, operator)
    response = client.post(reverse("grids:merge_grids"), {"grids": [grid.pk], "name": "x", "reason": "y"})
    assert response.status_code == 400
    assert Grid.objects.count() == 1 and Grid.objects.get().is_active


def test_split_through_the_page(client, operator, report, grid):
    event = report(point=(121.187, 32.315))
    login(client, operator)
    assert client.get(reverse("grids:split_grid", args=[grid.code])).status_code == 200
    parts = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"name": "西片"}, "geometry": WEST},
            {"type": "Feature", "properties": {"name": "东片", "households": 120}, "geometry": EAST},
        ],
    }
    response = client.post(
        reverse("grids:split_grid", args=[grid.code]), {"parts": json.dumps(parts), "reason": "户数过多"}
    )
    assert response.status_code == 302, response.content.decode()
    east = Grid.objects.get(name="东片")
    assert east.households == 120
    event.refresh_from_db()
    assert event.grid == east
    assert not Grid.objects.get(pk=grid.pk).is_active


def test_split_with_a_broken_part_changes_nothing(client, operator, report, grid):
    event = report()
    login(client, operator)
    parts = [{"name": "西片", "boundary": WEST}, {"name": "东片", "boundary": {"type": "Polygon", "coordinates": []}}]
    response = client.post(reverse("grids:split_grid", args=[grid.code]), {"parts": json.dumps(parts), "reason": "r"})
    assert response.status_code == 400
    assert Grid.objects.count() == 1 and Grid.objects.get().is_active
    event.refresh_from_db()
    assert event.grid == grid and not EventGridMove.objects.exists() and not GridChange.objects.exists()


def test_maintenance_needs_the_operator_of_the_township(client, clerk, grid, other_township):
    from ruian.organisations import OrgKind
    from ruian.staff import Role
    from tests import factories as f

    login(client, clerk)
    assert client.get(reverse("grids:manage")).status_code == 403
    centre = f.OrganisationFactory(division=other_township, kind=OrgKind.COMMAND_CENTRE, name="大豫镇指挥中心")
    stranger = f.staff_user("other_operator", Role.OPERATOR, centre)
    login(client, stranger)
    # The other township's operator does not even see the grid to split it.
    assert client.get(reverse("grids:split_grid", args=[grid.code])).status_code == 404
    with pytest.raises(Exception, match="指挥中心"):
        services.split_grid(
            grid=grid, parts=[{"name": "a", "boundary": WEST}, {"name": "b", "boundary": EAST}], actor=stranger
        )
    assert Grid.objects.count() == 1


def test_departmental_grids_recorded_and_looked_up_on_the_page(client, operator, grid, home_village):
    login(client, operator)
    response = client.post(
        reverse("grids:record_departmental"),
        {"department": "city_management", "code": "CG-12", "name": "城管十二格", "merged_into": grid.pk},
    )
    assert response.status_code == 302
    second = services.create_grid(division=home_village, name="第二网格", boundary=square(121.19, 32.31))
    merged = services.merge_grids(grids=[grid, second], name="合并网格", actor=operator)
    client.logout()
    # Anyone can ask: the lookup is public like the grids.
    page = client.get(reverse("grids:departmental"), {"department": "city_management", "code": "cg-12"})
    text = page.content.decode()
    assert page.status_code == 200
    assert f'data-covering="{merged.code}"' in text and "城管十二格" in text
    missing = client.get(reverse("grids:departmental"), {"code": "NOPE"}).content.decode()
    assert "没有找到" in missing


def test_after_a_split_the_old_departmental_grid_is_covered_by_every_part(operator, grid):
    old = services.record_departmental_grid(department="governance", code="ZZ-3", name="综治三格", merged_into=grid)
    west, east = services.split_grid(
        grid=grid, parts=[{"name": "西", "boundary": WEST}, {"name": "东", "boundary": EAST}], actor=operator
    )
    from grids.selectors import covering_grids

    old.refresh_from_db()
    assert covering_grids(old) == sorted([west, east], key=lambda g: g.code)


def test_departmental_grid_must_go_into_a_comprehensive_grid(operator, home_village):
    school = services.create_grid(
        division=home_village, name="学校", boundary=square(121.18, 32.31), kind="dedicated", dedicated_type="school"
    )
    with pytest.raises(Exception, match="综合网格"):
        services.record_departmental_grid(
            department="emergency", code="YJ-1", name="应急一格", merged_into=school, actor=operator
        )
    assert not DepartmentalGrid.objects.exists()


# --- the API -------------------------------------------------------------------------------------


def test_create_merge_and_split_over_the_api(api, operator, report, grid, home_village):
    login(api, operator)
    created = api.post(
        GRIDS,
        {"division": home_village.code, "name": "第二网格", "boundary": square(121.19, 32.31), "households": 300},
        format="json",
    )
    assert created.status_code == 201, created.content
    second = created.json()["code"]
    event = report()
    merged = api.post(
        f"{GRIDS}merge/", {"grids": [grid.code, second], "name": "合并网格", "reason": "r"}, format="json"
    )
    assert merged.status_code == 201, merged.content
    merged_code = merged.json()["code"]
    assert merged.json()["households"] == 300
    event.refresh_from_db()
    assert event.grid.code == merged_code
    old = api.get(f"{GRIDS}{grid.code}/").json()
    assert old["is_active"] is False and old["successor"] == merged_code
    boundary = Grid.objects.get(code=merged_code).boundary
    assert boundary["type"] in ("Polygon", "MultiPolygon")
    split = api.post(
        f"{GRIDS}{merged_code}/split/",
        {
            "parts": [
                {"name": "西", "boundary": rectangle(121.18, 32.31, 121.19, 32.32)},
                {"name": "东", "boundary": rectangle(121.19, 32.31, 121.20, 32.32)},
            ],
            "reason": "重新划分",
        },
        format="json",
    )
    assert split.status_code == 201, split.content
    assert [part["name"] for part in split.json()] == ["西", "东"]
    event.refresh_from_db()
    assert event.grid.name == "西"
    assert event.grid_moves.count() == 2


def test_api_bad_input_is_a_clear_400_and_changes_nothing(api, operator, grid, home_village, home_township):
    login(api, operator)
    cases = [
        (GRIDS, {"division": home_township.code, "name": "x", "boundary": square(121.19, 32.31)}),  # not a village
        (GRIDS, {"division": home_village.code, "name": "x", "boundary": {"type": "Point"}}),
        (GRIDS, {"division": "999999999999", "name": "x", "boundary": square(121.19, 32.31)}),
        (f"{GRIDS}merge/", {"grids": [grid.code, "320623100201999"], "name": "x"}),
        (f"{GRIDS}merge/", {"grids": [grid.code], "name": "x"}),
        (f"{GRIDS}{grid.code}/split/", {"parts": [{"name": "a", "boundary": WEST}]}),
    ]
    for url, payload in cases:
        response = api.post(url, payload, format="json")
        assert response.status_code == 400, (url, payload, response.content)
        assert response.json()["error"]["code"] == "validation_error"
    assert Grid.objects.count() == 1 and not GridChange.objects.exists()


def test_api_write_needs_the_operator(api, grid_worker, grid, home_village):
    login(api, grid_worker)
    response = api.post(
        GRIDS, {"division": home_village.code, "name": "x", "boundary": square(121.19, 32.31)}, format="json"
    )
    assert response.status_code == 403
    assert Grid.objects.count() == 1


def test_departmental_grids_over_the_api(api, operator, grid, token_api):
    login(api, operator)
    recorded = api.post(
        "/api/v1/grids/departmental-grids/",
        {"department": "party_building", "code": "DJ-07", "name": "党建七格", "merged_into": grid.code},
        format="json",
    )
    assert recorded.status_code == 201, recorded.content
    listed = token_api.get("/api/v1/grids/departmental-grids/", {"department": "party_building"})
    assert [row["code"] for row in listed.json()["results"]] == ["DJ-07"]
    covering = token_api.get(
        "/api/v1/grids/departmental-grids/covering/", {"department": "party_building", "code": "DJ-07"}
    )
    assert covering.status_code == 200, covering.content
    assert [g["code"] for g in covering.json()["covering_grids"]] == [grid.code]
    assert covering.json()["covering_grids"][0]["boundary"]["type"] == "Polygon"
    assert (
        token_api.get(
            "/api/v1/grids/departmental-grids/covering/", {"department": "party_building", "code": "DJ-99"}
        ).status_code
        == 404
    )
    assert token_api.get("/api/v1/grids/departmental-grids/covering/", {"code": "DJ-07"}).status_code == 400


def test_event_keeps_its_grid_history_through_merge_and_split(report, grid, home_village, operator):
    event = report(point=HOME_POINT)
    second = services.create_grid(division=home_village, name="第二网格", boundary=square(121.19, 32.31))
    merged = services.merge_grids(grids=[grid, second], name="合并", actor=operator)
    west, east = services.split_grid(
        grid=merged,
        parts=[
            {"name": "西", "boundary": rectangle(121.18, 32.31, 121.19, 32.32)},
            {"name": "东", "boundary": rectangle(121.19, 32.31, 121.20, 32.32)},
        ],
        actor=operator,
    )
    history = list(Event.objects.get(pk=event.pk).grid_moves.values_list("from_grid", "to_grid", "change__kind"))
    assert history == [(grid.pk, merged.pk, "merge"), (merged.pk, west.pk, "split")]
