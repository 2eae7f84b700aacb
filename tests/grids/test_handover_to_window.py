"""A service need the grid hands over reaches the township's window: the clerk sees it on the workbench,
receives an application for it, and the application and the event link both ways."""

import pytest
from django.urls import reverse

from approvals.models import Application
from grids import selectors, services
from grids.models import EventHandover
from ruian.audit import AuditEntry
from tests.approvals import factories as af
from tests.conftest import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def service_need(report, operator, django_capture_on_commit_callbacks):
    event = services.register_event(event=report(description="独居老人申请居家养老服务"), actor=operator)
    with django_capture_on_commit_callbacks(execute=True):
        return services.hand_over_event(event=event, actor=operator, kind="service", note="需窗口代办")


def _application(item):
    return {
        "channel": "village",
        "applicant_kind": "person",
        "applicant_name": "张三",
        "applicant_id_number": af.VALID_RIC,
        "applicant_phone": "13912345678",
    }


def test_the_clerk_receives_an_application_for_a_service_need(client, service_need, clerk, county):
    item = af.licence(county)
    login(client, clerk)
    workbench = client.get(reverse("approvals:workbench")).content.decode()
    assert service_need.event.number in workbench and "独居老人申请居家养老服务" in workbench

    # "按此收件": the item search then carries the hand-over into the receive form
    chosen = client.get(reverse("approvals:workbench"), {"handover": service_need.pk, "q": item.name[-3:]})
    assert f"?handover={service_need.pk}" in chosen.content.decode()
    url = reverse("approvals:receive", args=[f"p-{item.pk}"]) + f"?handover={service_need.pk}"
    assert service_need.event.number in client.get(url).content.decode()
    response = client.post(url, _application(item))
    app = Application.objects.get()
    assert response.status_code == 302

    service_need.refresh_from_db()
    assert service_need.status == EventHandover.Status.RECEIVED
    assert (service_need.target_app, service_need.target_model, service_need.target_id) == (
        "approvals",
        "application",
        str(app.pk),
    )
    assert service_need.received_by == clerk
    assert selectors.event_handed_over_as(app) == service_need.event
    received = AuditEntry.objects.filter(action="grids.event.handover_received", object_id=str(service_need.event.pk))
    assert received.count() == 1
    detail = client.get(reverse("approvals:detail", args=[app.number])).content.decode()
    assert service_need.event.number in detail
    # taken: no longer waiting on the workbench
    assert service_need.event.number not in client.get(reverse("approvals:workbench")).content.decode()


def test_a_handover_of_another_township_or_already_taken_receives_nothing(
    client, service_need, clerk, other_clerk, county
):
    item = af.licence(county)
    url = reverse("approvals:receive", args=[f"p-{item.pk}"]) + f"?handover={service_need.pk}"
    # the other township's clerk neither sees it nor can receive against it
    login(client, other_clerk)
    assert service_need.event.number not in client.get(reverse("approvals:workbench")).content.decode()
    assert client.post(url, _application(item)).status_code == 404
    assert not Application.objects.exists()
    # taken once, a second application cannot claim it
    login(client, clerk)
    client.post(url, _application(item))
    assert client.post(url, _application(item)).status_code == 404
    assert Application.objects.count() == 1
    assert client.get(reverse("approvals:workbench"), {"handover": "x"}).status_code == 404


def test_the_workbench_reads_waiting_hand_overs_through_an_index_of_pending_ones(service_need, clerk):
    # Received hand-overs pile up for years; what the workbench lists on every page is the few still pending.
    from django.db import connection

    from approvals.selectors import service_handovers

    assert [h.pk for h in service_handovers(clerk)] == [service_need.pk]
    waiting = selectors.handovers_for(clerk, kind="service", status="pending")[:20]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a test table is small enough to scan whole
        plan = waiting.explain()
    assert "handover_pending" in plan
