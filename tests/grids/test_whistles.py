import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from grids import services
from grids.models import Escalation, EscalationReason
from grids.states import WhistleCallStatus
from ruian import clocks
from ruian.notifications import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def whistled(report, operator, unit, police):
    event = report()
    services.register_event(event=event, actor=operator)
    services.dispatch_event(event=event, unit=unit, actor=operator)
    whistle = services.blow_whistle(event=event, organisations=[unit, police], actor=operator, reason="联合处置")
    return event, whistle


def test_units_acknowledge_and_stay_until_closure(whistled, unit_staff, police_staff, operator, grid_worker):
    event, whistle = whistled
    calls = {c.organisation.name: c for c in whistle.calls.all()}
    services.acknowledge_whistle(call=calls["长沙派出所"], actor=police_staff)
    services.acknowledge_whistle(call=calls["长沙镇社会事业局"], actor=unit_staff)
    with pytest.raises(ValidationError):
        services.acknowledge_whistle(call=calls["长沙派出所"], actor=police_staff)
    services.accept_event(event=event, actor=unit_staff)
    services.feed_back_event(event=event, actor=unit_staff, result="已解决")
    services.verify_event(event=event, actor=grid_worker, ok=True)
    services.close_event(event=event, actor=operator)
    assert set(whistle.calls.values_list("status", flat=True)) == {WhistleCallStatus.RELEASED}
    whistle.refresh_from_db()
    assert not whistle.is_open


def test_only_the_named_unit_acknowledges(whistled, unit_staff):
    _event, whistle = whistled
    police_call = whistle.calls.get(organisation__name="长沙派出所")
    with pytest.raises(PermissionDenied):
        services.acknowledge_whistle(call=police_call, actor=unit_staff)


def test_acknowledgement_timeout_escalates_once_even_when_the_sweep_runs_twice(whistled, county, police_staff):
    event, whistle = whistled
    later = timezone.now() + datetime.timedelta(hours=2, minutes=1)
    clocks.sweep_deadlines(now=later)
    clocks.sweep_deadlines(now=later)
    event.refresh_from_db()
    assert event.handling_division == county
    # Two units missed the same whistle: the event still went up one level, once.
    assert list(Escalation.objects.filter(event=event).values_list("reason", flat=True)) == [
        EscalationReason.WHISTLE_UNANSWERED
    ]
    assert set(whistle.calls.values_list("status", flat=True)) == {WhistleCallStatus.ESCALATED}
    with pytest.raises(ValidationError):
        services.acknowledge_whistle(call=whistle.calls.get(organisation__name="长沙派出所"), actor=police_staff)


def test_yellow_reminder_is_sent_once(whistled, police_staff):
    later = timezone.now() + datetime.timedelta(hours=1, minutes=45)
    clocks.sweep_deadlines(now=later)
    clocks.sweep_deadlines(now=later)
    assert Notification.objects.filter(recipient=police_staff, title="吹哨报到即将超时").count() == 1


def test_whistle_needs_a_registered_event(report, operator, unit):
    event = report()
    with pytest.raises(ValidationError):
        services.blow_whistle(event=event, organisations=[unit], actor=operator, reason="x")
