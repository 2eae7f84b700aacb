"""A grid event that is a violation becomes an enforcement lead (source: grid event), linked both ways."""

import pytest
from django.urls import reverse

from enforcement import handover, services
from enforcement.models import Lead, LeadSource
from enforcement.states import LeadStatus
from grids import services as grids
from grids.models import EventHandover, Source
from ruian import clocks
from ruian.audit import AuditEntry
from ruian.notifications import Notification
from ruian.organisations import OrgKind
from ruian.staff import Role
from tests import factories as f
from tests.conftest import login
from tests.grids.factories import EventCategoryFactory, square


@pytest.fixture
def reported_event(home_village, grid_worker_user):
    grid = grids.create_grid(division=home_village, name="长沙村第一网格", boundary=square(121.18, 32.31))
    grids.add_grid_worker(grid=grid, name="冒永兵", phone="13800000009", employment="full_time", user=grid_worker_user)
    category = EventCategoryFactory(code="illegal-building", name="违法搭建", handover="enforcement")
    event, _duplicates = grids.report_event(
        category=category,
        lng=121.185,
        lat=32.315,
        description="村口新建违章棚屋",
        address="长沙村三组",
        source=Source.GRID_WORKER,
        actor=grid_worker_user,
    )
    return event


@pytest.fixture
def grid_worker_user(home_village):
    proxy = f.OrganisationFactory(division=home_village, kind=OrgKind.PROXY_POINT, name="长沙村代办点")
    return f.staff_user("grid_worker", Role.GRID_WORKER, proxy, phone="13800000009")


def test_a_handed_over_violation_becomes_a_lead_linked_both_ways(
    reported_event, operator, home_squad, squad_leader, django_capture_on_commit_callbacks
):
    event = reported_event
    grids.register_event(event=event, actor=operator)
    with django_capture_on_commit_callbacks(execute=True):
        record = grids.hand_over_event(event=event, actor=operator, kind="enforcement", note="占用集体土地")
    record.refresh_from_db()
    lead = Lead.objects.get()
    assert lead.source == LeadSource.GRID_EVENT and lead.status == LeadStatus.NEW
    assert lead.township == event.division.township and lead.location == "长沙村三组"
    assert "占用集体土地" in lead.details and lead.external_ref == event.number
    # Both ways: the lead names its event, the event its lead, and grids' record names the lead.
    assert lead.grid_event == event and event.enforcement_lead == lead
    assert record.status == EventHandover.Status.RECEIVED
    assert (record.target_app, record.target_model, record.target_id) == ("enforcement", "lead", str(lead.pk))
    # It is a lead like any other: the filing clock runs and the squad leaders are told.
    assert clocks.open_clock(lead, services.FILING, lock=False) is not None
    assert AuditEntry.objects.for_object(lead).filter(action="enforcement.lead.created").exists()
    assert Notification.objects.filter(recipient=squad_leader).exists()


def test_receiving_twice_gives_one_lead(reported_event, operator, django_capture_on_commit_callbacks):
    grids.register_event(event=reported_event, actor=operator)
    first, created = services.lead_from_grid_event(event=reported_event)
    again, created_again = services.lead_from_grid_event(event=reported_event)
    assert created and not created_again and first == again and Lead.objects.count() == 1


def test_a_pending_handover_is_picked_up_later(reported_event, operator, django_capture_on_commit_callbacks):
    """A hand-over made while no receiver was registered stays pending until the daily task delivers it."""
    grids.register_event(event=reported_event, actor=operator)
    receiver = grids._handover_receivers.pop(handover.KIND)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            grids.hand_over_event(event=reported_event, actor=operator, kind="enforcement")
    finally:
        grids._handover_receivers[handover.KIND] = receiver
    assert not Lead.objects.exists()
    assert handover.receive_pending_grid_handovers() == 1
    assert handover.receive_pending_grid_handovers() == 0
    assert Lead.objects.get().grid_event == reported_event


def test_a_case_filed_from_a_grid_lead_shows_where_it_came_from(
    client, reported_event, operator, squad_leader, home_township, power, django_capture_on_commit_callbacks
):
    grids.register_event(event=reported_event, actor=operator)
    lead, _created = services.lead_from_grid_event(event=reported_event)
    case = services.case_file(township=home_township, power=power, title="违法搭建案", actor=squad_leader, lead=lead)
    login(client, squad_leader)
    body = client.get(reverse("enforcement:case", args=[case.pk])).content.decode()
    assert "网格事件" in body and reported_event.number in body
    board = client.get(reverse("enforcement:board"))
    assert board.status_code == 200
