import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from grids import services
from grids.models import Event, Source
from ruian.apiclients import Scope, issue_token
from ruian.idempotency import IdempotencyKey
from tests.conftest import login
from tests.grids.conftest import HOME_POINT, NOWHERE, OTHER_POINT

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/grids/events/"


def body(point=HOME_POINT, **extra):
    return {"category": "garbage", "lng": point[0], "lat": point[1], "description": "垃圾乱堆", **extra}


def test_grid_worker_reports_and_the_point_finds_the_grid(api, grid_worker, grid, category):
    response = login(api, grid_worker).post(EVENTS, body(), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["grid"] == grid.code
    assert response.json()["source"] == Source.GRID_WORKER
    assert response.json()["possible_duplicates"] == []
    again = api.post(EVENTS, body(), format="json")
    assert again.json()["possible_duplicates"] == [response.json()["number"]]


def test_a_point_outside_every_grid_is_a_clear_400(api, grid_worker, grid, category):
    response = login(api, grid_worker).post(EVENTS, body(point=NOWHERE), format="json")
    assert response.status_code == 400
    assert "location" in response.json()["error"]["fields"]
    assert not Event.objects.exists()
    locate = api.get("/api/v1/grids/grids/locate/", {"lng": NOWHERE[0], "lat": NOWHERE[1]})
    assert locate.status_code == 404
    found = api.get("/api/v1/grids/grids/locate/", {"lng": HOME_POINT[0], "lat": HOME_POINT[1]})
    assert found.json()["code"] == grid.code


def test_an_unknown_category_is_a_400(api, grid_worker, grid, category):
    response = login(api, grid_worker).post(EVENTS, body(category="nope"), format="json")
    assert response.status_code == 400
    assert "category" in response.json()["error"]["fields"]


def test_flow_over_the_api(api, grid_worker, operator, unit, unit_staff, grid, category):
    number = login(api, grid_worker).post(EVENTS, body(), format="json").json()["id"]
    url = f"{EVENTS}{number}/"
    operator_api = login(APIClient(), operator)
    unit_api = login(APIClient(), unit_staff)
    assert operator_api.post(url + "register/").json()["status"] == "registered"
    assert operator_api.post(url + "dispatch/", {"unit": 999999}, format="json").status_code == 400
    assert operator_api.post(url + "dispatch/", {"unit": unit.pk}, format="json").json()["status"] == "dispatched"
    assert unit_api.post(url + "accept/").json()["status"] == "handling"
    assert operator_api.post(url + "close/").status_code == 400  # wrong state: nothing changes
    assert unit_api.post(url + "feedback/", {"result": "已清运"}, format="json").json()["status"] == "fed_back"
    assert api.post(url + "verify/", {"ok": True}, format="json").json()["status"] == "verified"
    assert operator_api.post(url + "close/").json()["status"] == "closed"
    assert operator_api.post(url + "evaluate/", {"satisfaction": 4}, format="json").json()["status"] == "evaluated"
    history = operator_api.get(url + "history/").json()
    assert [row["action"] for row in history][-1] == "grids.event.evaluated"


def test_wrong_role_gets_403(api, grid_worker, grid, category):
    event_id = login(api, grid_worker).post(EVENTS, body(), format="json").json()["id"]
    response = api.post(f"{EVENTS}{event_id}/register/")
    assert response.status_code == 403
    assert Event.objects.get(pk=event_id).status == "reported"


def test_downward_escalation_is_a_400(api, report, operator, home_township):
    event = report()
    services.register_event(event=event, actor=operator)
    url = f"{EVENTS}{event.pk}/escalate/"
    response = login(api, operator).post(url, {"to_division": home_township.code}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["to_division"]
    response = api.post(url, {}, format="json")
    assert response.json()["handling_level"] == "county"


def test_another_townships_events_are_invisible(api, report, other_grid, category, other_township, operator):
    from ruian.organisations import OrgKind
    from ruian.staff import Role
    from tests import factories as f

    mine = report()
    centre = f.OrganisationFactory(division=other_township, kind=OrgKind.COMMAND_CENTRE, name="大豫镇综合指挥中心")
    stranger = f.staff_user("other_operator", Role.OPERATOR, centre)
    theirs, _ = services.report_event(
        category=category,
        lng=OTHER_POINT[0],
        lat=OTHER_POINT[1],
        description="x",
        source=Source.HOTLINE,
        actor=stranger,
    )
    numbers = [row["number"] for row in login(api, operator).get(EVENTS).json()["results"]]
    assert numbers == [mine.number]
    assert api.get(f"{EVENTS}{theirs.pk}/").status_code == 404
    assert api.post(f"{EVENTS}{theirs.pk}/register/").status_code == 404
    grids = [row["code"] for row in api.get("/api/v1/grids/grids/").json()["results"]]
    assert other_grid.code not in grids


def test_token_without_grids_write_cannot_write(api_client_user, grid, category):
    key = issue_token(user=api_client_user, name="只读", scopes=[Scope.GRIDS_READ])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(EVENTS).status_code == 200
    response = client.post(EVENTS, body(), format="json")
    assert response.status_code == 403
    assert not Event.objects.exists()


def test_token_with_grids_write_reports_as_api(token_api, grid, category):
    response = token_api.post(EVENTS, body(), format="json")
    assert response.status_code == 201
    assert response.json()["source"] == Source.API


def test_idempotent_creation(token_api, grid, category):
    first = token_api.post(EVENTS, body(), format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    second = token_api.post(EVENTS, body(), format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Event.objects.count() == 1
    reused = token_api.post(EVENTS, body(description="别的"), format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert reused.status_code == 422
    assert Event.objects.count() == 1


def test_a_failed_creation_leaves_no_key(token_api, grid, category):
    bad = token_api.post(EVENTS, body(point=NOWHERE), format="json", HTTP_IDEMPOTENCY_KEY="k2")
    assert bad.status_code == 400
    assert not IdempotencyKey.objects.exists()
    good = token_api.post(EVENTS, body(), format="json", HTTP_IDEMPOTENCY_KEY="k3")
    assert good.status_code == 201


def test_updated_since_sync_with_cursor(token_api, report):
    events = [report(description=f"事件{i}") for i in range(3)]
    first = token_api.get(EVENTS, {"updated_since": "2000-01-01T00:00:00Z", "page_size": 2}).json()
    assert [row["number"] for row in first["results"]] == [e.number for e in events[:2]]
    following = token_api.get(first["next"]).json()
    assert [row["number"] for row in following["results"]] == [events[2].number]
    assert token_api.get(EVENTS, {"updated_since": "not a time"}).status_code == 400


def test_grids_come_with_geojson_and_public_workers(api, operator, grid, grid_worker):
    row = login(api, operator).get("/api/v1/grids/grids/").json()["results"][0]
    assert row["boundary"]["type"] == "Polygon"
    worker = {"id": row["workers"][0]["id"], "name": "冒永兵", "phone": "13800000009", "employment": "full_time"}
    assert row["workers"] == [worker]
    collection = api.get("/api/v1/grids/grids/geojson/").json()
    assert collection["type"] == "FeatureCollection"
    assert collection["features"][0]["properties"]["open_events"] == 0


def test_whistle_and_acknowledge_over_the_api(api, report, operator, unit, unit_staff, police):
    event = report()
    services.register_event(event=event, actor=operator)
    response = login(api, operator).post(
        f"{EVENTS}{event.pk}/whistle/", {"organisations": [unit.pk, police.pk], "reason": "联合处置"}, format="json"
    )
    assert response.status_code == 201
    whistle_id = response.json()["id"]
    ack = login(APIClient(), unit_staff).post(f"/api/v1/grids/whistles/{whistle_id}/acknowledge/", {}, format="json")
    assert ack.status_code == 200
    statuses = {c["organisation_name"]: c["status"] for c in ack.json()["calls"]}
    assert statuses == {"长沙镇社会事业局": "reported", "长沙派出所": "waiting"}


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", [EVENTS, "/api/v1/grids/grids/", "/api/v1/grids/whistles/", "/api/v1/grids/workers/"])
def test_list_endpoints_cost_a_fixed_number_of_queries(api, operator, bulk, url):
    login(api, operator)
    bulk(10)
    small = _count(api, url + "?page_size=500")
    bulk(90)
    large = _count(api, url + "?page_size=500")
    assert small == large


def test_the_openapi_schema_lists_the_grid_endpoints(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    for path in [
        "/api/v1/grids/events/",
        "/api/v1/grids/events/{id}/dispatch/",
        "/api/v1/grids/events/{id}/whistle/",
        "/api/v1/grids/events/{id}/escalate/",
        "/api/v1/grids/grids/geojson/",
        "/api/v1/grids/whistles/{id}/acknowledge/",
    ]:
        assert path in paths
    parameters = {p["name"] for p in paths["/api/v1/grids/events/"]["get"]["parameters"]}
    assert "updated_since" in parameters
