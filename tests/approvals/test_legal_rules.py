"""The Administrative Licensing Law's clocks: Art 32 (deemed acceptance), 42 (decision and one extension),
44 (issuance), 45 (suspension), across the 2026 National Day and into 2027."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from approvals import services
from approvals.models import Application, SuspensionKind
from approvals.states import IllegalTransition, Status
from ruian import clocks
from ruian.audit import AuditEntry
from ruian.clocks import Level, sweep_deadlines
from ruian.notifications import Notification
from tests.approvals import factories as af

D = datetime.date


def local_day(moment):
    return timezone.localtime(moment).date()


def test_deemed_accepted_after_five_working_days_across_national_day(home_township, item, clerk, approver):
    # Received Tue 29 Sep 2026; Oct 1-7 are holidays, Sat Oct 10 a make-up workday: the 5 working days are
    # Sep 30, Oct 8, 9, 10 and 12.
    app = af.receive(home_township, item, clerk, complete=False, at=af.at(D(2026, 9, 29)))
    notice = clocks.open_clock(app, "approvals.notice", lock=False)
    assert notice.due_date == D(2026, 10, 12)
    sweep_deadlines(now=af.at(D(2026, 10, 12), 17))
    app.refresh_from_db()
    assert app.status == Status.RECEIVED  # still within the limit (yellow at most)
    sweep_deadlines(now=af.at(D(2026, 10, 13), 0))
    app.refresh_from_db()
    assert app.status == Status.ACCEPTED and app.deemed_accepted
    assert app.accepted_at == app.received_at  # accepted from the day it was received
    entry = AuditEntry.objects.for_object(app).get(action="approvals.application.deemed_accepted")
    assert entry.actor is None and entry.from_state == Status.RECEIVED
    decision = clocks.open_clock(app, "approvals.decision", lock=False)
    assert decision.started_at == app.received_at
    # Promised 10 working days counted from receipt: Sep 30, Oct 8, 9, 10, 12-16, 19.
    assert decision.due_date == services_working(D(2026, 9, 29), 10) == D(2026, 10, 19)
    # Running the sweep again changes nothing and notifies nobody twice.
    count = Notification.objects.count()
    sweep_deadlines(now=af.at(D(2026, 10, 13), 1))
    assert Notification.objects.count() == count
    assert AuditEntry.objects.for_object(app).filter(action="approvals.application.deemed_accepted").count() == 1


def services_working(start, n):
    from ruian.workdays import add_working_days

    return add_working_days(start, n)


def test_notice_given_in_time_prevents_deemed_acceptance(home_township, item, clerk, now_is):
    now_is(af.at(D(2026, 11, 23)))
    app = af.receive(home_township, item, clerk, complete=False)
    services.give_material_notice(application=app, actor=clerk)
    sweep_deadlines(now=af.at(D(2026, 12, 31)))
    app.refresh_from_db()
    assert app.status == Status.NOTICE_GIVEN


def test_national_day_calendar_is_used(home_township, item, clerk, now_is):
    now_is(af.at(D(2026, 9, 30)))
    app = af.receive(home_township, item, clerk)
    services.accept_application(application=app, actor=clerk)
    clock = clocks.open_clock(app, "approvals.decision", lock=False)
    # Sep 30 not counted; Oct 1-7 holidays; Oct 9 (Fri) and Oct 10 (Sat, make-up) are workdays.
    assert clock.due_date == services_working(D(2026, 9, 30), 10)
    assert clock.due_date > D(2026, 10, 13)
    assert local_day(clock.hard_due_at) > clock.due_date


def test_deadline_into_2027_falls_back_to_weekdays(home_township, item, clerk, now_is):
    now_is(af.at(D(2026, 12, 21)))
    app = af.receive(home_township, item, clerk)
    services.accept_application(application=app, actor=clerk)
    clock = clocks.open_clock(app, "approvals.decision", lock=False)
    assert clock.due_date == services_working(D(2026, 12, 21), 10) == D(2027, 1, 4)
    # 20 legal working days from Dec 21 2026; 2027 has no holiday data yet, so it counts Monday-Friday.
    assert local_day(clock.hard_due_at) - datetime.timedelta(days=1) == services_working(D(2026, 12, 21), 20)
    assert services_working(D(2026, 12, 21), 20).year == 2027


@pytest.fixture
def reviewing(home_township, item, clerk, now_is):
    now_is(af.at(D(2026, 11, 2)))
    app = af.receive(home_township, item, clerk)
    services.accept_application(application=app, actor=clerk)
    services.send_to_back_office(application=app, actor=clerk)
    return app


def test_extension_once_by_ten_working_days_with_reason(reviewing, approver):
    clock = clocks.open_clock(reviewing, "approvals.decision", lock=False)
    due, hard = clock.due_date, local_day(clock.hard_due_at)
    with pytest.raises(ValidationError):
        services.extend_decision(application=reviewing, reason="", actor=approver)
    services.extend_decision(application=reviewing, reason="需征求县级部门意见", actor=approver)
    clock.refresh_from_db()
    assert clock.due_date == services_working(due, 10)
    assert local_day(clock.hard_due_at) - datetime.timedelta(days=1) == services_working(
        hard - datetime.timedelta(days=1), 10
    )
    reviewing.refresh_from_db()
    assert reviewing.extended and reviewing.extension_reason == "需征求县级部门意见"
    with pytest.raises(ValidationError):
        services.extend_decision(application=reviewing, reason="再延一次", actor=approver)
    clock.refresh_from_db()
    assert clock.extended == 10
    assert AuditEntry.objects.for_object(reviewing).filter(action="approvals.application.extended").count() == 1


def test_suspension_stops_the_clock(reviewing, approver, now_is):
    clock = clocks.open_clock(reviewing, "approvals.decision", lock=False)
    due = clock.due_date
    now_is(af.at(D(2026, 11, 4)))
    services.suspend_review(application=reviewing, kind=SuspensionKind.EXPERT_REVIEW, reason="专家评审", actor=approver)
    # While suspended the sweep does not touch the clock, however late it gets.
    sweep_deadlines(now=af.at(D(2026, 12, 31)))
    clock.refresh_from_db()
    assert clock.level == Level.GREEN and clock.status == "suspended"
    now_is(af.at(D(2026, 11, 11)))  # 5 working days later
    services.resume_review(application=reviewing, actor=approver)
    clock.refresh_from_db()
    assert clock.due_date == services_working(due, 5)
    reviewing.refresh_from_db()
    assert reviewing.status == Status.IN_REVIEW
    assert reviewing.suspensions.get().ended_at is not None


def test_issuance_within_ten_working_days_and_overdue_is_recorded(reviewing, approver, second_approver, clerk, now_is):
    now_is(af.at(D(2026, 11, 6)))
    services.decide_application(
        application=reviewing, approve=True, reasons="符合", actor=approver, second_reviewer=second_approver
    )
    clock = clocks.open_clock(reviewing, "approvals.issuance", lock=False)
    assert clock.due_date == D(2026, 11, 20)
    sweep_deadlines(now=af.at(D(2026, 11, 23)))
    reviewing.refresh_from_db()
    assert reviewing.overdue
    assert Notification.objects.filter(recipient=clerk, title__contains="出件").exists()
    assert Notification.objects.filter(recipient=approver, title__contains="出件").exists()


def test_decision_clock_warnings_once_per_threshold(reviewing, approver, clerk):
    sweep_deadlines(now=af.at(D(2026, 11, 13)))  # 9th of 10 working days: yellow
    sweep_deadlines(now=af.at(D(2026, 11, 13), 10))
    assert Notification.objects.filter(recipient=approver, title__contains="临近").count() == 1
    sweep_deadlines(now=af.at(D(2026, 11, 17)))
    assert Notification.objects.filter(recipient=approver, title__contains="承诺时限").count() == 1
    reviewing.refresh_from_db()
    assert reviewing.overdue


@pytest.mark.django_db(transaction=True)
def test_two_clerks_accepting_at_once_exactly_one_wins(home_township, item, clerk):
    from ruian.staff import Role
    from tests import factories as f

    second = f.staff_user("clerk2", Role.WINDOW_CLERK, clerk.staff.organisation)
    app = af.receive(home_township, item, clerk)
    barrier = threading.Barrier(2)
    results = []

    def accept(user):
        try:
            barrier.wait()
            services.accept_application(application=app, actor=user)
            results.append("ok")
        except IllegalTransition:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(u,)) for u in (clerk, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ok", "refused"]
    assert AuditEntry.objects.for_object(app).filter(action="approvals.application.accepted").count() == 1
    assert Application.objects.get(pk=app.pk).status == Status.ACCEPTED


def test_bad_rating_followup_and_pledge_check_clocks_warn(home_township, item, clerk, approver, now_is):
    from approvals.models import Delivery, RatingLevel

    af.pledge_item(item)
    now_is(af.at(D(2026, 11, 2)))
    app = af.receive(home_township, item, clerk, pledge=True)
    services.approve_on_pledge(application=app, pledge_text="承诺属实", actor=clerk)
    services.issue_result(application=app, delivery=Delivery.COLLECTED, actor=clerk)
    services.rate_application(application=app, level=RatingLevel.VERY_DISSATISFIED, comment="态度差", actor=clerk)
    sweep_deadlines(now=af.at(D(2026, 12, 31)))  # both 15 and 20 working days are long past
    assert Notification.objects.filter(recipient=clerk, title__contains="差评整改").count() == 1
    assert Notification.objects.filter(recipient=approver, title__contains="承诺核查").count() == 1
    sweep_deadlines(now=af.at(D(2026, 12, 31), 12))
    assert Notification.objects.filter(recipient=clerk, title__contains="差评整改").count() == 1


def test_joint_handling_has_45_working_days_extendable_once_by_15(home_township, item, clerk, approver, now_is):
    # ALL Art 42 para 2: joint handling by several departments, 45 working days, +15 once.
    now_is(af.at(D(2026, 11, 2)))
    app = af.receive(home_township, item, clerk, joint_handling=True)
    assert app.joint_handling and app.legal_limit == app.promised_limit == 45
    services.accept_application(application=app, actor=clerk)
    services.send_to_back_office(application=app, actor=clerk)
    clock = clocks.open_clock(app, "approvals.decision", lock=False)
    # 45 working days from Mon 2 Nov 2026 run into January 2027.
    assert clock.due_date == services_working(D(2026, 11, 2), 45)
    assert clock.due_date.year == 2027 and clock.hard_due_at is None  # nothing shorter promised
    services.extend_decision(application=app, reason="需多个部门会商", actor=approver)
    clock.refresh_from_db()
    assert clock.extended == 15 and clock.due_date == services_working(services_working(D(2026, 11, 2), 45), 15)
    entry = AuditEntry.objects.for_object(app).get(action="approvals.application.extended")
    assert entry.data == {"days": 15}
    with pytest.raises(ValidationError):
        services.extend_decision(application=app, reason="再延一次", actor=approver)


def test_extension_reason_is_told_to_the_applicant(client, reviewing, approver):
    from django.urls import reverse

    from approvals import documents

    assert "extension" not in documents.available(reviewing)
    services.extend_decision(application=reviewing, reason="需征求县级部门意见", actor=approver)
    reviewing.refresh_from_db()
    assert "extension" in documents.available(reviewing)
    title, text = documents._body(reviewing, "extension")
    clock = clocks.open_clock(reviewing, "approvals.decision", lock=False)
    due = clock.due_date
    assert title == "延长审批期限告知书"
    assert "需征求县级部门意见" in text and "10个工作日" in text and f"{due.year}年{due.month}月{due.day}日" in text
    assert documents.render_pdf(reviewing, "extension", "http://x/").startswith(b"%PDF-")
    # The public status page says so (the reason, which may name people, stays in the written notice).
    page = client.get(
        reverse("approvals:public_lookup"), {"number": reviewing.number, "phone_last4": reviewing.phone_last4}
    ).content.decode()
    assert 'data-testid="extended"' in page and "需征求" not in page
