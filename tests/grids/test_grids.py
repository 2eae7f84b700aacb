import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from grids import services
from grids.models import DepartmentalGrid, Event, EventGridMove, Grid, GridKind, Source
from grids.selectors import grid_for_point, possible_duplicates
from ruian.audit import AuditEntry
from tests.grids.conftest import HOME_POINT, NOWHERE
from tests.grids.factories import square

pytestmark = pytest.mark.django_db


def test_grid_code_extends_the_community_code(grid, home_village, settings):
    assert grid.code == home_village.code + "001"
    settings.GRID_SEQUENCE_WIDTH = 2
    second = services.create_grid(division=home_village, name="第二网格", boundary=square(121.19, 32.31))
    assert second.code == home_village.code + "02"


def test_grids_only_under_villages(home_township):
    with pytest.raises(ValidationError):
        services.create_grid(division=home_township, name="错误", boundary=square(121.0, 32.0))


def test_invalid_boundary_is_refused(home_village):
    with pytest.raises(ValidationError):
        services.create_grid(division=home_village, name="坏", boundary={"type": "Point", "coordinates": [1, 2]})
    bow_tie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    with pytest.raises(ValidationError):
        services.create_grid(division=home_village, name="坏", boundary=bow_tie)


def test_point_inside_finds_the_grid_and_dedicated_wins(grid, home_village):
    assert grid_for_point(*HOME_POINT) == grid
    school = services.create_grid(
        division=home_village,
        name="长沙小学",
        kind=GridKind.DEDICATED,
        dedicated_type="school",
        boundary=square(121.184, 32.314, 0.002),
    )
    assert grid_for_point(*HOME_POINT) == school
    assert grid_for_point(121.181, 32.311) == grid


def test_point_in_the_box_but_outside_the_polygon(home_village):
    triangle = {"type": "Polygon", "coordinates": [[[121.0, 32.0], [121.1, 32.0], [121.0, 32.1], [121.0, 32.0]]]}
    services.create_grid(division=home_village, name="三角", boundary=triangle)
    assert grid_for_point(121.09, 32.09) is None
    assert grid_for_point(121.01, 32.01) is not None


def test_reporting_outside_every_grid_is_refused(grid, category, grid_worker):
    with pytest.raises(ValidationError) as error:
        services.report_event(
            category=category,
            lng=NOWHERE[0],
            lat=NOWHERE[1],
            description="x",
            source=Source.GRID_WORKER,
            actor=grid_worker,
        )
    assert "location" in error.value.message_dict
    assert not Event.objects.exists()


def test_possible_duplicates_nearby_same_category(report, category, grid_worker):
    first = report()
    _event, duplicates = services.report_event(
        category=category,
        lng=HOME_POINT[0] + 0.0005,  # ~50 m east
        lat=HOME_POINT[1],
        description="又见垃圾",
        source=Source.GRID_WORKER,
        actor=grid_worker,
    )
    assert duplicates == [first]
    assert possible_duplicates(category=category, lng=HOME_POINT[0] + 0.005, lat=HOME_POINT[1]) == []


def test_merge_moves_open_events_workers_and_old_grids(report, grid, home_village, operator):
    second = services.create_grid(division=home_village, name="第二网格", boundary=square(121.19, 32.31))
    party = services.record_departmental_grid(
        department="party_building", code="DJ-07", name="党建七格", merged_into=grid
    )
    event = report()
    merged = services.merge_grids(grids=[grid, second], name="合并网格", actor=operator, reason="人口减少")
    event.refresh_from_db()
    party.refresh_from_db()
    assert event.grid == merged
    assert EventGridMove.objects.get(event=event).from_grid == grid
    assert DepartmentalGrid.objects.get(pk=party.pk).merged_into == merged
    assert merged.workers.count() == 1
    assert not Grid.objects.get(pk=grid.pk).is_active
    assert grid_for_point(121.195, 32.315) == merged
    assert AuditEntry.objects.filter(action="grids.grid.merged").count() == 1


def test_split_sends_events_to_the_part_that_holds_them(report, grid, operator):
    event = report(point=(121.187, 32.315))
    west, east = services.split_grid(
        grid=grid,
        parts=[
            {
                "name": "西",
                "boundary": {
                    "type": "Polygon",
                    "coordinates": [
                        [[121.18, 32.31], [121.185, 32.31], [121.185, 32.32], [121.18, 32.32], [121.18, 32.31]]
                    ],
                },
            },
            {
                "name": "东",
                "boundary": {
                    "type": "Polygon",
                    "coordinates": [
                        [[121.185, 32.31], [121.19, 32.31], [121.19, 32.32], [121.185, 32.32], [121.185, 32.31]]
                    ],
                },
            },
        ],
        actor=operator,
    )
    event.refresh_from_db()
    assert event.grid == east
    assert list(event.grid_moves.values_list("from_grid", "to_grid")) == [(grid.pk, east.pk)]


def test_an_event_is_numbered_by_its_report_date_and_id(report):
    event = report()
    event.refresh_from_db()
    assert event.number == f"SJ{timezone.localdate(event.reported_at):%Y%m%d}{event.pk:08d}"
    assert report().pk == event.pk + 1


def test_a_report_across_midnight_is_numbered_by_the_date_it_was_stamped(report, monkeypatch):
    """The number goes in with the row, dated before the INSERT stamps reported_at: should midnight fall in
    between, the number follows reported_at."""

    class BeforeMidnight:
        """The services' clock: today's date, read without a moment, is still yesterday's."""

        def __getattr__(self, name):
            return getattr(timezone, name)

        def localdate(self, value=None):
            return timezone.localdate(value) if value else timezone.localdate() - datetime.timedelta(days=1)

    monkeypatch.setattr(services, "timezone", BeforeMidnight())
    event = report()
    monkeypatch.undo()
    event.refresh_from_db()
    assert event.number == f"SJ{timezone.localdate(event.reported_at):%Y%m%d}{event.pk:08d}"
    assert AuditEntry.objects.get(action="grids.event.reported", object_id=str(event.pk)).object_repr == event.number
