"""Leads and filing: only under a penalty power the township holds that day; first-inquiry ownership."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from catalogs.models import AdjustmentAction, Category
from enforcement import services
from enforcement.models import Case, Lead
from enforcement.states import CaseStatus, IllegalTransition, LeadStatus
from ruian import clocks
from ruian.audit import AuditEntry
from tests.enforcement import factories as ef


def test_lead_starts_filing_clock_and_owner_is_who_took_it(home_township, officer):
    lead = ef.lead(home_township, officer)
    assert lead.first_inquiry_owner == officer
    clock = clocks.open_clock(lead, services.FILING, lock=False)
    assert clock.amount == 15 and clock.unit == "working_days"


def test_hand_over_moves_first_inquiry_responsibility(home_township, officer, officer2):
    lead = ef.lead(home_township, officer)
    services.lead_hand_over(lead=lead, to_user=officer2, actor=officer, reason="属其片区")
    lead.refresh_from_db()
    assert lead.first_inquiry_owner == officer2
    assert AuditEntry.objects.for_object(lead).filter(action="enforcement.lead.handed_over").exists()


def test_files_case_under_held_penalty_power(home_township, squad_leader, power):
    lead = ef.lead(home_township, squad_leader)
    case = services.case_file(township=home_township, power=power, title="占道经营案", actor=squad_leader, lead=lead)
    lead.refresh_from_db()
    assert case.status == CaseStatus.FILED and lead.status == LeadStatus.FILED
    assert case.party_name == "王小明"
    assert clocks.open_clock(lead, services.FILING, lock=False) is None
    decision = clocks.open_clock(case, services.DECISION, lock=False)
    assert decision.amount == 90 and decision.unit == "days"
    assert AuditEntry.objects.for_object(case).filter(action="enforcement.case.filed").exists()


def _refused_and_nothing_changed(township, leader, power, **kwargs):
    lead = ef.lead(township, leader)
    with pytest.raises(ValidationError) as error:
        services.case_file(township=township, power=power, title="案", actor=leader, lead=lead, **kwargs)
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW
    assert not Case.objects.exists()
    return error.value


def test_refuses_filing_under_a_power_not_delegated(home_township, squad_leader, department):
    power = ef.PenaltyPowerFactory(department=department)  # in the catalog, never granted to the township
    error = _refused_and_nothing_changed(home_township, squad_leader, power)
    assert error.error_dict["power"][0].code == "power_not_held"


def test_refuses_filing_under_a_withdrawn_power(home_township, squad_leader, power):
    ef.grant(power, home_township, effective=datetime.date(2026, 1, 1), action=AdjustmentAction.WITHDRAW)
    _refused_and_nothing_changed(home_township, squad_leader, power)


def test_refuses_filing_before_the_power_was_granted(home_township, squad_leader, power):
    _refused_and_nothing_changed(home_township, squad_leader, power, filed_on=datetime.date(2020, 6, 1))


def test_refuses_filing_under_a_non_penalty_power(home_township, squad_leader):
    licence = ef.held_power(home_township, category=Category.LICENSING, code="320623-XK-0901")
    _refused_and_nothing_changed(home_township, squad_leader, licence)


def test_only_the_township_squad_leader_files(home_township, officer, other_leader, power):
    for actor in (officer, other_leader):
        lead = ef.lead(home_township, officer)
        with pytest.raises(PermissionDenied):
            services.case_file(township=home_township, power=power, title="案", actor=actor, lead=lead)
    assert not Case.objects.exists()


def test_a_filed_lead_cannot_be_filed_twice(home_township, squad_leader, power):
    lead = ef.lead(home_township, squad_leader)
    services.case_file(township=home_township, power=power, title="案", actor=squad_leader, lead=lead)
    with pytest.raises(IllegalTransition):
        services.case_file(township=home_township, power=power, title="案", actor=squad_leader, lead=lead)
    assert Case.objects.count() == 1


def test_dismissal_needs_reasons(home_township, squad_leader):
    lead = ef.lead(home_township, squad_leader)
    with pytest.raises(ValidationError):
        services.lead_dismiss(lead=lead, reason=" ", actor=squad_leader)
    services.lead_dismiss(lead=lead, reason="经核查无违法行为", actor=squad_leader)
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.DISMISSED
