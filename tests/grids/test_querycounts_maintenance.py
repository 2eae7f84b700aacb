"""The new lists cost a fixed number of queries: grid maintenance page, departmental grids, hand-overs,
drills and drill tasks (pages and API)."""

import itertools

import pytest
from django.urls import reverse
from django.utils import timezone

from grids.models import DepartmentalGrid, Drill, DrillTask, Event, EventHandover, GridChange
from tests.conftest import login
from tests.grids.conftest import HOME_POINT
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db

counter = itertools.count()


@pytest.fixture
def grow(grid, category, unit, police, home_township, operator):
    def add(n):
        now = timezone.now()
        start = next(counter) * 10_000
        events = Event.objects.bulk_create(
            Event(
                number=f"SJ-QC-{start + i:07d}",
                category=category,
                grid=grid,
                division=grid.division,
                handling_division=home_township,
                status="registered",
                description="x",
                lng=HOME_POINT[0],
                lat=HOME_POINT[1],
                source="api",
            )
            for i in range(n)
        )
        EventHandover.objects.bulk_create(EventHandover(event=e, kind="service") for e in events)
        DepartmentalGrid.objects.bulk_create(
            DepartmentalGrid(department="governance", code=f"ZZ-{start + i}", name="综治", merged_into=grid)
            for i in range(n)
        )
        drills = Drill.objects.bulk_create(
            Drill(
                township=home_township,
                source="event",
                source_id=e.pk,
                source_number=e.number,
                title="演练",
                started_at=now,
            )
            for e in events
        )
        DrillTask.objects.bulk_create(
            DrillTask(drill=d, organisation=o, dispatched_at=now) for d in drills for o in (unit, police)
        )
        for _ in range(min(n, 20)):
            change = GridChange.objects.create(kind="merge", reason="r")
            change.retired.set([grid])
            change.resulting.set([grid])

    return add


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/grids/departmental-grids/",
        "/api/v1/grids/handovers/",
        "/api/v1/grids/drills/",
        "/api/v1/grids/drill-tasks/",
        "/api/v1/grids/drills/response-times/?start=2000-01-01&end=2100-01-01",
    ],
)
def test_api_lists(api, operator, grow, url):
    login(api, operator)
    assert_constant_queries(lambda: api.get(url), grow, large=200)


@pytest.mark.parametrize("name", ["grids:manage", "grids:drills", "grids:my_drill_tasks"])
def test_pages(client, operator, unit_staff, grow, name):
    login(client, unit_staff if name == "grids:my_drill_tasks" else operator)
    assert_constant_queries(lambda: client.get(reverse(name)), grow, large=200)
