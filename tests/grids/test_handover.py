"""Hand-over: a violation becomes an enforcement lead and a service need an approvals application, and the
event and what it became link both ways."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from grids import selectors, services
from grids.models import Event, EventHandover
from ruian.audit import AuditEntry
from tests.conftest import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered(report, operator):
    event = report(description="路边违法搭建棚屋")
    return services.register_event(event=event, actor=operator)


@pytest.fixture
def no_enforcement_receiver(monkeypatch):
    """As when the receiving app is not there or its receiver failed: the hand-over waits, to be received by
    hand (the enforcement app's receiver is put back after the test)."""
    monkeypatch.delitem(services._handover_receivers, "enforcement", raising=False)


def _lead(squad_leader, event):
    from enforcement.models import LeadSource
    from enforcement.services import lead_create

    lead = lead_create(
        township=event.division.township,
        source=LeadSource.GRID_EVENT,
        summary=event.description,
        actor=squad_leader,
        external_ref=event.number,
    )
    return lead


def test_a_receiver_turns_the_violation_into_a_lead_linked_both_ways(
    registered, operator, home_squad, squad_leader, django_capture_on_commit_callbacks, monkeypatch
):
    created = []

    # What the enforcement app registers in its ready(): create the lead, return its reference.
    def receive(event, handover):
        assert handover.handed_over_by == operator
        lead = _lead(squad_leader, event)
        created.append(lead)
        return "enforcement", "lead", lead.pk

    # In place of the enforcement app's own receiver for this test; monkeypatch puts that one back.
    monkeypatch.setitem(services._handover_receivers, "enforcement", receive)
    with django_capture_on_commit_callbacks(execute=True):
        services.hand_over_event(event=registered, actor=operator, kind="enforcement", note="违法搭建")
    lead = created[0]
    handover = EventHandover.objects.get(event=registered)
    assert handover.status == "received" and (handover.target_app, handover.target_model) == ("enforcement", "lead")
    assert handover.target_id == str(lead.pk)
    # Both ways: the event names the lead, the lead finds its event.
    assert selectors.event_handed_over_as(lead) == registered
    assert lead.source == "grid_event" and lead.external_ref == registered.number
    event = Event.objects.get(pk=registered.pk)
    assert event.status == "dispatched" and event.unit == home_squad
    assert AuditEntry.objects.filter(action="grids.event.handover_received", object_id=str(event.pk)).exists()


def test_a_pending_handover_received_by_hand_over_the_api(
    api, registered, operator, home_squad, squad_leader, django_capture_on_commit_callbacks, no_enforcement_receiver
):
    with django_capture_on_commit_callbacks(execute=True):
        services.hand_over_event(event=registered, actor=operator, kind="enforcement")
    login(api, squad_leader)
    pending = api.get("/api/v1/grids/handovers/", {"kind": "enforcement", "status": "pending"})
    assert pending.status_code == 200
    [row] = pending.json()["results"]
    assert row["event"] == registered.number
    lead = _lead(squad_leader, registered)
    response = api.post(
        f"/api/v1/grids/handovers/{row['id']}/receive/",
        {"target": "enforcement.lead", "target_id": lead.pk},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "received" and response.json()["target_id"] == str(lead.pk)
    assert selectors.event_handed_over_as(lead) == registered
    event = login(api, operator).get(f"/api/v1/grids/events/{registered.pk}/").json()
    assert event["handover"] == "enforcement" and event["handover_target"] == f"enforcement.lead:{lead.pk}"
    # Received once: a second receipt is refused.
    again = login(api, squad_leader).post(
        f"/api/v1/grids/handovers/{row['id']}/receive/",
        {"target": "enforcement.lead", "target_id": lead.pk},
        format="json",
    )
    assert again.status_code == 400


def test_receipt_refuses_a_wrong_target_a_missing_one_and_the_wrong_role(
    api, registered, operator, squad_leader, clerk, django_capture_on_commit_callbacks, no_enforcement_receiver
):
    with django_capture_on_commit_callbacks(execute=True):
        handover = services.hand_over_event(event=registered, actor=operator, kind="enforcement")
    login(api, squad_leader)
    url = f"/api/v1/grids/handovers/{handover.pk}/receive/"
    missing = api.post(url, {"target": "enforcement.lead", "target_id": 999999}, format="json")
    assert missing.status_code == 400
    lead = _lead(squad_leader, registered)
    wrong_kind = api.post(url, {"target": "approvals.application", "target_id": lead.pk}, format="json")
    assert wrong_kind.status_code == 400
    with pytest.raises(PermissionDenied):
        services.receive_handover(handover=handover, target=lead, actor=clerk)
    handover.refresh_from_db()
    assert handover.status == "pending" and handover.target_id == ""


def test_a_service_need_goes_to_approvals_and_stays_pending_until_received(
    registered, operator, clerk, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        handover = services.hand_over_event(event=registered, actor=operator, kind="service", note="困难群众求助")
    handover.refresh_from_db()
    assert handover.status == "pending" and handover.kind == "service"
    assert list(selectors.handovers_for(clerk, kind="service", status="pending")) == [handover]
    # The event itself waits for the operator (a service need is not dispatched to the squad).
    assert Event.objects.get(pk=registered.pk).status == "registered"
    with pytest.raises(ValidationError):
        services.hand_over_event(event=registered, actor=operator, kind="service")


def test_the_event_page_shows_the_handover_link(client, registered, operator, squad_leader, home_squad):
    handover = services.hand_over_event(event=registered, actor=operator, kind="enforcement")
    lead = _lead(squad_leader, registered)
    services.receive_handover(handover=handover, target=lead, actor=squad_leader)
    page = login(client, operator).get(reverse("grids:event_detail", args=[registered.pk])).content.decode()
    assert f"enforcement.lead #{lead.pk}" in page
