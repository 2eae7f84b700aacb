"""Two people doing conflicting things to the same object at the same moment, from two threads with two
database connections against PostgreSQL: exactly one wins, the other is told why (a ValidationError with
a message, nothing else), the audit log shows one transition, and both finish in bounded time (no
deadlock). Each race is run ROUNDS times on fresh objects; the tally goes to var/trust-figures.json.
"""

import datetime
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from approvals import services as approvals
from approvals.models import Application
from catalogs import services as catalogs
from catalogs.models import CatalogKind, CatalogVersion
from catalogs.states import VersionStatus
from enforcement import services as enforcement
from enforcement.models import Case, Lead, Transfer
from grids import services as grids
from grids.models import Event, Source
from ruian import workdays
from ruian.audit import AuditEntry
from ruian.organisations import OrgKind
from ruian.staff import Role
from tests import factories as f
from tests.approvals import factories as af
from tests.catalogs import factories as cf
from tests.enforcement import factories as ef
from tests.grids.factories import EventCategoryFactory, square
from tests.trust.conftest import record_figures

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 3
TIMEOUT = 30  # seconds both sides together may take; a deadlock would hold them far longer
TALLY = {"races": 0, "won_once": 0, "lost_updates": 0}


def race(*calls):
    """Run the calls at the same moment, each in its own thread (and so its own connection).

    Returns each call's outcome: "ok", or the ValidationError that refused it. Anything else fails."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(TIMEOUT)
            call()
            outcomes[index] = "ok"
        except ValidationError as error:
            outcomes[index] = error
        except Exception as error:  # reported below as the test's failure
            outcomes[index] = RuntimeError(f"{type(error).__name__}: {error}")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.1, TIMEOUT - (time.monotonic() - started)))
    assert not any(thread.is_alive() for thread in threads), "a side is still waiting: deadlock or lost lock"
    unexpected = [o for o in outcomes if isinstance(o, RuntimeError)]
    assert not unexpected, unexpected
    return outcomes


def one_winner(outcomes, transitions: int) -> None:
    """Exactly one side won, the other was told why; the audit shows exactly one transition."""
    TALLY["races"] += 1
    winners = [o for o in outcomes if o == "ok"]
    losers = [o for o in outcomes if o != "ok"]
    if len(winners) > 1 or transitions > 1:
        TALLY["lost_updates"] += 1  # both sides' changes were applied: one of them silently overwritten
    assert len(winners) == 1, outcomes
    assert all(error.messages and error.messages[0] for error in losers), losers
    assert transitions == 1, f"{transitions} transitions in the audit log"
    TALLY["won_once"] += 1


def audited(obj, *states) -> int:
    return AuditEntry.objects.for_object(obj).filter(to_state__in=states).count()


@pytest.fixture(autouse=True)
def _calendar(db):
    workdays.seed_from_package([2026])
    yield
    workdays.clear_cache()
    record_figures("concurrency", dict(TALLY))


@pytest.fixture
def second_clerk(home_centre):
    return f.staff_user("clerk2", Role.WINDOW_CLERK, home_centre)


def test_two_clerks_accept_the_same_application(county, home_township, clerk, second_clerk):
    item = af.licence(county)
    for _round in range(ROUNDS):
        app = af.receive(home_township, item, clerk)
        outcomes = race(
            lambda app=app: approvals.accept_application(application=app, actor=clerk),
            lambda app=app: approvals.accept_application(application=app, actor=second_clerk),
        )
        app = Application.objects.get(pk=app.pk)
        one_winner(outcomes, audited(app, "accepted"))
        assert app.status == "accepted"


def test_a_lead_is_filed_and_transferred_at_once(county, home_township, squad_leader, home_squad):
    other_leader = f.staff_user("squad_leader_b", Role.SQUAD_LEADER, home_squad, **f.officer_profile("32062300077"))
    department = ef.department(county)
    power = ef.held_power(home_township, department=department)
    for _round in range(ROUNDS):
        lead = ef.lead(home_township, squad_leader)
        outcomes = race(
            lambda lead=lead: enforcement.case_file(
                township=home_township, power=power, title="占道经营案", actor=squad_leader, lead=lead
            ),
            lambda lead=lead: enforcement.lead_transfer(
                lead=lead, reason="属于县市场监管局职权", actor=other_leader, department=department
            ),
        )
        lead = Lead.objects.get(pk=lead.pk)
        one_winner(outcomes, audited(lead, "filed", "transferred"))
        # The loser left nothing behind: either a case or a transfer exists, never both.
        assert Case.objects.filter(lead=lead).count() + Transfer.objects.filter(lead=lead).count() == 1


@pytest.fixture
def event_setup(home_village, home_township):
    grid = grids.create_grid(division=home_village, name="长沙村第一网格", boundary=square(121.18, 32.31))
    category = EventCategoryFactory(code="garbage", name="垃圾乱堆")
    command = f.OrganisationFactory(division=home_township, kind=OrgKind.COMMAND_CENTRE, name="长沙镇综合指挥中心")
    operators = [f.staff_user(f"operator{i}", Role.OPERATOR, command) for i in (1, 2)]
    units = [
        f.OrganisationFactory(division=home_township, kind=OrgKind.TOWNSHIP_OFFICE, name=name)
        for name in ("长沙镇社会事业局", "长沙镇城建办")
    ]
    worker = f.staff_user("grid_worker", Role.GRID_WORKER, command)
    grids.add_grid_worker(grid=grid, name="冒永兵", phone="13800000009", employment="full_time", user=worker)
    return category, operators, units, worker


def _registered_event(category, operator):
    event, _duplicates = grids.report_event(
        category=category, lng=121.185, lat=32.315, description="路边垃圾堆放", source=Source.HOTLINE, actor=operator
    )
    return grids.register_event(event=event, actor=operator)


def test_two_operators_dispatch_the_same_event(event_setup):
    category, (first, second), (unit_a, unit_b), _worker = event_setup
    for _round in range(ROUNDS):
        event = _registered_event(category, first)
        outcomes = race(
            lambda event=event: grids.dispatch_event(event=event, unit=unit_a, actor=first),
            lambda event=event: grids.dispatch_event(event=event, unit=unit_b, actor=second),
        )
        event = Event.objects.get(pk=event.pk)
        one_winner(outcomes, audited(event, "dispatched"))
        assert event.unit in (unit_a, unit_b)


def test_an_event_is_dispatched_and_rejected_at_once(event_setup):
    # Closing is only legal from "verified" and dispatching only from "registered", so the two can never
    # race each other; the real races at the command centre are register/reject on a reported event and
    # dispatch against a second dispatch (above) or a close against a close (below).
    category, (first, second), (unit_a, _unit_b), _worker = event_setup
    for _round in range(ROUNDS):
        event, _duplicates = grids.report_event(
            category=category, lng=121.185, lat=32.315, description="占道", source=Source.HOTLINE, actor=first
        )
        outcomes = race(
            lambda event=event: grids.register_event(event=event, actor=first),
            lambda event=event: grids.reject_event(event=event, actor=second, reason="重复上报"),
        )
        event = Event.objects.get(pk=event.pk)
        one_winner(outcomes, audited(event, "registered", "rejected"))


def test_two_operators_close_the_same_event(event_setup, home_township):
    category, (first, second), (unit_a, _unit_b), worker = event_setup
    unit_staff = f.staff_user("unit_staff", None, unit_a)
    for _round in range(ROUNDS):
        event = _registered_event(category, first)
        grids.dispatch_event(event=event, unit=unit_a, actor=first)
        grids.accept_event(event=event, actor=unit_staff)
        grids.feed_back_event(event=event, actor=unit_staff, result="已清运")
        grids.verify_event(event=event, actor=worker, ok=True)
        outcomes = race(
            lambda event=event: grids.close_event(event=event, actor=first),
            lambda event=event: grids.close_event(event=event, actor=second),
        )
        event = Event.objects.get(pk=event.pk)
        one_winner(outcomes, audited(event, "closed"))


def test_two_editors_publish_the_same_version(county, county_office, editor):
    second_editor = f.staff_user("editor2", Role.COUNTY_EDITOR, county_office)
    for n in range(ROUNDS):
        version = catalogs.version_create(
            county=county,
            kind=CatalogKind.TERRITORIAL,
            title=f"属地管理清单第{n + 1}版",
            effective_date=datetime.date(2026, 1, 1 + n),
            actor=editor,
        )
        cf.TerritorialMatterFactory(version=version)
        catalogs.version_transition(version=version, target=VersionStatus.IN_REVIEW, actor=editor)
        outcomes = race(
            lambda version=version: catalogs.version_transition(
                version=version, target=VersionStatus.PUBLISHED, actor=editor
            ),
            lambda version=version: catalogs.version_transition(
                version=version, target=VersionStatus.PUBLISHED, actor=second_editor
            ),
        )
        version = CatalogVersion.objects.get(pk=version.pk)
        one_winner(outcomes, audited(version, VersionStatus.PUBLISHED))
        assert version.status == VersionStatus.PUBLISHED
    # Each publication superseded the one before: one version in force, never two.
    assert CatalogVersion.objects.filter(county=county, kind=CatalogKind.TERRITORIAL, status="published").count() == 1
