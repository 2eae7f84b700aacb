"""Publicity (行政执法公示): within 7 working days, personal data masked, withdrawal audited; notices after commit."""

import pytest
from django.core.exceptions import ValidationError

from enforcement import services
from enforcement.masking import mask_id_number, mask_name, mask_phone
from enforcement.models import PartyKind
from enforcement.states import IllegalTransition
from ruian import clocks
from ruian.notifications import Notification
from tests.enforcement import factories as ef


def test_masking_rules():
    assert mask_name("王小明") == "王**" and mask_name("欧阳修") == "欧**" and mask_name("李") == "李*"
    assert mask_name("如东县某某餐饮店", PartyKind.ORGANISATION) == "如东县某某餐饮店"
    assert mask_id_number("320623199001011234") == "320*************34"
    assert mask_id_number("91320623MA1XK2L03A", PartyKind.ORGANISATION) == "91320623MA1XK2L03A"
    assert mask_phone("13912345678") == "139****5678"


def test_publicity_clock_runs_seven_working_days_and_stops_on_publication(home_township, squad_leader, officers, power):
    case = ef.decided_case(home_township, squad_leader, officers, power=power)
    clock = clocks.open_clock(case, services.PUBLICITY, lock=False)
    assert clock.amount == 7 and clock.unit == "working_days"
    publication = services.decision_publish(decision=case.decision, actor=squad_leader)
    assert clocks.open_clock(case, services.PUBLICITY, lock=False) is None
    assert publication.party_masked == "王**" and "王小明" not in publication.case_title
    with pytest.raises(IllegalTransition):
        services.decision_publish(decision=case.decision, actor=squad_leader)


def test_withdrawal_needs_reasons_and_happens_once(home_township, squad_leader, officers, power):
    case = ef.decided_case(home_township, squad_leader, officers, power=power)
    publication = services.decision_publish(decision=case.decision, actor=squad_leader)
    with pytest.raises(ValidationError):
        services.publication_withdraw(publication=publication, reason="", actor=squad_leader)
    services.publication_withdraw(publication=publication, reason="行政复议撤销", actor=squad_leader)
    with pytest.raises(IllegalTransition):
        services.publication_withdraw(publication=publication, reason="再次", actor=squad_leader)


def test_overdue_publicity_notifies_the_leader_once(home_township, squad_leader, officers, power):
    import datetime

    case = ef.decided_case(home_township, squad_leader, officers, power=power)
    clock = clocks.open_clock(case, services.PUBLICITY, lock=False)
    clocks.sweep_deadlines(now=clock.due_at + datetime.timedelta(hours=1))
    clocks.sweep_deadlines(now=clock.due_at + datetime.timedelta(hours=2))
    assert Notification.objects.filter(recipient=squad_leader, key=f"enf-clock-{clock.pk}-2").count() == 1


def test_new_lead_notifies_leaders_after_commit(
    home_township, squad_leader, officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ef.lead(home_township, officer)
    assert not Notification.objects.filter(recipient=squad_leader).exists()
    for callback in callbacks:
        callback()
    assert Notification.objects.filter(recipient=squad_leader, key__startswith="enf-lead-").count() == 1
