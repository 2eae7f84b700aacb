"""Transfers: to the department the catalog names, with copy notices; accept / return; escalation by the sweep."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from enforcement import services
from enforcement.models import Transfer, TransferDirection
from enforcement.states import IllegalTransition, LeadStatus, TransferStatus
from ruian import clocks
from ruian.audit import AuditEntry
from ruian.notifications import Notification
from tests.enforcement import factories as ef


@pytest.fixture
def foreign_power(department):
    return ef.PenaltyPowerFactory(department=department, name="对无照经营的处罚")  # not delegated


@pytest.fixture
def transfer(home_township, squad_leader, foreign_power, county):
    lead = ef.lead(home_township, squad_leader, power=foreign_power, summary="无照经营")
    copy = ef.department(county, name="如东县城市管理局", short_code="cgj")
    return services.lead_transfer(lead=lead, reason="不属于本镇赋权事项", actor=squad_leader, copy_to=[copy])


def test_transfer_goes_to_the_department_the_catalog_names(transfer, department):
    assert transfer.department == department and transfer.status == TransferStatus.SENT
    assert transfer.copy_to.count() == 1
    assert transfer.lead.status == LeadStatus.TRANSFERRED
    clock = clocks.open_clock(transfer, services.TRANSFER_ACCEPTANCE, lock=False)
    assert clock.amount == 5 and clock.unit == "working_days"


def test_a_lead_under_a_held_power_is_filed_not_transferred(home_township, squad_leader, power):
    lead = ef.lead(home_township, squad_leader, power=power)
    with pytest.raises(ValidationError):
        services.lead_transfer(lead=lead, reason="x", actor=squad_leader)
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW and not Transfer.objects.exists()


def test_department_accepts(transfer, department_clerk, squad_leader):
    with pytest.raises(PermissionDenied):
        services.transfer_accept(transfer=transfer, actor=squad_leader)
    services.transfer_accept(transfer=transfer, actor=department_clerk)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.ACCEPTED
    assert clocks.open_clock(transfer, services.TRANSFER_ACCEPTANCE, lock=False) is None
    with pytest.raises(IllegalTransition):
        services.transfer_return(transfer=transfer, reason="x", actor=department_clerk)


def test_return_needs_reasons_then_referral_to_coordination(transfer, department_clerk, squad_leader, coordinator):
    with pytest.raises(ValidationError):
        services.transfer_return(transfer=transfer, reason="  ", actor=department_clerk)
    services.transfer_return(transfer=transfer, reason="属于镇赋权范围", actor=department_clerk)
    services.transfer_refer(transfer=transfer, actor=squad_leader, reason="对职责划分有异议")
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.COORDINATION
    assert Notification.objects.filter(recipient=coordinator).exists()
    with pytest.raises(PermissionDenied):
        services.transfer_coordinate(transfer=transfer, department_competent=False, note="x", actor=squad_leader)
    services.transfer_coordinate(transfer=transfer, department_competent=False, note="由镇处理", actor=coordinator)
    transfer.refresh_from_db()
    transfer.lead.refresh_from_db()
    assert transfer.status == TransferStatus.KEPT and transfer.lead.status == LeadStatus.NEW


def _after(clock, days):
    return clock.due_at + datetime.timedelta(days=days)


def test_overdue_transfer_escalates_once_even_when_the_sweep_runs_twice(transfer, coordinator, department_clerk):
    clock = clocks.open_clock(transfer, services.TRANSFER_ACCEPTANCE, lock=False)
    clocks.sweep_deadlines(now=_after(clock, 1))
    clocks.sweep_deadlines(now=_after(clock, 2))
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.COORDINATION and transfer.escalated_at
    escalations = AuditEntry.objects.for_object(transfer).filter(action="enforcement.transfer.escalated")
    assert escalations.count() == 1
    assert Notification.objects.filter(recipient=coordinator).count() == 1
    assert Notification.objects.filter(recipient=department_clerk, key__startswith="enf-transfer-coord").count() == 1


def test_yellow_reminds_without_escalating(transfer, squad_leader):
    clock = clocks.open_clock(transfer, services.TRANSFER_ACCEPTANCE, lock=False)
    clocks.sweep_deadlines(now=clock.yellow_at + datetime.timedelta(minutes=1))
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.SENT
    assert Notification.objects.filter(recipient=squad_leader, key__startswith="enf-clock-").count() == 1


def test_answered_transfer_is_not_escalated(transfer, department_clerk):
    services.transfer_accept(transfer=transfer, actor=department_clerk)
    clocks.sweep_deadlines(now=timezone.now() + datetime.timedelta(days=60))
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.ACCEPTED


def test_incoming_transfer_accepted_becomes_a_lead(home_township, department, department_clerk, squad_leader):
    incoming = services.transfer_receive(
        township=home_township,
        department=department,
        summary="占道经营",
        reason="属镇赋权事项",
        actor=department_clerk,
    )
    assert incoming.direction == TransferDirection.INCOMING
    services.transfer_accept(transfer=incoming, actor=squad_leader)
    incoming.refresh_from_db()
    assert incoming.lead.source == "transfer_in" and incoming.lead.first_inquiry_owner == squad_leader


def test_filing_sweep_notifies_the_squad_leader_once(home_township, squad_leader, officer):
    lead = ef.lead(home_township, officer)
    clock = clocks.open_clock(lead, services.FILING, lock=False)
    clocks.sweep_deadlines(now=_after(clock, 1))
    clocks.sweep_deadlines(now=_after(clock, 2))
    assert Notification.objects.filter(recipient=squad_leader, key=f"enf-clock-{clock.pk}-2").count() == 1
