"""The issue's list of bad input, over the API: each a clear 4xx, and nothing changed (the event, its
clocks and the audit log stay as they were)."""

import pytest

from grids import services
from grids.models import Drill, Event
from ruian.audit import AuditEntry
from ruian.clocks import Deadline
from tests.conftest import login
from tests.grids.conftest import HOME_POINT, NOWHERE

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/grids/events/"


def state(event):
    event = Event.objects.get(pk=event.pk)
    return (
        event.status,
        event.unit_id,
        event.handling_division_id,
        event.updated_at,
        Event.objects.count(),
        AuditEntry.objects.count(),
        Deadline.objects.count(),
        Drill.objects.count(),
    )


def test_every_kind_of_bad_input_is_a_clear_4xx_and_changes_nothing(
    api, report, operator, grid_worker, unit, home_township, county
):
    event = report()
    services.register_event(event=event, actor=operator)
    url = f"{EVENTS}{event.pk}/"
    before = state(event)
    operator_api = login(api, operator)
    cases = [
        # (who, path, body, status, field)
        (
            grid_worker,
            EVENTS,
            {"category": "garbage", "lng": NOWHERE[0], "lat": NOWHERE[1], "description": "x"},
            400,
            "location",
        ),
        (
            grid_worker,
            EVENTS,
            {"category": "nope", "lng": HOME_POINT[0], "lat": HOME_POINT[1], "description": "x"},
            400,
            "category",
        ),
        (operator, url + "dispatch/", {"unit": 987654}, 400, "unit"),
        (operator, url + "escalate/", {"to_division": home_township.code}, 400, "to_division"),
        (operator, url + "close/", {}, 400, None),  # wrong state: registered, not verified
        (operator, url + "accept/", {}, 403, None),  # wrong role: the operator is not the unit
        (grid_worker, url + "dispatch/", {"unit": unit.pk}, 403, None),  # wrong role
        (operator, "/api/v1/grids/drills/", {"units": [987654]}, 400, "units"),  # drill to a unit that does not exist
    ]
    for who, path, body, status, field in cases:
        response = login(operator_api, who).post(path, body, format="json")
        assert response.status_code == status, (path, body, response.content)
        error = response.json()["error"]
        assert error["message"]
        if field:
            assert field in error["fields"], (path, error)
        assert state(event) == before, path
