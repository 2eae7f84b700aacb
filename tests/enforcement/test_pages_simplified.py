"""The simplified procedure (简易程序) short form on the officer's page (APL Art 51)."""

from django.urls import reverse

from enforcement.models import Case, Procedure
from enforcement.states import CaseStatus
from tests.conftest import login


def _body(power, officers, **extra):
    return {
        "power": power.pk,
        "title": "当场处罚: 乱扔垃圾",
        "party_kind": "individual",
        "party_name": "赵六",
        "measures": ["fine"],
        "fine": "50",
        "officers": [o.pk for o in officers],
        **extra,
    }


def test_an_officer_decides_on_the_spot(client, officer, officers, power):
    login(client, officer)
    page = client.get(reverse("enforcement:my_cases"))
    assert page.status_code == 200 and "简易程序" in page.content.decode()
    response = client.post(reverse("enforcement:simplified_new"), _body(power, officers))
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("enforcement:case", args=[case.pk])
    assert case.procedure == Procedure.SIMPLIFIED and case.status == CaseStatus.SERVED
    assert case.decision.service_method == "on_the_spot"


def test_over_the_limit_or_one_officer_is_400_and_nothing_saved(client, officer, officers, power):
    login(client, officer)
    too_much = client.post(reverse("enforcement:simplified_new"), _body(power, officers, fine="201"))
    assert too_much.status_code == 400 and "200" in too_much.content.decode()
    alone = client.post(reverse("enforcement:simplified_new"), _body(power, officers[:1]))
    assert alone.status_code == 400
    assert not Case.objects.exists()


def test_organisations_may_be_fined_up_to_3000(client, officer, officers, power):
    login(client, officer)
    body = _body(power, officers, party_kind="organisation", party_name="某餐馆", fine="3000")
    assert client.post(reverse("enforcement:simplified_new"), body).status_code == 302
