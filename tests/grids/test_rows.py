"""The events list builds its JSON from plain values (grids.api.rows): it must be GridEventSerializer's, key
for key, whatever the event carries (a unit, a duplicate, a hand-over with its target, a rating, nulls)."""

import json

import pytest
from rest_framework.renderers import JSONRenderer

from grids import selectors, services
from grids.api import serializers as s
from grids.models import Event, EventHandover
from tests.conftest import login

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/grids/events/"


@pytest.fixture
def varied(report, closed_event, operator, unit):
    plain = report(description="普通事件")
    duplicate = report(description="重复事件")
    services.reject_event(event=duplicate, actor=operator, reason="重复", duplicate_of=plain)
    handed = report(description="移交事件")
    Event.objects.filter(pk=handed.pk).update(handover="enforcement", verified_ok=False, satisfaction=2)
    EventHandover.objects.create(
        event=handed,
        kind="enforcement",
        status="received",
        target_app="enforcement",
        target_model="lead",
        target_id="7",
    )
    pending = report(description="待接收移交")
    Event.objects.filter(pk=pending.pk).update(handover="service")
    EventHandover.objects.create(event=pending, kind="service")
    Event.objects.filter(pk=closed_event.pk).update(satisfaction=5, handled_on_time=True, lng=121.185, lat=32.3)
    return [closed_event, plain, duplicate, handed, pending]


def _serialized(user, **params):
    events = selectors.events_for(user).order_by("-reported_at", "-id")
    if params.get("updated_since"):
        events = events.order_by("updated_at", "id")
    return json.loads(JSONRenderer().render(s.GridEventSerializer(events, many=True).data))


@pytest.mark.parametrize("params", [{}, {"updated_since": "2000-01-01T00:00:00Z"}])
def test_the_list_is_the_serializers_json(api, operator, varied, params):
    answer = login(api, operator).get(EVENTS, {**params, "page_size": 100})
    assert answer.status_code == 200
    rows = answer.json()["results"]
    assert len(rows) == len(varied)
    assert rows == _serialized(operator, **params)
    assert [list(row) for row in rows] == [list(s.GridEventSerializer.Meta.fields)] * len(rows)
    by_number = {row["number"]: row for row in rows}
    assert by_number[varied[3].number]["handover_target"] == "enforcement.lead:7"
    assert by_number[varied[4].number]["handover_target"] is None
    assert by_number[varied[2].number]["duplicate_of"] == varied[1].number
    assert by_number[varied[0].number]["unit_name"] and by_number[varied[0].number]["satisfaction"] == 5


def test_one_event_answers_as_in_the_list(api, operator, varied):
    login(api, operator)
    listed = {row["id"]: row for row in api.get(EVENTS, {"page_size": 100}).json()["results"]}
    for event in varied:
        assert api.get(f"{EVENTS}{event.pk}/").json() == listed[event.pk]


def test_a_created_event_answers_as_it_reads_back(token_api, grid, category):
    body = {"category": "garbage", "lng": 121.185, "lat": 32.315, "description": " 垃圾乱堆 ", "address": "长沙村"}
    created = token_api.post(EVENTS, body, format="json", HTTP_IDEMPOTENCY_KEY="rows-1")
    assert created.status_code == 201, created.content
    answer = created.json()
    assert answer.pop("possible_duplicates") == [] and answer.pop("photos") == []
    assert answer == token_api.get(f"{EVENTS}{answer['id']}/").json()


def test_the_created_answer_is_the_create_serializers_json(token_api, report, grid, category):
    """The create answers from the instance in hand (rows.event_instance_row): GridEventCreatedSerializer's JSON,
    key for key and in order, with the possible duplicates (only their numbers loaded) and no photos."""
    near, nearer = report(point=(121.1855, 32.315)), report()
    body = {"category": "garbage", "lng": 121.185, "lat": 32.315, "description": "又见垃圾", "source": "citizen"}
    created = token_api.post(EVENTS, body, format="json", HTTP_IDEMPOTENCY_KEY="rows-2")
    assert created.status_code == 201, created.content
    answer = created.json()
    event = Event.objects.get(pk=answer["id"])
    expected = s.GridEventCreatedSerializer(event, context={"duplicates": [nearer, near]}).data
    expected = json.loads(JSONRenderer().render({**expected, "photos": []}))
    assert answer == expected and list(answer) == list(expected)
    assert answer["possible_duplicates"] == [nearer.number, near.number]


def test_the_located_grid_is_the_serializers_json(api, operator, grid, grid_worker):
    from grids.models import Grid, GridWorker

    GridWorker.objects.create(grid=grid, name="阿离职", phone="1", is_active=False)
    GridWorker.objects.create(grid=grid, name="艾在职", phone="2", employment="part_time")
    Grid.objects.filter(pk=grid.pk).update(households=12, population=34)
    login(api, operator)
    found = api.get("/api/v1/grids/grids/locate/", {"lng": 121.185, "lat": 32.315})
    assert found.status_code == 200
    expected = json.loads(JSONRenderer().render(s.GridSerializer(selectors.public_grids().get(pk=grid.pk)).data))
    assert found.json() == expected and list(found.json()) == list(expected)
    assert [w["name"] for w in expected["workers"]] == ["冒永兵", "艾在职"]
