"""The deadline sweep's approvals handlers, set-based: deemed acceptance (ALL Art 32) over many applications,
warnings to the clerk, the approvers and the leader in charge once per threshold, a fixed number of
statements whatever the number of clocks, and nothing twice when the sweep runs again."""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from approvals import services
from approvals.models import Application, Delivery, RatingLevel
from approvals.states import Status
from ruian import clocks
from ruian.audit import AuditEntry
from ruian.clocks import ClockStatus, Level, sweep_deadlines
from ruian.notifications import Notification, notify_many
from ruian.staff import Role
from tests import factories as f
from tests.approvals import factories as af
from tests.conftest import login

D = datetime.date


def _titles(user, text):
    return Notification.objects.filter(recipient=user, title__contains=text)


@pytest.fixture
def other_leader(other_centre):
    return f.staff_user("other_leader", Role.LEADER, other_centre)


def test_deemed_acceptance_over_many_applications(
    home_township, other_township, item, clerk, other_clerk, approver, leader, other_leader, now_is
):
    received = af.at(D(2026, 11, 2))  # Monday; 5 working days end with Monday 9 November
    home = [af.receive(home_township, item, clerk, complete=False, at=received) for _ in range(12)]
    other = [af.receive(other_township, item, other_clerk, complete=False, at=received) for _ in range(3)]
    # A clerk who answered in time is not overruled by the sweep.
    now_is(af.at(D(2026, 11, 3)))
    services.give_material_notice(application=home[0], actor=clerk)
    noticed, home = home[0], home[1:]

    result = sweep_deadlines(now=af.at(D(2026, 11, 10), 0))

    assert result["crossed"][str(Level.RED.label)] == 14
    for app in [*home, *other]:
        app.refresh_from_db()
        assert app.status == Status.ACCEPTED and app.deemed_accepted
        assert app.accepted_at == app.received_at  # accepted from the day it was received
        entries = AuditEntry.objects.for_object(app).filter(action="approvals.application.deemed_accepted")
        assert [(e.from_state, e.to_state, e.actor_id) for e in entries] == [(Status.RECEIVED, Status.ACCEPTED, None)]
        assert clocks.open_clock(app, "approvals.notice", lock=False) is None
        decision = clocks.open_clock(app, "approvals.decision", lock=False)
        # The decision clock counts from the day of receipt: promised 10, legal 20 working days.
        assert decision.started_at == app.received_at and decision.status == ClockStatus.RUNNING
        assert decision.due_date == D(2026, 11, 16) and decision.amount == 10 and decision.legal_amount == 20
        assert timezone.localtime(decision.hard_due_at).date() == D(2026, 12, 1)  # after Mon 30 Nov
    noticed.refresh_from_db()
    assert noticed.status == Status.NOTICE_GIVEN
    # The clerk, the approver and the leader in charge of the township are told, each once per application;
    # the other township's leader only of the other township's applications.
    for user in (clerk, approver, leader):
        assert _titles(user, "已视为受理").count() == len(home)
    assert _titles(other_leader, "已视为受理").count() == len(other)
    assert _titles(other_clerk, "已视为受理").count() == len(other)
    link = Notification.objects.filter(recipient=clerk).first().link
    assert link.startswith("/approvals/a/") and Application.objects.filter(number=link.split("/")[3]).exists()

    # The same sweep again (or a rerun after a crash) changes nothing and tells nobody twice.
    notifications, audits = Notification.objects.count(), AuditEntry.objects.count()
    sweep_deadlines(now=af.at(D(2026, 11, 10), 1))
    assert Notification.objects.count() == notifications
    assert AuditEntry.objects.count() == audits


def test_the_application_page_shows_the_deemed_acceptance(client, home_township, item, clerk):
    app = af.receive(home_township, item, clerk, complete=False, at=af.at(D(2026, 11, 2)))
    sweep_deadlines(now=af.at(D(2026, 11, 10), 0))
    login(client, clerk)
    page = client.get(reverse("approvals:detail", args=[app.number])).content.decode()
    assert "视为受理" in page and "已受理" in page


@pytest.fixture
def in_review(home_township, item, clerk, now_is):
    now_is(af.at(D(2026, 11, 2)))
    app = af.receive(home_township, item, clerk)
    services.accept_application(application=app, actor=clerk)
    return services.send_to_back_office(application=app, actor=clerk)


def test_leader_is_told_when_red_not_yellow_and_once_per_threshold(in_review, clerk, approver, leader):
    # Promised 10 working days from Mon 2 Nov: yellow after 8 (end of 12 Nov), red after 16 Nov, legal 30 Nov.
    sweep_deadlines(now=af.at(D(2026, 11, 13)))
    assert _titles(clerk, "临近期限").count() == 1 and _titles(approver, "临近期限").count() == 1
    assert not Notification.objects.filter(recipient=leader).exists()

    sweep_deadlines(now=af.at(D(2026, 11, 17)))
    sweep_deadlines(now=af.at(D(2026, 11, 17), 12))
    for user in (clerk, approver, leader):
        assert _titles(user, "已超过承诺时限").count() == 1
    in_review.refresh_from_db()
    assert in_review.overdue
    overrun = AuditEntry.objects.for_object(in_review).get(action="approvals.application.overdue")
    assert overrun.data == {"clock": "approvals.decision"} and overrun.actor is None

    sweep_deadlines(now=af.at(D(2026, 12, 1)))  # past the legal 20 working days: the hard stop
    assert _titles(leader, "已超过法定时限").count() == 1
    # The overrun is recorded once, not again at the legal limit.
    assert AuditEntry.objects.for_object(in_review).filter(action="approvals.application.overdue").count() == 1


def _scenario(n, township, item, clerk, approver, second_approver, now_is, start):
    """n applications for each approvals clock, all of which cross a threshold in one sweep 40 days on."""
    af.pledge_item(item)
    for _ in range(n):
        now_is(af.at(start))
        af.receive(township, item, clerk, complete=False)  # notice clock: deemed accepted
        app = af.receive(township, item, clerk)  # decision clock: past the legal limit
        services.accept_application(application=app, actor=clerk)
        services.send_to_back_office(application=app, actor=clerk)
        app = af.receive(township, item, clerk)  # issuance clock: overdue
        services.accept_application(application=app, actor=clerk)
        services.send_to_back_office(application=app, actor=clerk)
        services.decide_application(
            application=app, approve=True, reasons="符合", actor=approver, second_reviewer=second_approver
        )
        app = af.receive(township, item, clerk, pledge=True)  # pledge check and bad-rating follow-up clocks
        services.approve_on_pledge(application=app, pledge_text="承诺属实", actor=clerk)
        services.issue_result(application=app, delivery=Delivery.COLLECTED, actor=clerk)
        services.rate_application(application=app, level=RatingLevel.DISSATISFIED, actor=clerk)
    return start + datetime.timedelta(days=40)


def test_sweep_statements_do_not_grow_with_the_number_of_crossing_clocks(
    home_township, item, clerk, approver, second_approver, leader, now_is
):
    def statements(n):
        # Each size in a savepoint rolled back afterwards, so both sweeps see the same kinds and levels.
        with transaction.atomic():
            moment = af.at(_scenario(n, home_township, item, clerk, approver, second_approver, now_is, D(2026, 11, 2)))
            with CaptureQueriesContext(connection) as queries:
                result = sweep_deadlines(now=moment)
            assert sum(result["crossed"].values()) == 5 * n
            assert Application.objects.filter(deemed_accepted=True).count() == n
            assert _titles(leader, "已视为受理").count() == n
            transaction.set_rollback(True)
        return len(queries)

    statements(1)  # warms per-process caches (content types, the calendar)
    assert statements(2) == statements(12)


def test_notify_many_delivers_each_key_once(clerk, approver):
    notices = [([clerk.pk, approver.pk, clerk.pk], "甲", "", "", "k1"), ([clerk.pk], "乙", "", "", "k2")]
    assert notify_many(notices) == 3
    assert notify_many(notices) == 0  # a rerun: the unique (recipient, key) drops everything
    assert notify_many([([approver.pk], "丙", "", "", "k2"), ([None], "丁", "", "", "k3")]) == 1
    assert Notification.objects.filter(recipient=clerk).count() == 2


def test_leader_sees_the_township_dashboard(client, home_township, item, clerk, leader, officer):
    af.receive(home_township, item, clerk)
    login(client, leader)
    response = client.get(reverse("approvals:dashboard"))
    assert response.status_code == 200
    assert home_township.name in response.content.decode()
    login(client, officer)
    assert client.get(reverse("approvals:dashboard")).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_sweep_does_not_wait_for_a_clerk_working_on_the_application(home_township, item, clerk):
    """A clerk's service holds the application and wants its notice clock, which the sweep holds: the sweep
    skips that application instead of waiting (no deadlock), and deems it accepted on its next run."""
    import threading
    import time

    busy = af.receive(home_township, item, clerk, complete=False, at=af.at(D(2026, 11, 2)))
    free = af.receive(home_township, item, clerk, complete=False, at=af.at(D(2026, 11, 2)))
    locked, release = threading.Event(), threading.Event()

    def clerk_holds_the_application():
        try:
            with transaction.atomic():
                Application.objects.select_for_update().get(pk=busy.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=clerk_holds_the_application)
    holder.start()
    try:
        assert locked.wait(10)
        started = time.monotonic()
        sweep_deadlines(now=af.at(D(2026, 11, 10), 0))
        assert time.monotonic() - started < 5  # did not wait for the clerk
    finally:
        release.set()
        holder.join()
    busy.refresh_from_db()
    free.refresh_from_db()
    assert free.status == Status.ACCEPTED and free.deemed_accepted
    assert busy.status == Status.RECEIVED
    assert clocks.open_clock(busy, "approvals.notice", lock=False).level == Level.YELLOW
    sweep_deadlines(now=af.at(D(2026, 11, 10), 1))
    busy.refresh_from_db()
    assert busy.status == Status.ACCEPTED and busy.deemed_accepted
    assert AuditEntry.objects.filter(action="approvals.application.deemed_accepted").count() == 2
