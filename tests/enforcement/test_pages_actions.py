"""Case page actions beyond the basics, the transfers page, and registering a lead from the board."""

import datetime

from django.urls import reverse
from django.utils import timezone

from enforcement import services
from enforcement.models import Lead
from enforcement.states import CaseStatus, TransferStatus
from tests.conftest import login
from tests.enforcement import factories as ef


def _act(client, case, name, data=None):
    return client.post(reverse("enforcement:case_act", args=[case.pk, name]), data or {})


def test_lead_registered_from_the_board_is_owned_by_its_taker(client, officer, home_township):
    login(client, officer)
    body = {"source": "complaint", "summary": "群众投诉夜间烧烤油烟", "party_kind": "individual"}
    assert client.post(reverse("enforcement:lead_new"), body).status_code == 302
    lead = Lead.objects.get()
    assert lead.first_inquiry_owner == officer and lead.township == home_township


def test_hearing_through_the_case_page(client, squad_leader, squad_leader2, officer, officers, home_township, power):
    case = ef.notified_case(home_township, squad_leader, officers, power=power, served_on=timezone.localdate())
    login(client, officer)
    assert _act(client, case, "hearing_request").status_code == 302
    login(client, squad_leader)
    today = timezone.localdate()
    too_soon = {"notice_sent_on": today, "held_on": today + datetime.timedelta(days=3), "chair": squad_leader2.pk}
    assert _act(client, case, "hearing_schedule", too_soon).status_code == 400
    investigator = {"notice_sent_on": today, "held_on": today + datetime.timedelta(days=9), "chair": officer.pk}
    assert _act(client, case, "hearing_schedule", investigator).status_code == 400
    ok = {"notice_sent_on": today, "held_on": today + datetime.timedelta(days=9), "chair": squad_leader2.pk}
    assert _act(client, case, "hearing_schedule", ok).status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.HEARING and case.hearings.get().chair == squad_leader2
    page = client.get(reverse("enforcement:case", args=[case.pk])).content.decode()
    assert "enforcement.case.hearing_scheduled" in page


def test_suspend_resume_and_extend_through_the_page(client, squad_leader, officers, home_township, power):
    case = ef.investigating_case(home_township, squad_leader, officers, power=power)
    login(client, squad_leader)
    assert _act(client, case, "suspend", {"reason": "等待检测结果"}).status_code == 302
    assert _act(client, case, "resume").status_code == 302
    assert (
        _act(client, case, "extend", {"approved_by_name": "", "approval_document": "", "reason": ""}).status_code == 400
    )
    body = {"approved_by_name": "镇长", "approval_document": "延期审批表1号", "reason": "案情复杂"}
    assert _act(client, case, "extend", body).status_code == 302
    assert case.extensions.count() == 1


def test_transfers_page_department_returns_and_coordinator_decides(
    client, squad_leader, department_clerk, coordinator, home_township, department
):
    power = ef.PenaltyPowerFactory(department=department)
    lead = ef.lead(home_township, squad_leader, power=power)
    transfer = services.lead_transfer(lead=lead, reason="不属本镇赋权", actor=squad_leader)
    login(client, department_clerk)
    assert transfer.summary in client.get(reverse("enforcement:transfers")).content.decode()
    url = reverse("enforcement:transfer_act", args=[transfer.pk, "return"])
    assert client.post(url, {"text": ""}).status_code == 400
    assert client.post(url, {"text": "属于镇赋权范围"}).status_code == 302
    login(client, squad_leader)
    assert client.post(reverse("enforcement:transfer_act", args=[transfer.pk, "refer"])).status_code == 302
    login(client, coordinator)
    url = reverse("enforcement:transfer_act", args=[transfer.pk, "to_department"])
    assert client.post(url, {"text": "由县市场监管局办理"}).status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.ACCEPTED


def test_other_township_cannot_see_or_act_on_a_transfer(client, squad_leader, other_leader, home_township, department):
    lead = ef.lead(home_township, squad_leader)
    transfer = services.lead_transfer(lead=lead, reason="移送", actor=squad_leader, department=department)
    login(client, other_leader)
    assert client.post(reverse("enforcement:transfer_act", args=[transfer.pk, "accept"])).status_code == 404


def test_publish_or_withdraw_without_a_decision_is_409(client, squad_leader, home_township, power):
    case = ef.filed_case(home_township, squad_leader, power=power)
    login(client, squad_leader)
    assert _act(client, case, "publish").status_code == 409
    assert _act(client, case, "withdraw", {"reason": "x"}).status_code == 409
    assert client.post(reverse("enforcement:case_act", args=[case.pk, "nonsense"])).status_code == 404
