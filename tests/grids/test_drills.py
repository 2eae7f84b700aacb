"""Drills (联调联试): a random past event or case copied to the units concerned, their response times, and
drills kept out of every real count."""

import datetime
import random

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from grids import selectors, services
from grids.models import Drill, DrillTask, Event
from grids.states import DRILL_TASK_TRANSITIONS, DrillTaskStatus, IllegalTransition, check_transition
from ruian.audit import AuditEntry
from tests.conftest import login

pytestmark = pytest.mark.django_db

DRILLS = "/api/v1/grids/drills/"


def test_drill_copies_a_past_event_to_the_units_it_concerned(closed_event, operator, home_township, unit, police):
    drill = services.start_drill(township=home_township, actor=operator, rng=random.Random(1))
    assert drill.source == "event" and drill.source_number == closed_event.number
    assert drill.description == "小区门口垃圾堆积"
    assert set(drill.tasks.values_list("organisation", flat=True)) == {unit.pk, police.pk}
    assert set(drill.tasks.values_list("status", flat=True)) == {DrillTaskStatus.DISPATCHED}
    assert AuditEntry.objects.filter(action="grids.drill.started", object_id=str(drill.pk)).exists()


def test_each_unit_acknowledges_and_handles_and_its_times_are_measured(
    closed_event, operator, home_township, unit, unit_staff, police, police_staff
):
    drill = services.start_drill(township=home_township, actor=operator)
    start = drill.started_at
    unit_task = drill.tasks.get(organisation=unit)
    police_task = drill.tasks.get(organisation=police)
    # The unit answers 4 minutes after dispatch and finishes after 30; the police only answers, after 10.
    DrillTask.objects.filter(pk__in=[unit_task.pk, police_task.pk]).update(
        dispatched_at=start - datetime.timedelta(minutes=30)
    )
    services.acknowledge_drill_task(task=unit_task, actor=unit_staff)
    services.handle_drill_task(task=unit_task, actor=unit_staff, result="演练: 已到场清运")
    services.acknowledge_drill_task(task=police_task, actor=police_staff)
    DrillTask.objects.filter(pk=unit_task.pk).update(
        acknowledged_at=start - datetime.timedelta(minutes=26), handled_at=start
    )
    DrillTask.objects.filter(pk=police_task.pk).update(acknowledged_at=start - datetime.timedelta(minutes=20))
    services.finish_drill(drill=drill, actor=operator)
    police_task.refresh_from_db()
    assert police_task.status == DrillTaskStatus.MISSED
    today = timezone.localdate()
    times = selectors.drill_response_times(start=today, end=today)
    assert times[unit.pk]["mean_acknowledge_seconds"] == 240
    assert times[unit.pk]["mean_handle_seconds"] == 1800
    assert times[unit.pk]["handled"] == 1 and times[unit.pk]["missed"] == 0
    assert times[police.pk]["mean_acknowledge_seconds"] == 600
    assert times[police.pk]["mean_handle_seconds"] is None and times[police.pk]["missed"] == 1
    # Outside the period: nothing.
    assert (
        selectors.drill_response_times(start=today - datetime.timedelta(days=9), end=today - datetime.timedelta(days=1))
        == {}
    )
    assert set(selectors.drill_response_times(start=today, end=today, organisations=[police.pk])) == {police.pk}


def test_only_the_unit_answers_its_copy_and_only_in_order(
    closed_event, operator, home_township, unit, unit_staff, police_staff
):
    drill = services.start_drill(township=home_township, actor=operator)
    task = drill.tasks.get(organisation=unit)
    with pytest.raises(PermissionDenied):
        services.acknowledge_drill_task(task=task, actor=police_staff)
    with pytest.raises(IllegalTransition):
        services.handle_drill_task(task=task, actor=unit_staff, result="跳过响应")
    task.refresh_from_db()
    assert task.status == DrillTaskStatus.DISPATCHED and task.acknowledged_at is None


def test_the_drill_task_table_refuses_every_illegal_move():
    for current in DrillTaskStatus:
        for target in DrillTaskStatus:
            if target in DRILL_TASK_TRANSITIONS[current]:
                check_transition(current, target, DRILL_TASK_TRANSITIONS)
            else:
                with pytest.raises(IllegalTransition):
                    check_transition(current, target, DRILL_TASK_TRANSITIONS)


def test_a_finished_drill_takes_no_more_answers(closed_event, operator, home_township, unit, unit_staff):
    drill = services.start_drill(township=home_township, actor=operator)
    services.finish_drill(drill=drill, actor=operator)
    with pytest.raises(ValidationError):
        services.acknowledge_drill_task(task=drill.tasks.get(organisation=unit), actor=unit_staff)
    with pytest.raises(ValidationError):
        services.finish_drill(drill=drill, actor=operator)


def test_a_drill_to_a_unit_that_does_not_exist_is_refused_and_saves_nothing(
    api, closed_event, operator, home_township, unit, other_township
):
    from ruian.organisations import OrgKind
    from tests import factories as f

    with pytest.raises(ValidationError, match="不存在"):
        services.start_drill(township=home_township, actor=operator, unit_ids=[unit.pk, 987654])
    stranger = f.OrganisationFactory(division=other_township, kind=OrgKind.TOWNSHIP_OFFICE, name="大豫镇社会事业局")
    with pytest.raises(ValidationError):
        services.start_drill(township=home_township, actor=operator, unit_ids=[stranger.pk])
    login(api, operator)
    response = api.post(DRILLS, {"units": [unit.pk, 987654]}, format="json")
    assert response.status_code == 400
    assert "units" in response.json()["error"]["fields"]
    assert not Drill.objects.exists() and not DrillTask.objects.exists()
    assert not AuditEntry.objects.filter(action="grids.drill.started").exists()


def test_no_past_event_no_drill(operator, home_township, grid):
    with pytest.raises(ValidationError, match="没有"):
        services.start_drill(township=home_township, actor=operator)
    assert not Drill.objects.exists()


def test_only_the_townships_operator_starts_a_drill(closed_event, home_township, unit_staff, clerk):
    for user in (unit_staff, clerk):
        with pytest.raises(PermissionDenied):
            services.start_drill(township=home_township, actor=user)
    assert not Drill.objects.exists()


def test_drill_from_a_past_case_goes_to_the_squad(operator, home_township, home_squad, squad_leader, county, grid):
    from enforcement.models import Case
    from tests.enforcement import factories as ef

    power = ef.held_power(home_township, department=ef.department(county))
    Case.objects.create(
        number="如东长沙罚〔2026〕1号",
        township=home_township,
        power=power,
        title="占道经营",
        filed_on=timezone.localdate(),
        filed_by=squad_leader,
    )
    drill = services.start_drill(township=home_township, actor=operator, source="case")
    assert drill.source == "case" and drill.title == "占道经营"
    assert list(drill.tasks.values_list("organisation", flat=True)) == [home_squad.pk]


def test_drills_never_mix_with_real_statistics(
    client, api, token_api, closed_event, operator, home_township, unit, unit_staff, grid_worker
):
    from grids import assessment

    def snapshot():
        centre = selectors.command_centre(operator)
        month = timezone.localdate().replace(day=1)
        return {
            "events": Event.objects.count(),
            "open": dict(centre["by_state"]),
            "waiting": len(centre["waiting_calls"]),
            "map": [f["properties"]["open_events"] for f in selectors.map_features(operator)["features"]],
            "api": login(api, operator).get("/api/v1/grids/events/").json()["count"],
            "sync": len(
                token_api.get("/api/v1/grids/events/", {"updated_since": "2000-01-01T00:00:00Z"}).json()["results"]
            ),
            "open311": len(client.get("/open311/v2/requests.json").json()),
            "workers": [
                (row.get("reports"), row.get("score")) if isinstance(row, dict) else str(row)
                for row in assessment.grid_workers(operator, month)
            ],
        }

    before = snapshot()
    drill = services.start_drill(township=home_township, actor=operator)
    task = drill.tasks.get(organisation=unit)
    services.acknowledge_drill_task(task=task, actor=unit_staff)
    services.handle_drill_task(task=task, actor=unit_staff, result="演练处置")
    services.finish_drill(drill=drill, actor=operator)
    assert snapshot() == before
    page = login(client, operator).get(reverse("grids:command_centre")).content.decode()
    assert drill.title not in page


# --- pages and API ----------------------------------------------------------------------------------


def test_operator_runs_a_drill_and_the_unit_answers_through_the_pages(
    client, closed_event, operator, unit, unit_staff, police
):
    login(client, operator)
    assert client.get(reverse("grids:drills")).status_code == 200
    response = client.post(reverse("grids:drills"), {"source": "event", "units": [unit.pk]})
    assert response.status_code == 302
    drill = Drill.objects.get()
    assert list(drill.tasks.values_list("organisation", flat=True)) == [unit.pk]
    task = drill.tasks.get()
    login(client, unit_staff)
    mine = client.get(reverse("grids:my_drill_tasks")).content.decode()
    assert f'data-task="{task.pk}"' in mine
    client.post(reverse("grids:drill_task_action", args=[task.pk, "acknowledge"]))
    client.post(reverse("grids:drill_task_action", args=[task.pk, "handle"]), {"result": "已到场"})
    task.refresh_from_db()
    assert task.status == DrillTaskStatus.HANDLED and task.result == "已到场"
    login(client, operator)
    client.post(reverse("grids:finish_drill", args=[drill.pk]))
    page = client.get(reverse("grids:drills")).content.decode()
    assert f'data-unit="{unit.pk}"' in page
    detail = client.get(reverse("grids:drill_detail", args=[drill.pk])).content.decode()
    assert 'data-task-status="handled"' in detail


def test_drill_flow_over_the_api(api, closed_event, operator, unit, unit_staff, police, police_staff):
    created = login(api, operator).post(DRILLS, {"source": "event"}, format="json")
    assert created.status_code == 201, created.content
    drill = created.json()
    assert drill["source_number"] == closed_event.number and len(drill["tasks"]) == 2
    task = next(t for t in drill["tasks"] if t["organisation"] == unit.pk)
    login(api, unit_staff)
    assert (
        api.post(f"/api/v1/grids/drill-tasks/{task['id']}/handle/", {"result": "x"}, format="json").status_code == 400
    )
    assert api.post(f"/api/v1/grids/drill-tasks/{task['id']}/acknowledge/").status_code == 200
    handled = api.post(f"/api/v1/grids/drill-tasks/{task['id']}/handle/", {"result": "已处置"}, format="json")
    assert handled.status_code == 200 and handled.json()["status"] == "handled"
    assert handled.json()["handle_seconds"] >= 0
    other = next(t for t in drill["tasks"] if t["organisation"] == police.pk)
    # Another unit's copy cannot be answered by this one.
    assert api.post(f"/api/v1/grids/drill-tasks/{other['id']}/acknowledge/").status_code == 403
    finished = login(api, operator).post(f"{DRILLS}{drill['id']}/finish/")
    assert finished.status_code == 200 and finished.json()["status"] == "finished"
    today = timezone.localdate().isoformat()
    times = api.get(f"{DRILLS}response-times/", {"start": today, "end": today})
    assert times.status_code == 200
    rows = {row["organisation_id"]: row for row in times.json()}
    assert rows[unit.pk]["handled"] == 1 and rows[police.pk]["missed"] == 1
    assert api.get(f"{DRILLS}response-times/", {"start": "2026-13-01", "end": today}).status_code == 400


def test_drill_list_costs_a_fixed_number_of_queries(api, closed_event, operator, home_township, unit):
    login(api, operator)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert api.get(DRILLS).status_code == 200
        return len(queries)

    services.start_drill(township=home_township, actor=operator)
    small = count()
    for _ in range(5):
        services.start_drill(township=home_township, actor=operator)
    assert count() == small


def test_a_non_operator_gets_403_over_the_api_and_only_the_unit_may_answer(
    api, closed_event, operator, grid_worker, unit, police_staff
):
    assert login(api, grid_worker).post(DRILLS, {"source": "event"}, format="json").status_code == 403
    drill = login(api, operator).post(DRILLS, {"source": "event"}, format="json").json()
    task = next(t for t in drill["tasks"] if t["organisation"] == unit.pk)
    # The wrong unit is refused before its body is even read.
    refused = login(api, police_staff).post(f"/api/v1/grids/drill-tasks/{task['id']}/handle/", {}, format="json")
    assert refused.status_code == 403
    assert DrillTask.objects.get(pk=task["id"]).status == DrillTaskStatus.DISPATCHED
