"""REST API: cases, leads (idempotent), transfers (send/accept/return), published decisions, sync, errors."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from enforcement import services
from enforcement.models import Case, Lead, Squad, Transfer
from enforcement.states import CaseStatus, TransferStatus
from tests.conftest import login
from tests.enforcement import factories as ef

CASES = "api:enforcement:enforcement-case-list"
LEADS = "api:enforcement:enforcement-lead-list"
TRANSFERS = "api:enforcement:enforcement-transfer-list"
DECISIONS = "api:enforcement:enforcement-decision-list"


def _lead_body(township, **extra):
    return {"township": township.code, "source": "platform", "summary": "12345转办: 夜间噪声", **extra}


def test_platform_pushes_a_lead_once_per_idempotency_key(token_api, home_township):
    url = reverse(LEADS)
    first = token_api.post(url, _lead_body(home_township), HTTP_IDEMPOTENCY_KEY="abc-1")
    again = token_api.post(url, _lead_body(home_township), HTTP_IDEMPOTENCY_KEY="abc-1")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert Lead.objects.count() == 1


def test_a_lead_key_reused_with_another_body_is_refused(token_api, home_township):
    url = reverse(LEADS)
    first = token_api.post(url, _lead_body(home_township), HTTP_IDEMPOTENCY_KEY="abc-1")
    other = token_api.post(url, _lead_body(home_township, summary="另一条线索"), HTTP_IDEMPOTENCY_KEY="abc-1")
    assert first.status_code == 201
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"
    too_long = token_api.post(url, _lead_body(home_township), HTTP_IDEMPOTENCY_KEY="k" * 101)
    assert too_long.status_code == 400 and "Idempotency-Key" in too_long.json()["error"]["fields"]
    assert list(Lead.objects.values_list("summary", flat=True)) == [_lead_body(home_township)["summary"]]


def test_platform_lead_without_key_is_refused(token_api, home_township):
    response = token_api.post(reverse(LEADS), _lead_body(home_township))
    assert response.status_code == 400 and response.json()["error"]["code"] == "validation_error"
    assert not Lead.objects.exists()


def test_file_case_outside_powers_is_400_and_nothing_changed(api, squad_leader, home_township, department):
    login(api, squad_leader)
    power = ef.PenaltyPowerFactory(department=department)
    lead = ef.lead(home_township, squad_leader)
    body = {"lead": lead.pk, "township": home_township.code, "power": power.pk, "title": "案"}
    response = api.post(reverse(CASES), body)
    assert response.status_code == 400
    assert "power" in response.json()["error"]["fields"]
    assert not Case.objects.exists()


def test_file_and_assign_over_the_api(api, squad_leader, officer, officer2, expired_officer, home_township, power):
    login(api, squad_leader)
    lead = ef.lead(home_township, squad_leader)
    body = {"lead": lead.pk, "township": home_township.code, "power": power.pk, "title": "占道经营案"}
    response = api.post(reverse(CASES), body)
    assert response.status_code == 201, response.json()
    case_id = response.json()["id"]
    url = reverse("api:enforcement:enforcement-case-assign", args=[case_id])
    bad = api.post(url, {"officers": [officer.pk]})
    assert bad.status_code == 400
    bad = api.post(url, {"officers": [officer.pk, expired_officer.pk]})
    assert bad.status_code == 400
    good = api.post(url, {"officers": [officer.pk, officer2.pk]})
    assert good.status_code == 200 and good.json()["status"] == CaseStatus.INVESTIGATING
    again = api.post(url, {"officers": [officer.pk, officer2.pk]})
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"


def test_officer_cannot_file(api, officer, home_township, power):
    login(api, officer)
    lead = ef.lead(home_township, officer)
    body = {"lead": lead.pk, "township": home_township.code, "power": power.pk, "title": "案"}
    assert api.post(reverse(CASES), body).status_code == 403
    assert not Case.objects.exists()


def test_other_township_sees_no_cases(api, squad_leader, other_leader, home_township, power):
    case = ef.filed_case(home_township, squad_leader, power=power)
    login(api, other_leader)
    assert api.get(reverse(CASES)).json()["count"] == 0
    assert api.get(reverse("api:enforcement:enforcement-case-detail", args=[case.pk])).status_code == 404


def test_decision_without_legal_review_is_400(api, squad_leader, officers, home_township, power):
    case = ef.notified_case(home_township, squad_leader, officers, power=power, fine=50000)
    login(api, squad_leader)
    url = reverse("api:enforcement:enforcement-case-decide", args=[case.pk])
    response = api.post(url, {"fine": "50000", "measures": ["fine"]})
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.status == CaseStatus.NOTIFIED


def test_transfer_send_accept_return(api, squad_leader, department_clerk, home_township, department, token_api):
    login(api, squad_leader)
    power = ef.PenaltyPowerFactory(department=department)
    lead = ef.lead(home_township, squad_leader, power=power)
    response = api.post(reverse(TRANSFERS), {"lead": lead.pk, "reason": "不属于本镇赋权事项"})
    assert response.status_code == 201, response.json()
    transfer_id = response.json()["id"]
    # The township cannot accept its own transfer; the department's REST client can return it.
    assert api.post(reverse("api:enforcement:enforcement-transfer-accept", args=[transfer_id])).status_code == 403
    url = reverse("api:enforcement:enforcement-transfer-return", args=[transfer_id])
    assert token_api.post(url, {"reason": ""}).status_code == 400
    returned = token_api.post(url, {"reason": "属镇赋权范围"})
    assert returned.status_code == 200 and returned.json()["status"] == TransferStatus.RETURNED
    again = token_api.post(reverse("api:enforcement:enforcement-transfer-accept", args=[transfer_id]))
    assert again.status_code == 409


def test_department_sends_a_transfer_in_idempotently(token_api, home_township, department):
    body = {"township": home_township.code, "department": department.pk, "summary": "占道经营", "reason": "属镇事项"}
    first = token_api.post(reverse(TRANSFERS), body, HTTP_IDEMPOTENCY_KEY="t-1")
    again = token_api.post(reverse(TRANSFERS), body, HTTP_IDEMPOTENCY_KEY="t-1")
    assert first.status_code == 201 and again.status_code == 200 and first.json()["id"] == again.json()["id"]
    assert again["Idempotent-Replayed"] == "true" and Transfer.objects.count() == 1
    other = token_api.post(reverse(TRANSFERS), {**body, "summary": "别的事由"}, HTTP_IDEMPOTENCY_KEY="t-1")
    assert other.status_code == 422 and Transfer.objects.count() == 1


def test_updated_since_syncs_with_a_cursor(token_api, home_township, squad_leader, power):
    for _ in range(3):
        ef.filed_case(home_township, squad_leader, power=power)
    since = (timezone.now() - datetime.timedelta(hours=1)).isoformat()
    response = token_api.get(reverse(CASES), {"updated_since": since, "page_size": 2})
    body = response.json()
    assert response.status_code == 200 and len(body["results"]) == 2 and body["next"]
    rest = token_api.get(body["next"]).json()
    assert len(rest["results"]) == 1
    future = (timezone.now() + datetime.timedelta(hours=1)).isoformat()
    assert token_api.get(reverse(CASES), {"updated_since": future}).json()["results"] == []


def test_published_decisions_are_masked(token_api, home_township, squad_leader, officers, power):
    case = ef.decided_case(home_township, squad_leader, officers, power=power)
    services.decision_publish(decision=case.decision, actor=squad_leader)
    row = token_api.get(reverse(DECISIONS)).json()["results"][0]
    assert row["party_masked"] == "王**" and "320623199001011234" not in str(row) and "13912345678" not in str(row)


def test_scope_is_required_for_token_clients(api, api_client_user, home_township):
    from ruian.apiclients import issue_token

    key = issue_token(user=api_client_user, name="只读目录", scopes=["catalogs:read"])
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get(reverse(CASES)).status_code == 403


@pytest.mark.parametrize("url_name", [CASES, LEADS, TRANSFERS])
def test_list_query_count_does_not_grow(url_name, api, squad_leader, home_township, power, department):
    login(api, squad_leader)

    def make(n):
        for _ in range(n):
            lead = ef.lead(home_township, squad_leader)
            if url_name == CASES:
                services.case_file(township=home_township, power=power, title="案", actor=squad_leader, lead=lead)
            elif url_name == TRANSFERS:
                services.lead_transfer(lead=lead, reason="移送", actor=squad_leader, department=department)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert api.get(reverse(url_name), {"page_size": 200}).status_code == 200
        return len(queries)

    make(10)
    ten = count()
    make(90)
    assert count() == ten


def test_schema_lists_the_enforcement_endpoints(api, squad_leader):
    login(api, squad_leader)
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    assert "/api/v1/enforcement/cases/" in paths
    assert "/api/v1/enforcement/transfers/{id}/return/" in paths
    assert "/api/v1/enforcement/leads/" in paths and "/api/v1/enforcement/decisions/" in paths


def test_published_decisions_are_public(api, home_township, squad_leader, officers, power):
    case = ef.decided_case(home_township, squad_leader, officers, power=power)
    services.decision_publish(decision=case.decision, actor=squad_leader)
    response = api.get(reverse(DECISIONS))
    assert response.status_code == 200 and response.json()["count"] == 1
    assert api.get(reverse(CASES)).status_code in (401, 403)


def test_case_list_answers_what_the_case_serializer_answers(api, squad_leader, officers, home_township, power):
    """The list is built from plain rows (api.serializers.case_list_data); its JSON must stay CaseSerializer's."""
    from rest_framework.renderers import JSONRenderer

    from enforcement import selectors
    from enforcement.api.serializers import CaseSerializer

    ef.filed_case(home_township, squad_leader, power=power)
    ef.investigating_case(home_township, squad_leader, officers, power=power)
    suspended = ef.investigating_case(home_township, squad_leader, officers, power=power)
    services.case_suspend(case=suspended, reason="等待鉴定", actor=squad_leader)
    ef.notified_case(home_township, squad_leader, officers, power=power)
    decided = ef.decided_case(home_township, squad_leader, officers, power=power)
    Case.objects.filter(pk=decided.pk).update(closed_on=datetime.date(2026, 3, 2), complex=True, major=True)
    login(api, squad_leader)

    def expected(queryset):
        return json.loads(JSONRenderer().render(CaseSerializer(queryset, many=True).data))

    listed = api.get(reverse(CASES), {"page_size": 200}).json()
    assert listed["count"] == 5
    assert listed["results"] == expected(selectors.cases_for(squad_leader))
    assert {row["clock_colour"] for row in listed["results"]} >= {"grey", "green"}
    assert any(row["proposed_fine"] for row in listed["results"])
    since = (timezone.now() - datetime.timedelta(hours=1)).isoformat()
    synced = api.get(reverse(CASES), {"updated_since": since}).json()
    assert set(synced) == {"next", "previous", "results"}
    assert synced["results"] == expected(selectors.cases_for(squad_leader).order_by("updated_at", "id"))
    filtered = api.get(reverse(CASES), {"status": CaseStatus.SUSPENDED}).json()["results"]
    assert [row["id"] for row in filtered] == [suspended.pk]


def test_create_answers_what_reading_the_row_back_answers(api, squad_leader, home_township, power):
    """Lead and case creation answer from the rows just written (no read back): the same JSON as the read back."""
    from rest_framework.renderers import JSONRenderer

    from enforcement import selectors
    from enforcement.api.serializers import CaseDetailSerializer, LeadSerializer

    def rendered(data):
        return json.loads(JSONRenderer().render(data))

    Squad.objects.create(township=home_township, organisation=squad_leader.staff.organisation, name="第一中队")
    login(api, squad_leader)
    body = _lead_body(
        home_township,
        received_at="2026-03-02T09:30:00+08:00",
        party_name="王建华",
        location="人民路1号",
        power=power.pk,
    )
    created = api.post(reverse(LEADS), body, format="json")
    assert created.status_code == 201
    lead = selectors.leads_for(squad_leader).get(pk=created.json()["id"])
    assert created.json() == rendered(LeadSerializer(lead).data)
    assert created.json()["clock_kind"] == services.FILING and created.json()["clock_colour"]

    filed = api.post(reverse(CASES), {"township": home_township.code, "power": power.pk, "title": "占道经营案"})
    assert filed.status_code == 201
    case = selectors.cases_for(squad_leader).select_related("decision").get(pk=filed.json()["id"])
    assert filed.json() == rendered(CaseDetailSerializer(case).data)
    assert case.number.endswith(f"-{case.pk:06d}")
    assert case.squad == Squad.objects.filter(township=home_township).first()

    from_lead = api.post(
        reverse(CASES), {"township": home_township.code, "power": power.pk, "title": "案", "lead": lead.pk}
    )
    assert from_lead.status_code == 201
    case = selectors.cases_for(squad_leader).select_related("decision").get(pk=from_lead.json()["id"])
    assert from_lead.json() == rendered(CaseDetailSerializer(case).data)
    assert case.party_name == "王建华" and Lead.objects.get(pk=lead.pk).status == "filed"
    from ruian.audit import AuditEntry
    from ruian.clocks import Deadline

    filed_entry = AuditEntry.objects.for_object(case).get(action="enforcement.case.filed")
    lead_entry = AuditEntry.objects.for_object(lead).get(action="enforcement.lead.filed")
    assert filed_entry.id < lead_entry.id and lead_entry.data == {"case": case.pk}
    assert (lead_entry.from_state, lead_entry.to_state, lead_entry.actor) == ("new", "filed", squad_leader)
    assert not Deadline.objects.filter(object_id=lead.pk, kind=services.FILING).exclude(status="stopped").exists()


def test_rows_and_instances_answer_what_the_lead_and_case_serializers_answer(
    squad_leader, officers, home_township, power
):
    """lead_data / case_data (the create answers) and lead_list_data build LeadSerializer's and CaseSerializer's
    JSON without a serializer: the same keys in the same order and the same values, clock or none."""
    from enforcement import selectors
    from enforcement.api import serializers as s

    new = ef.lead(
        home_township,
        squad_leader,
        power=power,
        location="人民路1号",
        external_ref="SZ-2026-0001",
        received_at=datetime.datetime(2026, 3, 2, 9, 30, 5, 123456, tzinfo=datetime.UTC),
    )
    dismissed = ef.lead(home_township, squad_leader, source="complaint")
    services.lead_dismiss(lead=dismissed, reason="不属于违法行为", actor=squad_leader)
    for lead in (new, Lead.objects.select_related("township").get(pk=dismissed.pk), *selectors.leads_for(squad_leader)):
        assert list(s.lead_data(lead).items()) == list(s.LeadSerializer(lead).data.items())
    assert new.clock_kind == services.FILING and s.lead_data(new)["clock_colour"] == "red"  # received in March
    assert s.lead_data(Lead.objects.select_related("township").get(pk=new.pk))["clock_kind"] is None
    assert (
        s.lead_list_data(selectors.lead_list_rows(squad_leader))
        == s.LeadSerializer(selectors.leads_for(squad_leader), many=True).data
    )

    filed = ef.filed_case(home_township, squad_leader, power=power)
    suspended = ef.investigating_case(home_township, squad_leader, officers, power=power)
    services.case_suspend(case=suspended, reason="等待鉴定", actor=squad_leader)
    decided = ef.decided_case(home_township, squad_leader, officers, power=power)
    Case.objects.filter(pk=decided.pk).update(closed_on=datetime.date(2026, 3, 2), complex=True, major=True)
    assert filed.clock_kind == services.DECISION
    for case in (filed, *selectors.cases_for(squad_leader)):
        assert list(s.case_data(case).items()) == list(s.CaseSerializer(case).data.items())
    colours = {s.case_data(case)["clock_colour"] for case in selectors.cases_for(squad_leader)}
    assert colours >= {"grey", "green"}


LEAD_BODIES = [
    {"township": "@", "source": "platform", "summary": "夜间噪声"},
    {
        "township": "@",
        "source": "complaint",
        "summary": "占道经营",
        "details": "早市摊点",
        "location": "人民路",
        "received_at": "2026-03-02T09:30:00+08:00",
        "party_kind": "organisation",
        "party_name": "如东县海鲜大排档",
        "party_id_number": "92320623MA1XK2L03A",
        "party_phone": "13962710102",
        "party_address": "人民路1号",
        "power": "@power",
        "external_ref": "SZ-1",
        "id": 5,
        "status": "filed",
        "clock_kind": "x",
    },
    {},
    {"township": "999999999999", "source": "nonsense", "summary": "", "power": 0, "received_at": "yesterday"},
    {"township": "@", "source": "platform", "summary": "x" * 301, "party_id_number": "1" * 19, "party_kind": None},
    {"township": None, "source": "platform", "summary": None, "details": None, "power": None, "received_at": None},
    {"township": ["@"], "source": ["platform"], "summary": 5, "power": "abc"},
]


def test_the_lead_body_validates_as_the_lead_serializer(home_township, power):
    """The API's lead create validates with LeadBodySerializer (LeadSerializer's writable fields, built once):
    every body passes or fails alike, with the same errors (codes too) and the same validated data."""
    from enforcement.api import serializers as s

    def codes(errors):
        return [(key, message.code) for key, messages in errors.items() for message in messages]

    assert not s.LeadSerializer().validators
    for template in LEAD_BODIES:
        body = {
            key: home_township.code if value == "@" else power.pk if value == "@power" else value
            for key, value in template.items()
        }
        model, plain = s.LeadSerializer(data=body), s.LeadBodySerializer(data=body)
        assert model.is_valid() == plain.is_valid(), body
        assert model.errors == plain.errors and list(model.errors) == list(plain.errors), body
        assert codes(model.errors) == codes(plain.errors), body
        if model.is_valid():
            assert dict(model.validated_data) == dict(plain.validated_data)
            assert list(model.validated_data) == list(plain.validated_data)
    assert s.LeadBodySerializer(data=dict(LEAD_BODIES[0], township=home_township.code)).is_valid()


def test_filing_reads_the_power_and_the_lead_no_more_than_it_must(api, squad_leader, home_township, power):
    """The body's power and lead are read with the columns filing uses (not the catalog item's long texts): no
    deferred column is loaded afterwards, the answer shows the power's code, and a power the township does not hold
    is still refused with its name and department."""
    lead = ef.lead(home_township, squad_leader)
    login(api, squad_leader)
    body = {"township": home_township.code, "power": power.pk, "title": "案", "lead": lead.pk}
    with CaptureQueriesContext(connection) as queries:
        filed = api.post(reverse(CASES), body)
    assert filed.status_code == 201 and filed.json()["power"] == power.code
    statements = [query["sql"] for query in queries]
    power_reads = [sql for sql in statements if sql.startswith("SELECT") and '"catalogs_poweritem"' in sql]
    assert len(power_reads) == 2  # the body's power, and whether the township holds it
    assert len([sql for sql in statements if sql.startswith('SELECT "enforcement_lead"')]) == 1  # the body
    assert len([sql for sql in statements if sql.startswith("EXECUTE lock_enforcement_lead(")]) == 1  # the lock
    assert not [sql for sql in power_reads if '"legal_basis"' in sql]
    other = ef.PenaltyPowerFactory(department=power.department)
    refused = api.post(reverse(CASES), {**body, "power": other.pk, "lead": None})
    assert refused.status_code == 400
    assert other.name in str(refused.json()) and power.department.name in str(refused.json())


def test_lead_list_answers_what_the_lead_serializer_answers(
    api, squad_leader, home_township, other_township, other_leader, power
):
    """The lead list and sync pages are built from plain rows (api.serializers.lead_list_data): LeadSerializer's
    JSON, filtered and paged as before, and the other township's leads not shown."""
    from rest_framework.renderers import JSONRenderer

    from enforcement import selectors
    from enforcement.api.serializers import LeadSerializer

    ef.lead(home_township, squad_leader, power=power, location="人民路1号")
    dismissed = ef.lead(home_township, squad_leader, source="complaint")
    services.lead_dismiss(lead=dismissed, reason="不属于违法行为", actor=squad_leader)
    ef.lead(home_township, squad_leader, received_at=timezone.now() - datetime.timedelta(days=60))
    ef.lead(other_township, other_leader)
    login(api, squad_leader)

    def expected(queryset):
        return json.loads(JSONRenderer().render(LeadSerializer(queryset, many=True).data))

    listed = api.get(reverse(LEADS), {"page_size": 200}).json()
    assert listed["count"] == 3
    assert listed["results"] == expected(selectors.leads_for(squad_leader))
    assert {row["clock_colour"] for row in listed["results"]} >= {"", "red", "green"}
    since = (timezone.now() - datetime.timedelta(hours=1)).isoformat()
    synced = api.get(reverse(LEADS), {"updated_since": since}).json()
    assert set(synced) == {"next", "previous", "results"}
    assert synced["results"] == expected(selectors.leads_for(squad_leader).order_by("updated_at", "id"))
    filtered = api.get(reverse(LEADS), {"status": "dismissed"}).json()["results"]
    assert [row["id"] for row in filtered] == [dismissed.pk]
