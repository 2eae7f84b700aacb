"""The sync's plain-dict rows give the same JSON as ApplicationSerializer, in every state and language."""

import json

import pytest
from django.utils import translation
from rest_framework.renderers import JSONRenderer

from approvals import services
from approvals.api import rows
from approvals.api.serializers import ApplicationSerializer
from approvals.models import Application
from tests.approvals import factories as af

URL = "/api/v1/approvals/applications/"


def _in_every_state(township, item, clerk, approver, second_approver):
    received = af.receive(township, item, clerk)
    noticed = af.receive(township, item, clerk, complete=False, contact_name="王五", address="长沙镇1号")
    services.give_material_notice(application=noticed, actor=clerk)
    accepted = af.receive(township, item, clerk, joint_handling=True)
    services.accept_application(application=accepted, actor=clerk)
    decided = []
    for approve in (True, False):
        app = af.receive(township, item, clerk)
        services.accept_application(application=app, actor=clerk)
        services.send_to_back_office(application=app, actor=clerk)
        services.decide_application(
            application=app, approve=approve, reasons="理由", actor=approver, second_reviewer=second_approver
        )
        decided.append(app)
    services.issue_result(application=decided[0], delivery="collected", delivery_detail="窗口领取", actor=clerk)
    refused = af.receive(township, item, clerk)
    services.refuse_application(application=refused, reason="不属于本镇", actor=clerk)
    # a hand-edited checklist entry out of the ordinary still comes out as the serializer has it
    odd = af.receive(township, item, clerk)
    Application.objects.filter(pk=odd.pk).update(
        materials=[{"name": "申请书", "form": "original", "copies": "2", "mandatory": 1, "provided": "false"}]
    )
    return received, noticed, accepted, *decided, refused, odd


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_rows_match_the_serializer(language, home_township, item, clerk, approver, second_approver):
    _in_every_state(home_township, item, clerk, approver, second_approver)
    qs = Application.objects.order_by("updated_at", "id")
    with translation.override(language):
        expected = ApplicationSerializer(qs.select_related("township", "decision", "issuance"), many=True).data
        got = rows.application_rows(rows.application_values(qs))
    assert JSONRenderer().render(got) == JSONRenderer().render(expected)
    assert sum(1 for r in got if r["decision"]) == 2 and sum(1 for r in got if r["issuance"]) == 1


def test_sync_answers_as_the_serializer(token_api, home_township, item, clerk, approver, second_approver):
    apps = _in_every_state(home_township, item, clerk, approver, second_approver)
    results = token_api.get(f"{URL}sync/").json()["results"]
    qs = Application.objects.select_related("township", "decision", "issuance").order_by("updated_at", "id")
    assert results == json.loads(JSONRenderer().render(ApplicationSerializer(qs, many=True).data))
    assert len(results) == len(apps)


def _read_back(number):
    app = Application.objects.select_related("township", "decision", "issuance").get(number=number)
    return json.loads(JSONRenderer().render(ApplicationSerializer(app).data))


def test_create_and_accept_answer_the_row_as_stored(token_api, home_township, item):
    body = {
        "township": home_township.code,
        "item_code": item.code,
        "applicant_kind": "person",
        "applicant_name": "李四",
        "applicant_id_number": af.VALID_RIC.lower(),  # normalised by the service
        "applicant_phone": "13900001111",
        "materials_provided": af.ALL_MANDATORY,
        "joint_handling": True,
    }
    created = token_api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="rows-1")
    assert created.status_code == 201, created.content
    number = created.json()["number"]
    assert created.json() == _read_back(number)
    accepted = token_api.post(f"{URL}{number}/accept/", {}, format="json")
    assert accepted.status_code == 200, accepted.content
    assert accepted.json() == _read_back(number) and accepted.json()["status"] == "accepted"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_row_of_an_undecided_instance_matches_the_serializer(language, home_township, item, clerk):
    """The create and accept answers: the instance the service returns, as the serializer shows it."""
    received = af.receive(home_township, item, clerk, contact_name="王五", address="长沙镇1号")
    joint = af.receive(home_township, item, clerk, joint_handling=True, pledge=False)
    accepted = services.accept_application(application=joint, actor=clerk)
    for app in (received, accepted):
        with translation.override(language):
            expected = ApplicationSerializer(app, context={"undecided": True}).data
            got = rows.application_row_of(app)
            stored = _read_back(app.number)
        assert JSONRenderer().render(got) == JSONRenderer().render(expected)
        assert got == stored
    assert accepted.status == "accepted" and received.status == "received"
