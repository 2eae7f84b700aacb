"""Grid fixtures: one grid in the home village and one in the other township, a category, the people."""

import pytest

from grids import services
from grids.models import Source
from ruian.organisations import OrgKind
from ruian.staff import Role
from tests import factories as f
from tests.grids.factories import EventCategoryFactory, square

HOME_POINT = (121.185, 32.315)
OTHER_POINT = (121.285, 32.315)
NOWHERE = (120.0, 30.0)


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # Every fixture user gets a password; the production hasher would cost a second per test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def grid(home_village):
    return services.create_grid(division=home_village, name="长沙村第一网格", boundary=square(121.18, 32.31))


@pytest.fixture
def other_village(other_township):
    return f.village("320623101201", "大豫村", parent=other_township)


@pytest.fixture
def other_grid(other_village):
    return services.create_grid(division=other_village, name="大豫村第一网格", boundary=square(121.28, 32.31))


@pytest.fixture
def category(db):
    return EventCategoryFactory(code="garbage", name="垃圾乱堆", dispatch_limit_hours=1, handle_limit=3)


@pytest.fixture
def grid_worker(home_village, grid):
    proxy = f.OrganisationFactory(division=home_village, kind=OrgKind.PROXY_POINT, name="长沙村代办点")
    user = f.staff_user("grid_worker", Role.GRID_WORKER, proxy, phone="13800000009")
    services.add_grid_worker(grid=grid, name="冒永兵", phone="13800000009", employment="full_time", user=user)
    return user


@pytest.fixture
def unit(home_township):
    return f.OrganisationFactory(division=home_township, kind=OrgKind.TOWNSHIP_OFFICE, name="长沙镇社会事业局")


@pytest.fixture
def unit_staff(unit):
    return f.staff_user("unit_staff", None, unit)


@pytest.fixture
def police(home_township, county):
    department = f.OrganisationFactory(
        division=county, kind=OrgKind.COUNTY_DEPARTMENT, name="县公安局", short_code="gaj"
    )
    return f.OrganisationFactory(
        division=home_township, kind=OrgKind.STATIONED_UNIT, name="长沙派出所", home_department=department
    )


@pytest.fixture
def police_staff(police):
    return f.staff_user("police_staff", None, police)


@pytest.fixture
def county_unit(county):
    return f.OrganisationFactory(division=county, kind=OrgKind.COUNTY_DEPARTMENT, name="县城管局", short_code="cgj")


@pytest.fixture
def county_operator(county):
    centre = f.OrganisationFactory(division=county, kind=OrgKind.COMMAND_CENTRE, name="县指挥中心")
    return f.staff_user("county_operator", Role.OPERATOR, centre)


@pytest.fixture
def report(grid, category, grid_worker):
    def make(point=HOME_POINT, **extra):
        event, _dups = services.report_event(
            category=category,
            lng=point[0],
            lat=point[1],
            description=extra.pop("description", "路边垃圾堆放"),
            source=Source.GRID_WORKER,
            actor=grid_worker,
            **extra,
        )
        return event

    return make


@pytest.fixture
def bulk(grid, category, unit, home_township, county):
    """Add n rows of each kind quickly (bulk inserts), for the fixed-query-count tests."""
    from grids.models import Escalation, Event, Grid, GridWorker, Whistle, WhistleCall

    def add(n):
        start = Event.objects.count()
        events = Event.objects.bulk_create(
            Event(
                number=f"SJ-BULK-{start + i:06d}",
                category=category,
                grid=grid,
                division=grid.division,
                handling_division=home_township,
                status="registered" if i % 2 else "dispatched",
                unit=unit if i % 2 == 0 else None,
                description=f"批量{i}",
                lng=HOME_POINT[0],
                lat=HOME_POINT[1],
                source="api",
            )
            for i in range(n)
        )
        whistles = Whistle.objects.bulk_create(Whistle(event=e, reason="r") for e in events)
        WhistleCall.objects.bulk_create(WhistleCall(whistle=w, organisation=unit) for w in whistles)
        Escalation.objects.bulk_create(
            Escalation(event=e, from_division=home_township, to_division=county, reason="manual") for e in events
        )
        first = Grid.objects.filter(division=grid.division).count() + 1
        grids = Grid.objects.bulk_create(
            Grid(
                division=grid.division,
                name=f"批量网格{first + i}",
                sequence=first + i,
                code=f"{grid.division.code}{first + i:03d}",
                boundary=grid.boundary,
                min_lng=grid.min_lng,
                min_lat=grid.min_lat,
                max_lng=grid.max_lng,
                max_lat=grid.max_lat,
            )
            for i in range(n)
        )
        GridWorker.objects.bulk_create(GridWorker(grid=g, name="批量", phone=str(g.sequence)) for g in grids)

    return add


@pytest.fixture
def closed_event(report, operator, unit, unit_staff, police, grid_worker):
    """A past event, closed, that went to `unit` and for which `police` was whistled: what a drill copies."""
    event = report(description="小区门口垃圾堆积")
    services.register_event(event=event, actor=operator)
    services.dispatch_event(event=event, unit=unit, actor=operator)
    services.blow_whistle(event=event, organisations=[police], actor=operator, reason="需要派出所到场")
    services.accept_event(event=event, actor=unit_staff)
    services.feed_back_event(event=event, actor=unit_staff, result="已清运")
    services.verify_event(event=event, actor=grid_worker, ok=True)
    return services.close_event(event=event, actor=operator)
