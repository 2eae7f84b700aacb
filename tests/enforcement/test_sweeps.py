"""The sweep handlers are set-based: the same number of statements for 2 clocks as for 20, each notice once."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enforcement import services
from enforcement.states import TransferStatus
from ruian import clocks
from ruian.audit import AuditEntry
from ruian.notifications import Notification
from tests.enforcement import factories as ef


@pytest.fixture
def foreign_power(department):
    return ef.PenaltyPowerFactory(department=department, name="对无照经营的处罚")


def _transfers(count, township, leader, power):
    return [
        services.lead_transfer(
            lead=ef.lead(township, leader, power=power, summary=f"无照经营{n}"), reason="不属于本镇", actor=leader
        )
        for n in range(count)
    ]


def _sweep_queries(now):
    with CaptureQueriesContext(connection) as queries:
        result = clocks.sweep_deadlines(now=now)
    return len(queries), result


def test_sweep_statements_do_not_grow_with_the_clocks(home_township, squad_leader, foreign_power, coordinator):
    few = _transfers(2, home_township, squad_leader, foreign_power)
    later = clocks.open_clock(few[0], services.TRANSFER_ACCEPTANCE, lock=False).due_at + datetime.timedelta(days=1)
    few_queries, _result = _sweep_queries(later)
    many = _transfers(20, home_township, squad_leader, foreign_power)
    later = clocks.open_clock(many[-1], services.TRANSFER_ACCEPTANCE, lock=False).due_at + datetime.timedelta(days=1)
    many_queries, result = _sweep_queries(later)
    assert sum(result["crossed"].values()) >= 20
    assert many_queries == few_queries
    for transfer in many:
        transfer.refresh_from_db()
        assert transfer.status == TransferStatus.COORDINATION and transfer.escalated_at
    escalated = AuditEntry.objects.filter(action="enforcement.transfer.escalated")
    assert escalated.count() == 22
    entry = escalated.filter(object_id=str(many[0].pk)).get()
    assert (entry.from_state, entry.to_state, entry.actor) == ("sent", "coordination", None)
    assert Notification.objects.filter(recipient=coordinator, key__startswith="enf-transfer-coord").count() == 22
    # The leader heard of each overdue clock once, under its own key.
    assert Notification.objects.filter(recipient=squad_leader, key__startswith="enf-clock-").count() == 22


def test_a_second_sweep_adds_nothing(home_township, squad_leader, foreign_power):
    transfers = _transfers(3, home_township, squad_leader, foreign_power)
    later = clocks.open_clock(transfers[0], services.TRANSFER_ACCEPTANCE, lock=False).due_at
    clocks.sweep_deadlines(now=later + datetime.timedelta(days=1))
    notices, entries = Notification.objects.count(), AuditEntry.objects.count()
    # Replaying the handlers on the same clocks (a worker killed after acting, before the level was kept) is a no-op.
    from enforcement import sweeps

    ids = list(clocks.Deadline.objects.filter(kind=services.TRANSFER_ACCEPTANCE).values_list("pk", flat=True))
    sweeps.transfer_acceptance(ids, clocks.Level.RED)
    assert (Notification.objects.count(), AuditEntry.objects.count()) == (notices, entries)
