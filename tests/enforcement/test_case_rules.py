"""The Administrative Penalty Law's rules on a case, one test (or more) per rule."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from enforcement import rules, services
from enforcement.models import Decision, Hearing, PartyKind, PenaltyMeasure
from enforcement.states import CaseStatus, IllegalTransition
from ruian import clocks
from ruian.clocks import ClockStatus
from tests.enforcement import factories as ef

D = datetime.date
FINE = [PenaltyMeasure.FINE]


@pytest.fixture
def notified(home_township, squad_leader, officers, power):
    return ef.notified_case(home_township, squad_leader, officers, power=power)


def _codes(error):
    return {e.code for e in error.error_list} if hasattr(error, "error_list") else set()


def _field_codes(error):
    return {e.code for errors in error.error_dict.values() for e in errors}


# --- hearing (APL Art 63-64) ---


def test_hearing_request_within_five_working_days(notified, officer):
    served = notified.notices.get().served_on
    deadline = rules.hearing_request_deadline(served)
    services.hearing_request(case=notified, actor=officer, requested_on=deadline)
    notified.refresh_from_db()
    assert notified.status == CaseStatus.HEARING


def test_hearing_request_after_five_working_days_is_refused(notified, officer):
    served = notified.notices.get().served_on
    late = rules.hearing_request_deadline(served) + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        services.hearing_request(case=notified, actor=officer, requested_on=late)
    assert "hearing_request_late" in _codes(error.value)
    notified.refresh_from_db()
    assert notified.status == CaseStatus.NOTIFIED and not Hearing.objects.exists()


def test_five_working_days_skip_the_national_day_holiday():
    assert rules.hearing_request_deadline(D(2026, 9, 30)) == D(2026, 10, 13)


@pytest.fixture
def fresh(home_township, squad_leader, officers, power):
    """Notice served today: the hearing request period is running."""
    return ef.notified_case(home_township, squad_leader, officers, power=power, served_on=timezone.localdate())


def test_no_decision_while_the_hearing_request_period_runs(fresh, squad_leader):
    with pytest.raises(ValidationError) as error:
        services.case_decide(case=fresh, fine=500, measures=FINE, actor=squad_leader)
    assert "hearing_period_running" in _codes(error.value)
    fresh.refresh_from_db()
    assert fresh.status == CaseStatus.NOTIFIED
    services.case_decide(case=fresh, fine=500, measures=FINE, actor=squad_leader, hearing_waived=True)


@pytest.fixture
def hearing(fresh, officer):
    return services.hearing_request(case=fresh, actor=officer)


def test_hearing_needs_seven_days_notice(hearing, squad_leader, squad_leader2):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as error:
        services.hearing_schedule(
            hearing=hearing,
            notice_sent_on=today,
            held_on=today + datetime.timedelta(days=6),
            chair=squad_leader2,
            actor=squad_leader,
        )
    assert "hearing_notice_short" in _field_codes(error.value)
    services.hearing_schedule(
        hearing=hearing,
        notice_sent_on=today,
        held_on=today + datetime.timedelta(days=7),
        chair=squad_leader2,
        actor=squad_leader,
    )


def test_hearing_chair_must_not_have_investigated(hearing, squad_leader, officer):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as error:
        services.hearing_schedule(
            hearing=hearing,
            notice_sent_on=today,
            held_on=today + datetime.timedelta(days=8),
            chair=officer,
            actor=squad_leader,
        )
    assert "chair_investigated" in _field_codes(error.value)
    hearing.refresh_from_db()
    assert hearing.chair is None


def test_no_decision_while_the_hearing_is_pending(hearing, squad_leader):
    with pytest.raises(ValidationError) as error:
        services.case_decide(case=hearing.case, fine=500, measures=FINE, actor=squad_leader)
    assert "hearing_pending" in _codes(error.value)


# --- defence never makes it heavier (APL Art 45) ---


def test_heavier_decision_after_defence_is_refused(notified, squad_leader, officer):
    services.defence_record(case=notified, content="初次违法,已整改", actor=officer)
    with pytest.raises(ValidationError) as error:
        services.case_decide(case=notified, fine=800, measures=FINE, actor=squad_leader)
    assert "heavier_after_defence" in _codes(error.value)
    with pytest.raises(ValidationError):
        services.case_decide(
            case=notified, fine=500, measures=[*FINE, PenaltyMeasure.SUSPEND_LICENCE], actor=squad_leader
        )
    notified.refresh_from_db()
    assert notified.status == CaseStatus.NOTIFIED and not Decision.objects.exists()
    decision = services.case_decide(case=notified, fine=300, measures=FINE, actor=squad_leader)
    assert decision.fine == Decimal("300")


def test_heavier_renotice_after_defence_is_refused(notified, officer, squad_leader):
    services.defence_record(case=notified, content="申辩", actor=officer)
    review = services.legal_review_submit(case=notified, actor=officer)
    services.legal_review_decide(review=review, approve=False, opinion="补充调查", actor=_reviewer(notified))
    with pytest.raises(ValidationError) as error:
        services.notice_serve(case=notified, served_on=timezone.localdate(), fine=900, measures=FINE, actor=officer)
    assert "heavier_after_defence" in _codes(error.value)


def _reviewer(case):
    from ruian.organisations import OrgKind
    from ruian.staff import Role
    from tests import factories as f

    office = f.OrganisationFactory(division=case.township, kind=OrgKind.TOWNSHIP_OFFICE, name="党政办")
    return f.staff_user("reviewer_x", Role.LEGAL_REVIEWER, office)


def test_heavier_than_notice_without_defence_needs_new_notice(notified, squad_leader):
    with pytest.raises(ValidationError) as error:
        services.case_decide(case=notified, fine=600, measures=FINE, actor=squad_leader)
    assert "heavier_than_notice" in _codes(error.value)


# --- legal review for major cases (APL Art 58) ---


@pytest.fixture
def major(home_township, squad_leader, officers, power):
    return ef.notified_case(home_township, squad_leader, officers, power=power, fine=Decimal("20000"))


def test_large_fine_or_revocation_makes_a_case_major(major, home_township, squad_leader, officers, power):
    assert major.major and major.major_reasons
    revoke = ef.notified_case(
        home_township, squad_leader, officers, power=power, fine=0, measures=[PenaltyMeasure.REVOKE_LICENCE]
    )
    assert revoke.major


def test_major_case_cannot_be_decided_without_legal_review(major, squad_leader):
    with pytest.raises(ValidationError) as error:
        services.case_decide(case=major, fine=20000, measures=FINE, actor=squad_leader)
    assert "legal_review_required" in _codes(error.value)
    major.refresh_from_db()
    assert major.status == CaseStatus.NOTIFIED and not Decision.objects.exists()


def test_major_case_decided_after_approved_review(major, squad_leader, officer, legal_reviewer):
    review = services.legal_review_submit(case=major, actor=officer)
    with pytest.raises(PermissionDenied):
        services.legal_review_decide(review=review, approve=True, opinion="", actor=officer)
    services.legal_review_decide(review=review, approve=True, opinion="事实清楚,适用依据正确", actor=legal_reviewer)
    services.case_decide(case=major, fine=20000, measures=FINE, actor=squad_leader)
    major.refresh_from_db()
    assert major.status == CaseStatus.DECIDED


def test_raising_the_decision_to_major_level_needs_review_too(notified, squad_leader, legal_reviewer):
    services.case_mark(case=notified, actor=squad_leader, major=True, reason="社会影响较大")
    with pytest.raises(ValidationError):
        services.case_decide(case=notified, fine=500, measures=FINE, actor=squad_leader)


def test_complex_case_needs_collective_discussion(notified, squad_leader):
    services.case_mark(case=notified, actor=squad_leader, complex=True)
    with pytest.raises(ValidationError) as error:
        services.case_decide(case=notified, fine=500, measures=FINE, actor=squad_leader)
    assert "discussion_required" in _codes(error.value)
    services.discussion_record(
        case=notified,
        held_on=timezone.localdate(),
        participants="镇长、分管副镇长、中队长",
        conclusion="同意处罚",
        actor=squad_leader,
    )
    services.case_decide(case=notified, fine=500, measures=FINE, actor=squad_leader)


# --- 90 days, extensions, suspensions (APL Art 60) ---


def test_decision_after_ninety_days_needs_recorded_extension(notified, squad_leader):
    clock = clocks.open_clock(notified, services.DECISION, lock=False)
    late = clock.due_date + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        services.case_decide(case=notified, fine=500, measures=FINE, actor=squad_leader, decided_on=late)
    assert "decision_overdue" in _codes(error.value)
    with pytest.raises(ValidationError):
        services.case_extend(case=notified, approved_by_name="", approval_document="", reason="", actor=squad_leader)
    services.case_extend(
        case=notified,
        approved_by_name="镇长 陈某",
        approval_document="延期审批表〔2026〕3号",
        reason="需鉴定",
        actor=squad_leader,
    )
    assert clocks.open_clock(notified, services.DECISION, lock=False).extended == 30
    services.case_decide(case=notified, fine=500, measures=FINE, actor=squad_leader, decided_on=late)


def test_suspension_stops_the_decision_clock(home_township, squad_leader, officers, power):
    case = ef.investigating_case(home_township, squad_leader, officers, power=power)
    before = clocks.open_clock(case, services.DECISION, lock=False).due_at
    services.case_suspend(case=case, reason="当事人下落不明", actor=squad_leader)
    assert clocks.open_clock(case, services.DECISION, lock=False).status == ClockStatus.SUSPENDED
    with pytest.raises(IllegalTransition):
        services.notice_serve(case=case, served_on=timezone.localdate(), fine=100, measures=FINE, actor=officers[0])
    clock = clocks.open_clock(case, services.DECISION, lock=False)
    clock.suspended_at -= datetime.timedelta(days=10)  # as if suspended ten days ago
    clock.save(update_fields=["suspended_at"])
    services.case_resume(case=case, actor=squad_leader)
    after = clocks.open_clock(case, services.DECISION, lock=False)
    assert after.status == ClockStatus.RUNNING and after.due_at - before == datetime.timedelta(days=10)


# --- service, payment, surcharge (APL Art 61, 67, 72) ---


def test_service_within_seven_working_days_and_clock_stops(home_township, squad_leader, officers, power):
    case = ef.decided_case(home_township, squad_leader, officers, power=power)
    assert clocks.open_clock(case, services.SERVICE, lock=False).amount == 7
    decision = services.decision_serve(case=case, method="direct", actor=officers[0])
    assert decision.served_in_time and decision.payment_due == decision.served_on + datetime.timedelta(days=15)
    assert clocks.open_clock(case, services.SERVICE, lock=False) is None


def test_late_service_is_recorded_as_late(home_township, squad_leader, officers, power):
    case = ef.decided_case(home_township, squad_leader, officers, power=power)
    late = rules.service_deadline(case.decision.decided_on) + datetime.timedelta(days=1)
    decision = services.decision_serve(case=case, method="post", actor=officers[0], served_on=late)
    assert decision.served_in_time is False


def test_late_surcharge_three_percent_a_day_capped_at_the_fine():
    due = D(2026, 3, 1)
    assert rules.late_surcharge(Decimal("1000"), due, due) == 0
    assert rules.late_surcharge(Decimal("1000"), due, D(2026, 3, 3)) == Decimal("60.00")
    assert rules.late_surcharge(Decimal("1000"), due, D(2026, 12, 31)) == Decimal("1000")


def test_payment_must_include_the_surcharge(home_township, squad_leader, officers, power):
    case = ef.decided_case(home_township, squad_leader, officers, power=power)
    decision = services.decision_serve(case=case, method="direct", actor=officers[0])
    paid_on = decision.payment_due + datetime.timedelta(days=2)
    with pytest.raises(ValidationError):
        services.case_execute(case=case, method="paid", actor=officers[0], executed_on=paid_on, paid_amount=500)
    decision = services.case_execute(case=case, method="paid", actor=officers[0], executed_on=paid_on, paid_amount=530)
    assert decision.surcharge == Decimal("30.00")
    services.case_close(case=case, actor=squad_leader, archive_number="2026-001")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED


# --- simplified procedure (APL Art 51) ---


@pytest.mark.parametrize(
    ("kind", "fine", "measures", "ok"),
    [
        (PartyKind.INDIVIDUAL, 200, FINE, True),
        (PartyKind.INDIVIDUAL, 201, FINE, False),
        (PartyKind.ORGANISATION, 3000, FINE, True),
        (PartyKind.ORGANISATION, 3001, FINE, False),
        (PartyKind.INDIVIDUAL, 0, [PenaltyMeasure.WARNING], True),
        (PartyKind.INDIVIDUAL, 100, [PenaltyMeasure.SUSPEND_LICENCE], False),
    ],
)
def test_simplified_procedure_limits(kind, fine, measures, ok, home_township, officers, power):
    call = dict(
        township=home_township,
        power=power,
        title="占道经营",
        party_kind=kind,
        party_name="王小明",
        fine=fine,
        measures=measures,
        officers=officers,
        actor=officers[0],
    )
    if ok:
        case = services.simplified_penalty(**call)
        assert case.status == CaseStatus.SERVED and case.decision.service_method == "on_the_spot"
    else:
        with pytest.raises(ValidationError):
            services.simplified_penalty(**call)
        assert not Decision.objects.exists()


# --- criminal transfer (行刑衔接) ---


def test_criminal_transfer_decision_within_three_days_then_handover_in_24_hours(
    home_township, squad_leader, officers, power
):
    case = ef.investigating_case(home_township, squad_leader, officers, power=power)
    services.criminal_propose(case=case, grounds="涉案金额巨大,涉嫌非法经营罪", actor=officers[0])
    review = clocks.open_clock(case, services.CRIMINAL_DECISION, lock=False)
    assert review.unit == "hours" and review.amount == 72
    assert clocks.open_clock(case, services.DECISION, lock=False).status == ClockStatus.SUSPENDED
    services.criminal_decide(case=case, approve=True, head_name="镇长 陈某", actor=squad_leader)
    handover = clocks.open_clock(case, services.CRIMINAL_HANDOVER, lock=False)
    assert handover.amount == 24
    services.criminal_hand_over(
        case=case, police_unit="如东县公安局长沙派出所", receipt_number="HZ-1", actor=squad_leader
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.POLICE
    assert clocks.open_clock(case, services.CRIMINAL_HANDOVER, lock=False) is None


def test_refused_criminal_transfer_resumes_the_investigation(home_township, squad_leader, officers, power):
    case = ef.investigating_case(home_township, squad_leader, officers, power=power)
    services.criminal_propose(case=case, grounds="疑似", actor=officers[0])
    services.criminal_decide(case=case, approve=False, head_name="镇长 陈某", actor=squad_leader)
    case.refresh_from_db()
    assert case.status == CaseStatus.INVESTIGATING
    assert clocks.open_clock(case, services.DECISION, lock=False).status == ClockStatus.RUNNING


def test_other_township_leader_cannot_act(notified, other_leader):
    with pytest.raises(PermissionDenied):
        services.case_decide(case=notified, fine=500, measures=FINE, actor=other_leader)
    notified.refresh_from_db()
    assert notified.status == CaseStatus.NOTIFIED
