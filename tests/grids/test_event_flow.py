import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from grids import services
from grids.models import Event, EventHandover
from grids.states import EventStatus
from ruian import clocks
from ruian.audit import AuditEntry
from ruian.notifications import Notification

pytestmark = pytest.mark.django_db(transaction=False)


def actions(event):
    return list(AuditEntry.objects.for_object(event).order_by("id").values_list("action", flat=True))


def test_the_whole_flow(report, operator, unit, unit_staff, grid_worker, grid):
    event = report()
    assert event.grid == grid
    assert event.number.startswith("SJ")
    assert event.handling_division.code == "320623100000"

    services.register_event(event=event, actor=operator)
    assert clocks.open_clock(event, services.DISPATCH_CLOCK, lock=False) is not None

    services.dispatch_event(event=event, unit=unit, actor=operator)
    assert clocks.open_clock(event, services.DISPATCH_CLOCK, lock=False) is None
    assert clocks.open_clock(event, services.HANDLE_CLOCK, lock=False) is not None

    services.send_back_event(event=event, actor=unit_staff, reason="不属于本单位职责")
    services.dispatch_event(event=event, unit=unit, actor=operator, note="经核实属于社会事业局")
    services.accept_event(event=event, actor=unit_staff)
    services.feed_back_event(event=event, actor=unit_staff, result="已清运")
    services.verify_event(event=event, actor=grid_worker, ok=False, note="仍有残留")
    services.feed_back_event(event=event, actor=unit_staff, result="已彻底清运")
    services.verify_event(event=event, actor=grid_worker, ok=True)
    services.close_event(event=event, actor=operator)
    services.evaluate_event(event=event, actor=operator, satisfaction=5)

    event.refresh_from_db()
    assert event.status == EventStatus.EVALUATED
    assert event.satisfaction == 5
    assert event.verified_ok is True
    assert actions(event) == [
        "grids.event.reported",
        "grids.event.registered",
        "grids.event.dispatched",
        "grids.event.sent_back",
        "grids.event.redispatched",
        "grids.event.accepted",
        "grids.event.fed_back",
        "grids.event.verify_failed",
        "grids.event.fed_back",
        "grids.event.verified",
        "grids.event.closed",
        "grids.event.evaluated",
    ]


def test_dispatch_notifies_unit_staff_on_commit(report, operator, unit, unit_staff, django_capture_on_commit_callbacks):
    event = report()
    services.register_event(event=event, actor=operator)
    with django_capture_on_commit_callbacks(execute=True):
        services.dispatch_event(event=event, unit=unit, actor=operator)
    assert Notification.objects.filter(recipient=unit_staff, title__contains=event.number).exists()


def test_wrong_role_is_refused_and_nothing_changes(report, operator, unit, unit_staff, grid_worker, clerk):
    event = report()
    with pytest.raises(PermissionDenied):
        services.register_event(event=event, actor=grid_worker)
    with pytest.raises(PermissionDenied):
        services.register_event(event=event, actor=clerk)
    services.register_event(event=event, actor=operator)
    services.dispatch_event(event=event, unit=unit, actor=operator)
    with pytest.raises(PermissionDenied):
        services.accept_event(event=event, actor=operator)  # not the unit's staff
    services.accept_event(event=event, actor=unit_staff)
    services.feed_back_event(event=event, actor=unit_staff, result="已处理")
    with pytest.raises(PermissionDenied):
        services.verify_event(event=event, actor=unit_staff, ok=True)  # the unit cannot verify itself
    event.refresh_from_db()
    assert event.status == EventStatus.FED_BACK


def test_other_townships_operator_cannot_touch_the_event(report, other_township):
    from ruian.organisations import OrgKind
    from ruian.staff import Role
    from tests import factories as f

    centre = f.OrganisationFactory(division=other_township, kind=OrgKind.COMMAND_CENTRE, name="大豫镇综合指挥中心")
    stranger = f.staff_user("other_operator", Role.OPERATOR, centre)
    event = report()
    with pytest.raises(PermissionDenied):
        services.register_event(event=event, actor=stranger)


def test_dispatch_to_a_unit_that_cannot_handle_is_refused(report, operator, home_centre):
    event = report()
    services.register_event(event=event, actor=operator)
    with pytest.raises(ValidationError):
        services.dispatch_event(event=event, unit=home_centre, actor=operator)
    event.refresh_from_db()
    assert event.status == EventStatus.REGISTERED


def test_reject_as_duplicate(report, operator):
    first = report()
    second = report(description="同一处垃圾")
    services.reject_event(event=second, actor=operator, reason="重复上报", duplicate_of=first)
    second.refresh_from_db()
    assert second.status == EventStatus.REJECTED and second.duplicate_of == first


def test_handing_over_a_violation_dispatches_to_the_squad_and_records_the_link(
    report, operator, home_squad, django_capture_on_commit_callbacks, monkeypatch
):
    event = report()
    services.register_event(event=event, actor=operator)
    calls = []

    def receive(event, handover):
        calls.append(event.pk)
        return "enforcement", "lead", 42

    # In place of the enforcement app's receiver for this test only; monkeypatch puts the real one back.
    monkeypatch.setitem(services._handover_receivers, "enforcement", receive)
    with django_capture_on_commit_callbacks(execute=True):
        handover = services.hand_over_event(event=event, actor=operator, kind="enforcement", note="违法搭建")
    handover.refresh_from_db()
    event = Event.objects.get(pk=event.pk)
    assert event.status == EventStatus.DISPATCHED and event.unit == home_squad
    assert handover.status == EventHandover.Status.RECEIVED and handover.target_id == "42"
    assert calls == [event.pk]
    with pytest.raises(ValidationError):
        services.hand_over_event(event=event, actor=operator, kind="enforcement")


def test_handover_without_a_receiver_stays_pending(report, operator, home_squad, django_capture_on_commit_callbacks):
    event = report()
    services.register_event(event=event, actor=operator)
    with django_capture_on_commit_callbacks(execute=True):
        handover = services.hand_over_event(event=event, actor=operator, kind="service")
    handover.refresh_from_db()
    assert handover.status == EventHandover.Status.PENDING
