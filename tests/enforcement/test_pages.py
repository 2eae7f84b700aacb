"""Pages: the board, the case page with its timeline, the legal queue, the public decisions page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enforcement import services
from enforcement.models import Case, Publication
from enforcement.states import CaseStatus
from ruian.audit import AuditEntry
from tests.conftest import login
from tests.enforcement import factories as ef


def test_board_shows_leads_cases_workload_and_transfers(client, squad_leader, officers, home_township, power):
    ef.lead(home_township, squad_leader, summary="夜市占道")
    ef.investigating_case(home_township, squad_leader, officers, power=power)
    login(client, squad_leader)
    response = client.get(reverse("enforcement:board"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "夜市占道" in body and "调查取证" in body
    assert "执法人员工作量" in body and "2028-12-31" in body  # officers with their certificates


def test_board_is_for_squad_leaders(client, officer):
    login(client, officer)
    assert client.get(reverse("enforcement:board")).status_code == 403


def test_board_query_count_is_fixed(client, squad_leader, home_township, power, department):
    login(client, squad_leader)

    def make(n):
        for _ in range(n):
            ef.filed_case(home_township, squad_leader, power=power)
            lead = ef.lead(home_township, squad_leader)
            services.lead_transfer(lead=lead, reason="移送", actor=squad_leader, department=department)
            ef.lead(home_township, squad_leader)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("enforcement:board")).status_code == 200
        return len(queries)

    # A connection's first request prepares the user lookup (ruian.backends): a one-off, not a cost per row.
    count()
    make(10)
    ten = count()
    make(90)
    assert count() == ten


def test_file_from_the_board_and_refusal_is_4xx(client, squad_leader, home_township, power, department):
    lead = ef.lead(home_township, squad_leader)
    login(client, squad_leader)
    outside = ef.PenaltyPowerFactory(department=department)
    refused = client.post(reverse("enforcement:lead_file", args=[lead.pk]), {"power": outside.pk, "title": "案"})
    assert refused.status_code == 400 and not Case.objects.exists()
    response = client.post(reverse("enforcement:lead_file", args=[lead.pk]), {"power": power.pk, "title": "占道案"})
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("enforcement:case", args=[case.pk])


def test_case_page_with_timeline_and_assignment(client, squad_leader, officer, expired_officer, home_township, power):
    case = ef.filed_case(home_township, squad_leader, power=power)
    login(client, squad_leader)
    page = client.get(reverse("enforcement:case", args=[case.pk]))
    assert page.status_code == 200 and "enforcement.case.filed" in page.content.decode()
    url = reverse("enforcement:case_act", args=[case.pk, "assign"])
    refused = client.post(url, {"officers": [officer.pk, expired_officer.pk]})
    assert refused.status_code == 400
    case.refresh_from_db()
    assert case.status == CaseStatus.FILED


def test_wrong_state_is_409_and_wrong_role_403(client, squad_leader, officer, officers, home_township, power):
    case = ef.investigating_case(home_township, squad_leader, officers, power=power)
    login(client, squad_leader)
    response = client.post(reverse("enforcement:case_act", args=[case.pk, "serve"]), {"method": "direct"})
    assert response.status_code == 409
    login(client, officer)
    response = client.post(reverse("enforcement:case_act", args=[case.pk, "close"]), {"reason": "x"})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.status == CaseStatus.INVESTIGATING


def test_other_township_gets_404(client, squad_leader, other_leader, home_township, power):
    case = ef.filed_case(home_township, squad_leader, power=power)
    login(client, other_leader)
    assert client.get(reverse("enforcement:case", args=[case.pk])).status_code == 404


def test_legal_queue_approve(client, squad_leader, officer, officers, legal_reviewer, home_township, power):
    case = ef.notified_case(home_township, squad_leader, officers, power=power, fine=30000)
    review = services.legal_review_submit(case=case, actor=officer)
    login(client, legal_reviewer)
    queue = client.get(reverse("enforcement:legal_queue"))
    assert queue.status_code == 200 and case.number in queue.content.decode()
    response = client.post(reverse("enforcement:legal_review", args=[review.pk]), {"approve": "1", "opinion": "同意"})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.outcome == "approved"


def test_my_cases_lists_assigned_cases(client, squad_leader, officer, officers, home_township, power):
    case = ef.investigating_case(home_township, squad_leader, officers, power=power)
    login(client, officer)
    assert case.number in client.get(reverse("enforcement:my_cases")).content.decode()


def test_public_page_masks_personal_data_and_needs_no_login(client, squad_leader, officers, home_township, power):
    case = ef.decided_case(home_township, squad_leader, officers, power=power)
    services.decision_publish(decision=case.decision, actor=squad_leader)
    body = client.get(reverse("enforcement:public_decisions")).content.decode()
    assert "王**" in body and "320***" in body
    assert "王小明" not in body and "320623199001011234" not in body and "13912345678" not in body


def test_withdrawal_is_audited_and_hides_the_decision(client, squad_leader, officers, home_township, power):
    case = ef.decided_case(home_township, squad_leader, officers, power=power)
    publication = services.decision_publish(decision=case.decision, actor=squad_leader)
    login(client, squad_leader)
    url = reverse("enforcement:case_act", args=[case.pk, "withdraw"])
    assert client.post(url, {"reason": "复议撤销"}).status_code == 302
    assert Publication.objects.get(pk=publication.pk).withdrawn_at is not None
    assert AuditEntry.objects.for_object(publication).filter(action="enforcement.publication.withdrawn").exists()
    client.logout()
    assert case.decision.number not in client.get(reverse("enforcement:public_decisions")).content.decode()


@pytest.mark.parametrize("name", ["enforcement:board", "enforcement:my_cases", "enforcement:legal_queue"])
def test_navigation_names_resolve(name):
    assert reverse(name).startswith("/enforcement/")


def test_dashboard(client, squad_leader):
    login(client, squad_leader)
    assert client.get(reverse("enforcement:dashboard")).status_code == 200
