"""REST API: idempotent create, read by number with history, sync, workflow actions, errors, scopes."""

import datetime
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from approvals import selectors
from approvals.models import Application
from approvals.states import Status
from ruian.apiclients import Scope, issue_token
from ruian.audit import AuditEntry
from tests.approvals import factories as af
from tests.conftest import login

URL = "/api/v1/approvals/applications/"


def payload(item, **extra):
    body = {
        "township": "320623100000",
        "item_code": item.code,
        "applicant_kind": "person",
        "applicant_name": "李四",
        "applicant_id_number": af.VALID_RIC,
        "applicant_phone": "13900001111",
        "materials_provided": af.ALL_MANDATORY,
    }
    body.update(extra)
    return body


def test_create_is_idempotent(token_api, item, home_township):
    first = token_api.post(URL, payload(item), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201, first.content
    assert first.json()["channel"] == "online" and first.json()["status"] == Status.RECEIVED
    again = token_api.post(URL, payload(item), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Application.objects.count() == 1
    changed = token_api.post(URL, payload(item, applicant_name="王五"), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert changed.status_code == 409
    assert changed.json()["error"]["code"] == "idempotency_key_reused"
    assert token_api.post(URL, payload(item), format="json").status_code == 400  # the key is required
    too_long = token_api.post(URL, payload(item), format="json", HTTP_IDEMPOTENCY_KEY="k" * 101)
    assert too_long.status_code == 400 and "Idempotency-Key" in too_long.json()["error"]["fields"]
    assert Application.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_create_one(api_token, item, home_township):
    codes = []

    def post():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token}")
        codes.append(client.post(URL, payload(item), format="json", HTTP_IDEMPOTENCY_KEY="race").status_code)
        connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [200, 200, 200, 201]
    assert Application.objects.count() == 1


@pytest.mark.parametrize(
    "field,value",
    [("applicant_id_number", "110105194912310021"), ("applicant_phone", "abc"), ("township", "320623999000")],
)
def test_bad_input_is_400_and_nothing_written(token_api, item, home_township, field, value):
    response = token_api.post(URL, payload(item, **{field: value}), format="json", HTTP_IDEMPOTENCY_KEY="bad")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert Application.objects.count() == 0


def test_item_not_held_is_400(token_api, county, home_township):
    from tests import factories as f

    item = af.licence(county)
    item.townships.add(f.township("320623102000", "栟茶镇", parent=county))
    response = token_api.post(URL, payload(item), format="json", HTTP_IDEMPOTENCY_KEY="x")
    assert response.status_code == 400 and Application.objects.count() == 0


def test_read_by_number_with_history(token_api, item, home_township, clerk):
    app = af.receive(home_township, item, clerk)
    response = token_api.get(f"{URL}{app.number}/")
    assert response.status_code == 200
    actions = [h["action"] for h in response.json()["history"]]
    assert actions == ["approvals.application.received"]


def test_workflow_actions_over_the_api(api, item, home_township, clerk, approver, second_approver):
    app = af.receive(home_township, item, clerk)
    login(api, clerk)
    assert api.post(f"{URL}{app.number}/accept/").json()["status"] == Status.ACCEPTED
    assert api.post(f"{URL}{app.number}/accept/").status_code == 400  # not twice
    assert api.post(f"{URL}{app.number}/send/").json()["status"] == Status.IN_REVIEW
    denied = api.post(
        f"{URL}{app.number}/decide/", {"approve": True, "reasons": "符合", "second_reviewer": "approver2"}
    )
    assert denied.status_code == 403  # a clerk does not decide
    login(api, approver)
    body = {"approve": True, "reasons": "符合条件", "second_reviewer": "approver2"}
    assert api.post(f"{URL}{app.number}/decide/", body).json()["status"] == Status.APPROVED
    login(api, clerk)
    issued = api.post(f"{URL}{app.number}/issue/", {"delivery": "collected"})
    assert issued.json()["status"] == Status.ISSUED
    assert api.post(f"{URL}{app.number}/rate/", {"level": 5}).status_code == 200


def test_other_township_cannot_see_or_act(api, item, home_township, clerk, other_clerk):
    app = af.receive(home_township, item, clerk)
    login(api, other_clerk)
    assert api.get(f"{URL}{app.number}/").status_code == 404
    assert api.post(f"{URL}{app.number}/accept/").status_code == 404
    assert api.get(URL).json()["count"] == 0
    app.refresh_from_db()
    assert app.status == Status.RECEIVED
    assert not AuditEntry.objects.for_object(app).filter(action="approvals.application.accepted").exists()


def test_a_staff_member_who_reads_no_applications_cannot_act(api, item, home_township, clerk, operator):
    # The operator works in the same township, but the command centre reads no applications.
    app = af.receive(home_township, item, clerk)
    login(api, operator)
    assert api.post(f"{URL}{app.number}/accept/").status_code == 404
    assert api.post(f"{URL}NOSUCHNUMBER/accept/").status_code == 404
    app.refresh_from_db()
    assert app.status == Status.RECEIVED


def test_the_row_check_of_an_action_agrees_with_the_readable_applications(
    item, home_township, clerk, other_clerk, approver, operator, api_client_user, django_user_model
):
    app = af.receive(home_township, item, clerk)
    admin = django_user_model.objects.create_superuser("root", password="x")
    for user in (clerk, other_clerk, approver, operator, api_client_user, admin):
        listed = selectors.applications_for(user).filter(pk=app.pk).exists()
        assert selectors.may_read_application(user, app) is listed, user


def test_token_without_write_scope_cannot_act(api, api_client_user, item, home_township, clerk):
    app = af.receive(home_township, item, clerk)
    token = issue_token(user=api_client_user, name="只读", scopes=[Scope.APPROVALS_READ])
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get(f"{URL}{app.number}/").status_code == 200
    assert api.post(f"{URL}{app.number}/accept/").status_code == 403
    assert api.post(URL, payload(item), format="json", HTTP_IDEMPOTENCY_KEY="r").status_code == 403


def _many(home_township, item, clerk, n):
    for _ in range(n):
        af.receive(home_township, item, clerk)


def test_sync_pages_with_a_cursor_and_a_fixed_number_of_queries(token_api, item, home_township, clerk):
    _many(home_township, item, clerk, 10)
    token_api.get(f"{URL}sync/")  # the token's first use of the minute writes last_used_at
    with CaptureQueriesContext(connection) as small:
        response = token_api.get(f"{URL}sync/", {"page_size": 200})
    assert len(response.json()["results"]) == 10
    _many(home_township, item, clerk, 90)
    with CaptureQueriesContext(connection) as large:
        response = token_api.get(f"{URL}sync/", {"page_size": 200})
    assert len(response.json()["results"]) == 100
    assert len(small) == len(large)
    # Cursor pages cover everything once, and updated_since narrows to what changed.
    seen, url = [], f"{URL}sync/?page_size=30"
    while url:
        page = token_api.get(url).json()
        seen += [r["number"] for r in page["results"]]
        url = page["next"]
    assert len(seen) == len(set(seen)) == 100
    since = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=1)).isoformat()
    assert token_api.get(f"{URL}sync/", {"updated_since": since}).json()["results"] == []
    assert token_api.get(f"{URL}sync/", {"updated_since": "yesterday"}).status_code == 400


def test_schema_lists_the_approvals_endpoints(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    assert "/api/v1/approvals/applications/" in paths
    assert "/api/v1/approvals/applications/sync/" in paths
    assert "/api/v1/approvals/applications/{number}/decide/" in paths
    params = [p["name"] for p in paths["/api/v1/approvals/applications/"]["post"]["parameters"]]
    assert "Idempotency-Key" in params


def test_token_client_accepts_and_withdraws(token_api, item, home_township, clerk):
    app = af.receive(home_township, item, clerk)
    assert token_api.post(f"{URL}{app.number}/accept/").json()["status"] == Status.ACCEPTED
    assert token_api.post(f"{URL}{app.number}/withdraw/", {"reason": ""}).status_code == 400
    response = token_api.post(f"{URL}{app.number}/withdraw/", {"reason": "申请人撤回"})
    assert response.json()["status"] == Status.WITHDRAWN
    assert (
        token_api.post(
            f"{URL}{app.number}/decide/", {"approve": True, "reasons": "x", "second_reviewer": "x"}
        ).status_code
        == 403
    )


def test_create_under_joint_handling(token_api, item, home_township):
    response = token_api.post(URL, payload(item, joint_handling=True), format="json", HTTP_IDEMPOTENCY_KEY="joint-1")
    assert response.status_code == 201, response.content
    assert response.json()["joint_handling"] is True and response.json()["legal_limit"] == 45


def test_receive_and_accept_cost_a_fixed_number_of_statements(token_api, item, home_township):
    # Warm the token's once-a-minute last_used_at write and the per-process caches, then count.
    assert token_api.post(URL, payload(item), format="json", HTTP_IDEMPOTENCY_KEY="warm").status_code == 201
    with CaptureQueriesContext(connection) as receipt:
        created = token_api.post(URL, payload(item), format="json", HTTP_IDEMPOTENCY_KEY="counted")
    assert created.status_code == 201
    with CaptureQueriesContext(connection) as acceptance:
        accepted = token_api.post(f"{URL}{created.json()['number']}/accept/", format="json")
    assert accepted.status_code == 200 and accepted.json()["status"] == Status.ACCEPTED
    # Receipt: the token (with the caller's data scope), the transaction (a savepoint here), the key, the
    # township, the held item (with its catalog version), the sequence (with the application's id), the
    # application and its audit entry in one round trip, its notice clock, the stored answer, the commit.
    # Acceptance: the token (with the scope), the transaction, the row locked by number, the application and
    # its audit entry in one round trip, the clocks stopped (notice) and started (decision) in one round trip,
    # the commit.
    assert (len(receipt), len(acceptance)) == (10, 6)
