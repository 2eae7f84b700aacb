from io import StringIO

import pytest

from grids import demo as grids_demo
from grids.models import DepartmentalGrid, Drill, DrillTask, Escalation, EscalationReason, Event, Grid, GridKind
from grids.selectors import grid_for_point
from grids.states import EventStatus
from ruian import demo as kernel_demo
from ruian.audit import AuditEntry

pytestmark = pytest.mark.django_db


def test_demo_builds_rudong_grids_and_events_in_every_state_and_runs_twice():
    kernel_demo.load()
    grids_demo.load(StringIO())
    counts = (
        Grid.objects.count(),
        Event.objects.count(),
        DepartmentalGrid.objects.count(),
        Drill.objects.count(),
        AuditEntry.objects.count(),
    )
    grids_demo.load(StringIO())
    assert (
        Grid.objects.count(),
        Event.objects.count(),
        DepartmentalGrid.objects.count(),
        Drill.objects.count(),
        AuditEntry.objects.count(),
    ) == counts
    assert set(Drill.objects.values_list("status", flat=True)) == {"running", "finished"}
    assert set(DrillTask.objects.values_list("status", flat=True)) >= {"handled", "missed", "dispatched"}
    assert Grid.objects.filter(kind=GridKind.DEDICATED).count() == 3
    assert set(Event.objects.values_list("status", flat=True)) == set(EventStatus)
    escalation = Escalation.objects.get(reason=EscalationReason.WHISTLE_UNANSWERED)
    assert escalation.to_division.code == "320623000000"
    school = Grid.objects.get(name="长沙中心小学专属网格")
    centre = ((school.min_lng + school.max_lng) / 2, (school.min_lat + school.max_lat) / 2)
    assert grid_for_point(*centre) == school
    assert all(g.code.startswith(g.division.code) and len(g.code) == 15 for g in Grid.objects.all())
