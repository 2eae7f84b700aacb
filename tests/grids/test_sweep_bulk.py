"""The sweep handlers are set-based: many overdue events cost the same number of statements as a few, and
what they write (escalation, audit entry, notification, the next level's clock) matches the one-by-one path."""

import datetime

import pytest
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
