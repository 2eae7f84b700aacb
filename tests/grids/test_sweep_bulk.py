"""The sweep handlers are set-based: many overdue events cost the same number of statements as a few, and
what they write (escalation, audit entry, notification, the next level's clock) matches the one-by-one path."""

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from grids import services
from grids.models import Escalation, EscalationReason, Event
from ruian import clocks
from ruian.audit import AuditEntry
from ruian.notifications import Notification

pytestmark = pytest.mark.django_db


def _registered(report, operator, n):
    events = [report() for _ in range(n)]
    for event in events:
        services.register_event(event=event, actor=operator)
    return events


def _sweep_queries(now) -> int:
    with CaptureQueriesContext(connection) as queries:
        clocks.sweep_deadlines(now=now)
    return len(queries)


def test_many_overdue_events_escalate_with_a_fixed_number_of_statements(report, operator, county, county_operator):
    later = timezone.now() + datetime.timedelta(hours=1, minutes=5)
    _registered(report, operator, 2)
    few = _sweep_queries(later)
    _registered(report, operator, 12)
    many = _sweep_queries(later + datetime.timedelta(minutes=1))
    assert many == few
    assert Escalation.objects.count() == 14
    assert set(Event.objects.values_list("handling_division", flat=True)) == {county.pk}


def test_bulk_escalation_writes_what_the_single_path_writes(report, operator, county, county_operator):
    events = _registered(report, operator, 3)
    later = timezone.now() + datetime.timedelta(hours=1, minutes=5)
    clocks.sweep_deadlines(now=later)
    clocks.sweep_deadlines(now=later)  # a rerun adds nothing
    for event in events:
        escalation = Escalation.objects.get(event=event)
        assert escalation.reason == EscalationReason.DISPATCH_OVERDUE
        assert escalation.to_division == county
        entry = AuditEntry.objects.get(action="grids.event.escalated", object_id=str(event.pk))
        assert (entry.from_state, entry.to_state) == ("township", "county")
        old, new = clocks.Deadline.objects.filter(object_id=event.pk, kind=services.DISPATCH_CLOCK).order_by("pk")
        assert old.status == clocks.ClockStatus.STOPPED
        assert new.status == clocks.ClockStatus.RUNNING and new.division == county
        # The county's limit counts from the moment the township's ran out.
        assert new.started_at == old.due_at and new.due_at == old.due_at + datetime.timedelta(hours=new.amount)
        assert Notification.objects.filter(recipient=county_operator, key=f"grids.escalation.{escalation.pk}").count()
    assert Escalation.objects.count() == 3


def test_closed_events_are_not_escalated(report, operator, county):
    event, other = _registered(report, operator, 2)
    Event.objects.filter(pk=event.pk).update(status="rejected")
    clocks.sweep_deadlines(now=timezone.now() + datetime.timedelta(hours=2))
    assert list(Escalation.objects.values_list("event", flat=True)) == [other.pk]


def test_the_yellow_notice_goes_to_the_handling_levels_operators(report, operator, home_township, county_operator):
    events = _registered(report, operator, 2)
    Event.objects.filter(pk=events[1].pk).update(status="rejected")  # closed in the meantime: no notice
    clocks.sweep_deadlines(now=timezone.now() + datetime.timedelta(minutes=50))  # 80% of the one-hour limit
    event = events[0]
    notice = Notification.objects.get(key__contains=".yellow.")
    assert notice.recipient == operator
    assert notice.title == f"派遣即将超时: {event.number}"
    assert notice.link == f"/grids/events/{event.pk}/"
    assert notice.key == f"dispatch_overdue.yellow.{event.pk}.{home_township.pk}"
    assert not Escalation.objects.exists()


def test_a_handling_clock_in_working_days_restarts_at_the_next_level(report, operator, unit, county, county_operator):
    event = report()
    services.register_event(event=event, actor=operator)
    services.dispatch_event(event=event, unit=unit, actor=operator)
    old = clocks.Deadline.objects.get(object_id=event.pk, kind=services.HANDLE_CLOCK)
    assert old.unit == clocks.Unit.WORKING_DAYS
    clocks.sweep_deadlines(now=old.due_at + datetime.timedelta(minutes=1))
    escalation = Escalation.objects.get(event=event)
    assert escalation.reason == EscalationReason.HANDLE_OVERDUE and escalation.to_division == county
    new = clocks.Deadline.objects.get(object_id=event.pk, kind=services.HANDLE_CLOCK, status="running")
    due = clocks.compute_due(old.due_at, new.unit, new.amount)
    assert (new.started_at, new.due_at, new.division) == (old.due_at, due, county)
    assert new.yellow_at == clocks.compute_yellow(old.due_at, new.unit, new.amount, due, settings.CLOCK_YELLOW_SHARE)
    assert Notification.objects.filter(recipient=county_operator, key=f"grids.escalation.{escalation.pk}").exists()
    assert Notification.objects.get(key=f"grids.escalation.{escalation.pk}").title == f"事件上提: {event.number}"
