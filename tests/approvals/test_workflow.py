"""Front desk, back office, issuance, pledge, withdrawal and ratings, with their side effects."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from approvals import services
from approvals.models import Delivery, RatingFollowUp, RatingLevel, SuspensionKind
from approvals.states import FollowUpStatus, Status
from ruian import clocks
from ruian.audit import AuditEntry
from ruian.clocks import ClockStatus, Deadline
from ruian.notifications import Notification
from tests.approvals import factories as af


def _audit(app, action):
    return AuditEntry.objects.for_object(app).filter(action=f"approvals.application.{action}").exists()


@pytest.fixture
def accepted(home_township, item, clerk):
    app = af.receive(home_township, item, clerk)
    return services.accept_application(application=app, actor=clerk)


@pytest.fixture
def in_review(accepted, clerk):
    return services.send_to_back_office(application=accepted, actor=clerk)


def test_accept_stops_notice_clock_and_starts_decision_clock(home_township, item, clerk, now_is):
    now_is(af.at(datetime.date(2026, 11, 23)))
    app = af.receive(home_township, item, clerk)
    app = services.accept_application(application=app, actor=clerk)
    assert app.status == Status.ACCEPTED and _audit(app, "accepted")
    assert clocks.open_clock(app, "approvals.notice", lock=False) is None
    notice = clocks.Deadline.objects.get(object_id=app.pk, kind="approvals.notice")
    assert notice.stopped_at == app.accepted_at  # the check of the materials ended at acceptance
    decision = clocks.open_clock(app, "approvals.decision", lock=False)
    assert decision.amount == 10 and decision.legal_amount == 20
    assert decision.due_date == datetime.date(2026, 12, 7)  # promised 10 working days
    assert timezone.localtime(decision.hard_due_at).date() == datetime.date(2026, 12, 22)  # legal 20: end of Dec 21


def test_accept_refused_while_mandatory_materials_missing(home_township, item, clerk):
    app = af.receive(home_township, item, clerk, complete=False)
    with pytest.raises(ValidationError) as error:
        services.accept_application(application=app, actor=clerk)
    assert "身份证明" in str(error.value)
    app.refresh_from_db()
    assert app.status == Status.RECEIVED


def test_one_time_notice_lists_everything_missing_and_supplement_restarts(home_township, item, clerk, now_is):
    now_is(af.at(datetime.date(2026, 11, 23)))
    app = af.receive(home_township, item, clerk, complete=False)
    notice = services.give_material_notice(application=app, actor=clerk, extra=["申请书签名不全"])
    assert notice.missing == ["身份证明", "场地证明", "申请书签名不全"]
    app.refresh_from_db()
    assert app.status == Status.NOTICE_GIVEN
    assert clocks.open_clock(app, "approvals.notice", lock=False) is None
    now_is(af.at(datetime.date(2026, 12, 1)))
    services.supplement_materials(application=app, provided=["身份证明", "场地证明"], actor=clerk)
    app.refresh_from_db()
    assert app.status == Status.RECEIVED and not app.missing_materials()
    clock = clocks.open_clock(app, "approvals.notice", lock=False)
    assert clock.due_date == datetime.date(2026, 12, 8)  # a new 5 working days from the supplement
    services.accept_application(application=app, actor=clerk)


def test_notice_refused_when_nothing_missing(home_township, item, clerk):
    app = af.receive(home_township, item, clerk)
    with pytest.raises(ValidationError):
        services.give_material_notice(application=app, actor=clerk)


def test_refusal_needs_a_reason_and_may_name_the_competent_department(home_township, item, clerk):
    app = af.receive(home_township, item, clerk)
    with pytest.raises(ValidationError):
        services.refuse_application(application=app, reason=" ", actor=clerk)
    app = services.refuse_application(
        application=app, reason="不属于本镇职权范围", competent_department="如东县行政审批局", actor=clerk
    )
    assert app.status == Status.REFUSED and app.competent_department == "如东县行政审批局"
    assert not Deadline.objects.filter(object_id=app.pk).exclude(status=ClockStatus.STOPPED).exists()
    assert _audit(app, "refused")


def test_decision_needs_two_staff_and_reasons(in_review, approver, second_approver, clerk):
    with pytest.raises(ValidationError):
        services.decide_application(application=in_review, approve=True, reasons="符合条件", actor=approver)
    with pytest.raises(ValidationError):
        services.decide_application(
            application=in_review, approve=True, reasons="符合条件", actor=approver, second_reviewer=approver
        )
    with pytest.raises(ValidationError):  # a clerk is not an approver
        services.decide_application(
            application=in_review, approve=True, reasons="符合条件", actor=approver, second_reviewer=clerk
        )
    with pytest.raises(ValidationError):
        services.decide_application(
            application=in_review, approve=True, reasons="", actor=approver, second_reviewer=second_approver
        )
    decision = services.decide_application(
        application=in_review, approve=True, reasons="符合条件", actor=approver, second_reviewer=second_approver
    )
    app = decision.application
    assert app.status == Status.APPROVED and _audit(app, "approved")
    assert clocks.open_clock(app, "approvals.decision", lock=False) is None
    assert clocks.open_clock(app, "approvals.issuance", lock=False).amount == 10


def test_clerk_cannot_decide(in_review, clerk, second_approver):
    with pytest.raises(PermissionDenied):
        services.decide_application(
            application=in_review, approve=True, reasons="x", actor=clerk, second_reviewer=second_approver
        )


def test_sending_notifies_the_approvers(home_township, item, clerk, approver, django_capture_on_commit_callbacks):
    app = af.receive(home_township, item, clerk)
    services.accept_application(application=app, actor=clerk)
    with django_capture_on_commit_callbacks(execute=True):
        services.send_to_back_office(application=app, actor=clerk)
    assert Notification.objects.filter(recipient=approver, title__contains=app.number).exists()


def test_deny_and_issue_the_denial(in_review, approver, second_approver, clerk):
    services.decide_application(
        application=in_review, approve=False, reasons="场地不符合要求", actor=approver, second_reviewer=second_approver
    )
    with pytest.raises(ValidationError):  # posted needs a tracking number
        services.issue_result(application=in_review, delivery=Delivery.POSTED, actor=clerk)
    issuance = services.issue_result(
        application=in_review, delivery=Delivery.POSTED, delivery_detail="EMS1234567890", actor=clerk
    )
    in_review.refresh_from_db()
    assert in_review.status == Status.ISSUED and issuance.delivery == Delivery.POSTED
    assert clocks.open_clock(in_review, "approvals.issuance", lock=False) is None


def test_withdrawal_before_decision_only(in_review, home_township, item, clerk, approver, second_approver):
    app = services.withdraw_application(application=in_review, reason="申请人不再需要", actor=clerk)
    assert app.status == Status.WITHDRAWN
    assert not Deadline.objects.filter(object_id=app.pk).exclude(status=ClockStatus.STOPPED).exists()
    other = af.receive(home_township, item, clerk)
    services.accept_application(application=other, actor=clerk)
    services.send_to_back_office(application=other, actor=clerk)
    services.decide_application(
        application=other, approve=True, reasons="符合", actor=approver, second_reviewer=second_approver
    )
    with pytest.raises(ValidationError):
        services.withdraw_application(application=other, reason="晚了", actor=clerk)


def test_pledge_approval_and_revocation(home_township, item, clerk, approver):
    af.pledge_item(item)
    app = af.receive(home_township, item, clerk, pledge=True)
    decision = services.approve_on_pledge(application=app, pledge_text="本人承诺所填信息真实", actor=clerk)
    assert decision.on_pledge
    app.refresh_from_db()
    assert app.status == Status.APPROVED
    assert clocks.open_clock(app, "approvals.pledge", lock=False) is not None
    services.issue_result(application=app, delivery=Delivery.COLLECTED, actor=clerk)
    services.verify_pledge(application=app, truthful=False, findings="现场核查场地不存在", actor=approver)
    app.refresh_from_db()
    assert app.status == Status.REVOKED and _audit(app, "revoked")


def test_pledge_only_for_marked_items(home_township, item, clerk):
    with pytest.raises(ValidationError):
        af.receive(home_township, item, clerk, pledge=True)
    app = af.receive(home_township, item, clerk)
    with pytest.raises(ValidationError):
        services.approve_on_pledge(application=app, pledge_text="承诺", actor=clerk)


def test_bad_rating_opens_a_followup_with_its_own_clock(in_review, approver, second_approver, clerk):
    services.decide_application(
        application=in_review, approve=True, reasons="符合", actor=approver, second_reviewer=second_approver
    )
    with pytest.raises(ValidationError):
        services.rate_application(application=in_review, level=RatingLevel.SATISFIED, actor=clerk)
    services.issue_result(application=in_review, delivery=Delivery.COLLECTED, actor=clerk)
    rating = services.rate_application(
        application=in_review, level=RatingLevel.DISSATISFIED, comment="等待时间长", actor=clerk
    )
    followup = RatingFollowUp.objects.get(rating=rating)
    clock = clocks.open_clock(followup, "approvals.rating_followup", lock=False)
    assert clock.amount == 15
    with pytest.raises(ValidationError):
        services.rate_application(application=in_review, level=RatingLevel.SATISFIED, actor=clerk)
    with pytest.raises(ValidationError):  # founded needs the rectification
        services.close_followup(followup=followup, founded=True, findings="属实", actor=clerk)
    services.close_followup(followup=followup, founded=True, findings="属实", rectification="增设窗口", actor=clerk)
    followup.refresh_from_db()
    assert followup.status == FollowUpStatus.RECTIFIED
    assert clocks.open_clock(followup, "approvals.rating_followup", lock=False) is None


def test_good_rating_opens_no_followup(in_review, approver, second_approver, clerk):
    services.decide_application(
        application=in_review, approve=True, reasons="符合", actor=approver, second_reviewer=second_approver
    )
    services.issue_result(application=in_review, delivery=Delivery.ELECTRONIC, delivery_detail="a@b.cn", actor=clerk)
    services.rate_application(application=in_review, level=RatingLevel.VERY_SATISFIED, actor=clerk)
    assert not RatingFollowUp.objects.exists()


def test_suspension_kinds_checked(in_review, approver):
    with pytest.raises(ValidationError):
        services.suspend_review(application=in_review, kind="nap", reason="x", actor=approver)
    services.suspend_review(application=in_review, kind=SuspensionKind.HEARING, reason="申请听证", actor=approver)
    in_review.refresh_from_db()
    assert in_review.status == Status.SUSPENDED
