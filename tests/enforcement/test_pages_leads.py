"""Leads on the board: hand-over moves first-inquiry responsibility; dismissal needs reasons."""

from django.urls import reverse

from enforcement.states import LeadStatus
from tests.conftest import login
from tests.enforcement import factories as ef


def test_hand_over_and_dismiss_from_the_board(client, squad_leader, officer, officer2, home_township):
    lead = ef.lead(home_township, officer)
    login(client, squad_leader)
    board = client.get(reverse("enforcement:board")).content.decode()
    assert "移交线索" in board
    url = reverse("enforcement:lead_act", args=[lead.pk, "hand_over"])
    assert client.post(url, {"to_user": officer2.pk}).status_code == 302
    lead.refresh_from_db()
    assert lead.first_inquiry_owner == officer2
    dismiss = reverse("enforcement:lead_act", args=[lead.pk, "dismiss"])
    refused = client.post(dismiss, {"dismiss_reason": ""})
    assert refused.status_code == 400 and "理由" in refused.content.decode()
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW
    assert client.post(dismiss, {"dismiss_reason": "经核查无违法行为"}).status_code == 302
    lead.refresh_from_db()
    assert lead.status == LeadStatus.DISMISSED and lead.dismiss_reason == "经核查无违法行为"


def test_another_township_cannot_touch_the_lead(client, other_leader, squad_leader, home_township):
    lead = ef.lead(home_township, squad_leader)
    login(client, other_leader)
    assert (
        client.post(reverse("enforcement:lead_act", args=[lead.pk, "dismiss"]), {"dismiss_reason": "x"}).status_code
        == 404
    )
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW
