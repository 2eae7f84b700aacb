"""Escalation goes one way: community → township → county → city; a higher level never hands back down."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from grids import services
from grids.models import Escalation, EscalationReason
from ruian import clocks
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(county):
    city = f.DivisionFactory(code="320600000000", name="南通市")
    county.parent = city
    county.save()
    return city


def test_operator_escalates_one_level_up(report, operator, county):
    event = report()
    services.register_event(event=event, actor=operator)
    escalation = services.escalate_event(event=event, actor=operator, note="需县级协调")
    event.refresh_from_db()
    assert event.handling_division == county
    assert escalation.from_division.code == "320623100000"


def test_downward_and_sideways_escalation_is_refused(report, operator, county_operator, home_township, other_township):
    event = report()
    services.register_event(event=event, actor=operator)
    with pytest.raises(ValidationError) as error:
        services.escalate_event(event=event, actor=operator, to_division=home_township)
    assert error.value.message_dict["to_division"]
    services.escalate_event(event=event, actor=operator)
    with pytest.raises(ValidationError):
        services.escalate_event(event=event, actor=county_operator, to_division=home_township)
    event.refresh_from_db()
    assert event.handling_division.level == "county"
    assert Escalation.objects.filter(event=event).count() == 1


def test_the_lower_level_loses_the_event_and_the_higher_cannot_hand_it_back(
    report, operator, county_operator, unit, county_unit
):
    event = report()
    services.register_event(event=event, actor=operator)
    services.escalate_event(event=event, actor=operator)
    with pytest.raises(PermissionDenied):
        services.dispatch_event(event=event, unit=unit, actor=operator)
    with pytest.raises(ValidationError) as error:
        services.dispatch_event(event=event, unit=unit, actor=county_operator)
    assert error.value.error_dict["unit"][0].code == "downward_dispatch"
    services.dispatch_event(event=event, unit=county_unit, actor=county_operator)
    event.refresh_from_db()
    assert event.unit == county_unit


def test_overdue_dispatch_escalates_once_even_when_the_sweep_runs_twice(report, operator, county, city):
    event = report()
    services.register_event(event=event, actor=operator)
    later = timezone.now() + datetime.timedelta(hours=1, minutes=5)
    clocks.sweep_deadlines(now=later)
    clocks.sweep_deadlines(now=later)
    event.refresh_from_db()
    assert event.handling_division == county
    assert list(Escalation.objects.filter(event=event).values_list("reason", flat=True)) == [
        EscalationReason.DISPATCH_OVERDUE
    ]
    # The county got a fresh dispatch clock; when that runs out too, the city takes over.
    clocks.sweep_deadlines(now=later + datetime.timedelta(hours=3))
    event.refresh_from_db()
    assert event.handling_division == city


def test_no_escalation_above_the_top(report, operator, county):
    event = report()
    services.register_event(event=event, actor=operator)
    services.escalate_event(event=event, actor=operator)
    with pytest.raises(PermissionDenied):
        services.escalate_event(event=event, actor=operator)  # township operator: the event left their level
    admin = f.UserFactory(username="root", is_superuser=True)
    with pytest.raises(ValidationError):
        services.escalate_event(event=event, actor=admin)  # the county has no parent in this fixture
