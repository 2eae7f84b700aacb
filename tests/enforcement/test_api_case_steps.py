"""Every case step the case page offers is also a POST on the API, through the same service.

Happy paths walk a case from filing to archive; refusals (wrong state, role or township, a broken legal rule)
answer a clear 4xx and change nothing.
"""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from enforcement import rules, services
from enforcement.models import Case, Decision, Hearing, LegalReview, PenaltyMeasure, Publication
from enforcement.states import CaseStatus
from ruian.apiclients import Scope, issue_token
from ruian.audit import AuditEntry
from tests.conftest import login
from tests.enforcement import factories as ef

FINE = [PenaltyMeasure.FINE]


def step(name, case):
    return reverse(f"api:enforcement:enforcement-case-{name}", args=[case.pk])


def _status(case):
    return Case.objects.get(pk=case.pk).status


def _token_client(api, user):
    token = issue_token(user=user, name=f"{user.username} 的客户端", scopes=Scope.values)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api


@pytest.fixture
def investigating(home_township, squad_leader, officers, power):
    return ef.investigating_case(home_township, squad_leader, officers, power=power)


@pytest.fixture
def notified(home_township, squad_leader, officers, power):
    return ef.notified_case(home_township, squad_leader, officers, power=power)


def test_a_case_from_evidence_to_archive_over_the_api(
    api, squad_leader, officer, officer2, legal_reviewer, investigating
):
    """A squad leader with a token drives the whole general procedure, the reviewer reviews over the API."""
    case = investigating
    leader_api = _token_client(api, squad_leader)
    body = {"kind": "statement", "description": "询问笔录一份", "officers": [officer.pk, officer2.pk]}
    assert leader_api.post(step("evidence", case), body, format="json").status_code == 200
    assert case.evidence.count() == 2

    served = timezone.localdate() - datetime.timedelta(days=40)
    notice = {"served_on": served, "fine": "20000", "measures": FINE, "facts_and_basis": "占道经营"}
    answer = leader_api.post(step("notice", case), notice, format="json")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["status"] == CaseStatus.NOTIFIED and answer.json()["major"] is True

    assert leader_api.post(step("defence", case), {"content": "初犯,请求从轻"}).status_code == 200
    heavier = leader_api.post(step("decide", case), {"fine": "30000", "measures": FINE}, format="json")
    assert heavier.status_code == 400 and _status(case) == CaseStatus.NOTIFIED
    without_review = leader_api.post(step("decide", case), {"fine": "20000", "measures": FINE}, format="json")
    assert without_review.status_code == 400 and not Decision.objects.exists()

    assert leader_api.post(step("mark", case), {"complex": True}, format="json").status_code == 200
    assert leader_api.post(step("legal-review", case)).status_code == 200
    assert _status(case) == CaseStatus.LEGAL_REVIEW

    reviewer_api = login(type(api)(), legal_reviewer)
    answer = reviewer_api.post(step("legal-review-decide", case), {"approve": True, "opinion": "事实清楚"})
    assert answer.status_code == 200, answer.json()
    assert LegalReview.objects.get(case=case).outcome == "approved"
    again = reviewer_api.post(step("legal-review-decide", case), {"approve": True})
    assert again.status_code == 409

    no_discussion = leader_api.post(step("decide", case), {"fine": "20000", "measures": FINE}, format="json")
    assert no_discussion.status_code == 400
    discussion = {"held_on": timezone.localdate(), "participants": "镇长、分管领导", "conclusion": "同意处罚"}
    assert leader_api.post(step("discussion", case), discussion).status_code == 200
    decided_on = timezone.localdate() - datetime.timedelta(days=30)
    body = {"fine": "20000", "measures": FINE, "decided_on": decided_on}
    answer = leader_api.post(step("decide", case), body, format="json")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["status"] == CaseStatus.DECIDED and answer.json()["decision"]["fine"] == "20000.00"

    # Served long ago: payment is late, the surcharge is 3% a day capped at the fine (APL Art 72).
    served_on = decided_on
    answer = leader_api.post(step("serve", case), {"method": "direct", "served_on": served_on})
    assert answer.status_code == 200, answer.json()
    decision = answer.json()["decision"]
    surcharge = rules.late_surcharge(Decimal("20000"), served_on + datetime.timedelta(days=15), timezone.localdate())
    assert surcharge > 0 and decision["surcharge_today"] == str(surcharge)
    underpaid = leader_api.post(step("execute", case), {"method": "paid", "paid_amount": "20000"})
    assert underpaid.status_code == 400 and _status(case) == CaseStatus.SERVED
    answer = leader_api.post(step("execute", case), {"method": "paid", "paid_amount": decision["amount_due_today"]})
    assert answer.status_code == 200, answer.json()
    assert answer.json()["decision"]["surcharge"] == str(surcharge)

    assert leader_api.post(step("publish", case)).status_code == 200
    assert Publication.objects.get().party_masked != case.party_name
    answer = leader_api.post(step("close", case), {"archive_number": "长沙执档〔2026〕1号"})
    assert answer.status_code == 200 and answer.json()["status"] == CaseStatus.CLOSED
    actions = set(AuditEntry.objects.for_object(case).values_list("action", flat=True))
    assert {"enforcement.case.review_approved", "enforcement.case.executed", "enforcement.case.closed"} <= actions


def test_hearing_request_schedule_and_conclude(
    api, squad_leader, officer, officers, legal_reviewer, home_township, power
):
    case = ef.notified_case(home_township, squad_leader, officers, power=power, served_on=timezone.localdate())
    login(api, squad_leader)
    assert api.post(step("hearing-schedule", case), {}).status_code == 400  # body missing
    assert api.post(step("hearing-request", case), {}).status_code == 200
    assert _status(case) == CaseStatus.HEARING
    today = timezone.localdate()
    body = {"notice_sent_on": today, "held_on": today + datetime.timedelta(days=3), "chair": legal_reviewer.pk}
    short = api.post(step("hearing-schedule", case), body)
    assert short.status_code == 400 and Hearing.objects.get().held_on is None
    body["chair"] = officer.pk
    body["held_on"] = today + datetime.timedelta(days=7)
    assert api.post(step("hearing-schedule", case), body).status_code == 400  # an investigator cannot chair
    body["chair"] = legal_reviewer.pk
    assert api.post(step("hearing-schedule", case), body).status_code == 200
    assert Hearing.objects.get().chair == legal_reviewer
    # Not held yet: nothing to record.
    assert api.post(step("hearing-conclude", case), {"record": "笔录"}).status_code == 400
    Hearing.objects.update(held_on=today)
    assert api.post(step("hearing-conclude", case), {"record": "当事人陈述"}).status_code == 200
    assert Hearing.objects.get().concluded and Case.objects.get(pk=case.pk).defence_made


def test_late_hearing_request_is_400(api, officer, home_township, squad_leader, officers, power):
    served = timezone.localdate() - datetime.timedelta(days=30)
    case = ef.notified_case(home_township, squad_leader, officers, power=power, served_on=served)
    login(api, officer)
    answer = api.post(step("hearing-request", case), {})
    assert answer.status_code == 400 and not Hearing.objects.exists()


def test_suspend_resume_and_extend(api, squad_leader, officer, investigating):
    case = investigating
    login(api, officer)
    assert api.post(step("suspend", case), {"reason": "等待鉴定"}).status_code == 403
    login(api, squad_leader)
    assert api.post(step("suspend", case), {"reason": ""}).status_code == 400
    answer = api.post(step("suspend", case), {"reason": "等待鉴定"})
    assert answer.status_code == 200 and answer.json()["clock_colour"] == "grey"
    assert api.post(step("suspend", case), {"reason": "再次"}).status_code == 409
    assert api.post(step("resume", case)).status_code == 200 and _status(case) == CaseStatus.INVESTIGATING
    assert (
        api.post(step("extend", case), {"approved_by_name": "", "approval_document": "x", "reason": "y"}).status_code
        == 400
    )
    before = case.extensions.count()
    body = {"approved_by_name": "张镇长", "approval_document": "长政批〔2026〕3号", "reason": "案情复杂"}
    assert api.post(step("extend", case), body).status_code == 200
    assert case.extensions.count() == before + 1


def test_simplified_procedure_over_the_api(api, officer, officer2, home_township, power):
    login(api, officer)
    url = reverse("api:enforcement:enforcement-case-simplified")
    body = {
        "township": home_township.code,
        "power": power.pk,
        "title": "当场处罚: 占道经营",
        "party_kind": "individual",
        "party_name": "李四",
        "fine": "500",
        "measures": FINE,
        "officers": [officer.pk, officer2.pk],
    }
    over = api.post(url, body, format="json")
    assert over.status_code == 400 and not Case.objects.exists()
    body["fine"] = "200"
    answer = api.post(url, body, format="json")
    assert answer.status_code == 201, answer.json()
    assert answer.json()["procedure"] == "simplified" and answer.json()["decision"]["service_method"] == "on_the_spot"


def test_criminal_transfer_over_the_api(api, squad_leader, officer, investigating):
    case = investigating
    login(api, officer)
    assert api.post(step("criminal", case), {"grounds": "涉案金额巨大"}).status_code == 200
    assert api.post(step("criminal-decide", case), {"approve": True, "head_name": "张"}).status_code == 403
    login(api, squad_leader)
    assert api.post(step("criminal-handover", case), {"police_unit": "长沙派出所"}).status_code == 409
    assert api.post(step("criminal-decide", case), {"approve": True, "head_name": "张镇长"}).status_code == 200
    answer = api.post(
        step("criminal-handover", case), {"police_unit": "如东县公安局长沙派出所", "receipt_number": "R1"}
    )
    assert answer.status_code == 200 and answer.json()["status"] == CaseStatus.POLICE


def test_reassign_needs_a_reason_and_two_certified_officers(
    api, squad_leader, officer, officer2, officer3, expired_officer, investigating
):
    login(api, squad_leader)
    case = investigating
    assert api.post(step("reassign", case), {"officers": [officer.pk, officer3.pk]}).status_code == 400
    bad = api.post(step("reassign", case), {"officers": [officer.pk, expired_officer.pk], "reason": "调岗"})
    assert bad.status_code == 400
    ok = api.post(step("reassign", case), {"officers": [officer.pk, officer3.pk], "reason": "调岗"})
    assert ok.status_code == 200
    assert set(case.assignments.filter(removed_at__isnull=True).values_list("officer", flat=True)) == {
        officer.pk,
        officer3.pk,
    }


@pytest.mark.parametrize(
    "name,body",
    [
        ("notice", {"fine": "100", "measures": FINE}),
        ("serve", {"method": "direct"}),
        ("execute", {"method": "paid", "paid_amount": "100"}),
        ("resume", {}),
        ("hearing-request", {}),
        ("legal-review-decide", {"approve": True}),
        ("criminal-decide", {"approve": True, "head_name": "张"}),
        ("publish", {}),
        ("withdraw", {"reason": "错误"}),
    ],
)
def test_a_step_in_the_wrong_state_is_409_and_nothing_changes(api, squad_leader, home_township, power, name, body):
    case = ef.filed_case(home_township, squad_leader, power=power)
    login(api, squad_leader)
    before = AuditEntry.objects.count()
    answer = api.post(step(name, case), body, format="json")
    assert answer.status_code == 409, (name, answer.json())
    assert answer.json()["error"]["code"] == "conflict"
    assert _status(case) == CaseStatus.FILED and AuditEntry.objects.count() == before


@pytest.mark.parametrize(
    "name,body",
    [
        ("suspend", {"reason": "等待"}),
        ("close", {"reason": "撤销"}),
        ("mark", {"major": True}),
        ("evidence", {"kind": "photo", "description": "x", "officers": []}),
    ],
)
def test_another_township_cannot_see_the_case(api, other_leader, investigating, name, body):
    login(api, other_leader)
    before = AuditEntry.objects.count()
    assert api.post(step(name, investigating), body, format="json").status_code == 404
    assert _status(investigating) == CaseStatus.INVESTIGATING and AuditEntry.objects.count() == before


def test_a_read_only_token_cannot_act(api, squad_leader, investigating):
    token = issue_token(user=squad_leader, name="只读", scopes=[Scope.ENFORCEMENT_READ])
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get(reverse("api:enforcement:enforcement-case-detail", args=[investigating.pk])).status_code == 200
    assert api.post(step("suspend", investigating), {"reason": "等待"}).status_code == 403
    assert _status(investigating) == CaseStatus.INVESTIGATING


def test_lead_dismiss_and_hand_over(api, squad_leader, officer, officer2, home_township):
    lead = ef.lead(home_township, officer)
    login(api, officer)
    url = reverse("api:enforcement:enforcement-lead-hand-over", args=[lead.pk])
    assert api.post(url, {"to_user": officer2.pk, "reason": "换班"}).status_code == 200
    lead.refresh_from_db()
    assert lead.first_inquiry_owner == officer2
    dismiss = reverse("api:enforcement:enforcement-lead-dismiss", args=[lead.pk])
    assert api.post(dismiss, {"reason": "无违法"}).status_code == 403
    login(api, squad_leader)
    assert api.post(dismiss, {"reason": ""}).status_code == 400
    assert api.post(dismiss, {"reason": "经核查无违法行为"}).status_code == 200
    assert api.post(dismiss, {"reason": "再次"}).status_code == 409


def test_transfer_refer_keep_and_coordinate(
    api, squad_leader, department_clerk, coordinator, home_township, department
):
    lead = ef.lead(home_township, squad_leader)
    transfer = services.lead_transfer(lead=lead, reason="不属本镇权限", actor=squad_leader, department=department)
    services.transfer_return(transfer=transfer, reason="属镇赋权范围", actor=department_clerk)

    def url(name):
        return reverse(f"api:enforcement:enforcement-transfer-{name}", args=[transfer.pk])

    login(api, coordinator)
    assert api.post(url("coordinate"), {"department_competent": True, "note": "x"}).status_code == 409
    login(api, squad_leader)
    assert api.post(url("refer"), {"reason": "有争议"}).status_code == 200
    login(api, coordinator)
    answer = api.post(url("coordinate"), {"department_competent": True, "note": "由市场监管局办理"})
    assert answer.status_code == 200 and answer.json()["status"] == "accepted"
