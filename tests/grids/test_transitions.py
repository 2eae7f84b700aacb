"""Walk the transition table: every move not in it is refused and leaves the event as it was."""

import pytest

from grids.models import Event
from grids.services import _move
from grids.states import EVENT_TRANSITIONS, EventStatus, IllegalTransition, check_transition

ILLEGAL = [(a, b) for a in EventStatus for b in EventStatus if b not in EVENT_TRANSITIONS[a]]


def test_every_status_has_a_row():
    assert set(EVENT_TRANSITIONS) == set(EventStatus)


@pytest.mark.parametrize(("current", "target"), ILLEGAL)
def test_illegal_moves_are_refused(current, target):
    with pytest.raises(IllegalTransition):
        check_transition(current, target)


@pytest.mark.django_db
@pytest.mark.parametrize("current", list(EventStatus))
def test_services_refuse_moves_outside_the_table(report, operator, current):
    event = report()
    Event.objects.filter(pk=event.pk).update(status=current)
    event.refresh_from_db()
    for target in EventStatus:
        if target in EVENT_TRANSITIONS[current]:
            continue
        with pytest.raises(IllegalTransition):
            _move(event, target, actor=operator, action="test")
        event.refresh_from_db()
        assert event.status == current


@pytest.mark.django_db
def test_closing_an_unverified_event_is_refused_by_the_service(report, operator):
    from grids import services

    event = report()
    services.register_event(event=event, actor=operator)
    with pytest.raises(IllegalTransition):
        services.close_event(event=event, actor=operator)
    with pytest.raises(IllegalTransition):
        services.register_event(event=event, actor=operator)
