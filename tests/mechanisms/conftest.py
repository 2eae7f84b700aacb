"""Fixtures for the working mechanisms: stationed units, grids, and rows of the apps' records made in bulk
(the metrics only read them; the apps' own tests cover how they are written)."""

import datetime
import itertools

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from approvals.models import Application
from enforcement.models import Case
from grids import services as grid_services
from grids.models import Event, GridWorker, Source
from ruian.clocks import ClockStatus, Deadline
from ruian.organisations import OrgKind
from ruian.staff import Role
from tests import factories as f
from tests.approvals.factories import licence
from tests.grids.factories import EventCategoryFactory, square

NOW = timezone.make_aware(datetime.datetime(2026, 11, 10, 10, 0))
PERIOD = "2026-11"
_numbers = itertools.count(1)


@pytest.fixture
def police_department(county):
    return f.OrganisationFactory(division=county, kind=OrgKind.COUNTY_DEPARTMENT, name="如东县公安局", short_code="gaj")


@pytest.fixture
def police(home_township, police_department):
    return f.OrganisationFactory(
        division=home_township, kind=OrgKind.STATIONED_UNIT, name="长沙派出所", home_department=police_department
    )


@pytest.fixture
def other_police(other_township, police_department):
    return f.OrganisationFactory(
        division=other_township, kind=OrgKind.STATIONED_UNIT, name="大豫派出所", home_department=police_department
    )


@pytest.fixture
def other_leader(other_township):
    office = f.OrganisationFactory(division=other_township, kind=OrgKind.TOWNSHIP_OFFICE, name="大豫镇党政办公室")
    return f.staff_user("other_leader", Role.LEADER, office)


@pytest.fixture
def power(county):
    return licence(county)


def applications(township, power, n, *, overdue=False, decided_at=NOW, department=None):
    rows = [
        Application(
            number=f"T{next(_numbers):08d}",
            township=township,
            power_item=power,
            item_code=power.code,
            item_name=power.name,
            department=department,
            legal_limit=20,
            promised_limit=10,
            applicant_kind="person",
            applicant_name="张三",
            applicant_id_number="11010519491231002X",
            applicant_phone="13800000000",
            status="issued",
            received_at=decided_at - datetime.timedelta(days=3),
            accepted_at=decided_at - datetime.timedelta(days=3),
            decided_at=decided_at,
            overdue=overdue,
        )
        for _ in range(n)
    ]
    return Application.objects.bulk_create(rows)


def cases(township, power, filed_by, n, *, on_time=True, stopped_at=NOW):
    rows = Case.objects.bulk_create(
        [
            Case(
                number=f"C{next(_numbers):08d}",
                township=township,
                power=power,
                title="占道经营",
                filed_on=(stopped_at - datetime.timedelta(days=30)).date(),
                filed_by=filed_by,
                status="closed",
                closed_on=stopped_at.date(),
            )
            for _ in range(n)
        ]
    )
    content_type = ContentType.objects.get_for_model(Case)
    due = stopped_at + (datetime.timedelta(days=5) if on_time else -datetime.timedelta(days=5))
    Deadline.objects.bulk_create(
        [
            Deadline(
                content_type=content_type,
                object_id=case.pk,
                kind="enforcement.decision",
                division=township,
                unit="days",
                amount=90,
                started_at=stopped_at - datetime.timedelta(days=30),
                yellow_at=due - datetime.timedelta(days=10),
                due_at=due,
                status=ClockStatus.STOPPED,
                stopped_at=stopped_at,
            )
            for case in rows
        ]
    )
    return rows


@pytest.fixture
def grid(home_village):
    return grid_services.create_grid(division=home_village, name="长沙村第一网格", boundary=square(121.18, 32.31))


@pytest.fixture
def category(db):
    return EventCategoryFactory(code="garbage", name="垃圾乱堆", dispatch_limit_hours=1, handle_limit=3)


@pytest.fixture
def worker_user(home_village, grid):
    proxy = f.OrganisationFactory(division=home_village, kind=OrgKind.PROXY_POINT, name="长沙村代办点")
    user = f.staff_user("grid_worker", Role.GRID_WORKER, proxy, phone="13800000009")
    grid_services.add_grid_worker(grid=grid, name="冒永兵", phone="13800000009", employment="full_time", user=user)
    return user


def events(grid, category, n, *, reporter=None, unit=None, on_time=True, fed_back_at=NOW):
    township = grid.division.parent
    rows = Event.objects.bulk_create(
        [
            Event(
                number=f"E{next(_numbers):08d}",
                category=category,
                grid=grid,
                division=grid.division,
                handling_division=township,
                status="closed",
                description="垃圾乱堆",
                lng=121.185,
                lat=32.315,
                source=Source.GRID_WORKER,
                reporter=reporter,
                unit=unit,
                fed_back_at=fed_back_at,
                closed_at=fed_back_at,
                verified_ok=True,
                handled_on_time=on_time,
            )
            for _ in range(n)
        ]
    )
    # reported_at is auto_now_add: put the reports into the period under test.
    Event.objects.filter(pk__in=[e.pk for e in rows]).update(reported_at=fed_back_at)
    return rows


def workers(grid, n):
    return GridWorker.objects.bulk_create(
        [GridWorker(grid=grid, name=f"网格员{next(_numbers)}", phone=f"139{next(_numbers):08d}") for _ in range(n)]
    )
