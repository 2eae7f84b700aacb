"""Filing a lead from the board: the township's penalty powers are listed once, on the lead's own page, however
many leads the board shows (at province scale ~670 powers repeated in 20 rows made the board 1 MB)."""

from django.urls import reverse

from enforcement.models import Case
from enforcement.states import LeadStatus
from ruian.audit import AuditEntry
from tests.conftest import login
from tests.enforcement import factories as ef


def _option(power):
    return f'<option value="{power.pk}"'


def test_the_board_never_repeats_the_powers_and_the_lead_page_lists_each_once(
    client, squad_leader, home_township, power, department
):
    powers = [power, *(ef.held_power(home_township, department=department) for _ in range(3))]
    login(client, squad_leader)
    first = ef.lead(home_township, squad_leader, summary="首条线索")
    one = client.get(reverse("enforcement:board")).content.decode()
    for n in range(24):  # more than a page of leads
        ef.lead(home_township, squad_leader, summary=f"线索{n}")
    many = client.get(reverse("enforcement:board"))
    assert len(many.context["leads"]) == 20
    html = many.content.decode()
    for page in (one, html):
        assert all(p.code not in page and p.name not in page for p in powers)
    # Twenty rows, twenty links to the leads' filing pages.
    for lead in many.context["leads"]:
        assert f'href="{reverse("enforcement:lead", args=[lead.pk])}"' in html
    assert len(html) - len(one) < 24 * 2500, "a lead row stays small"

    page = client.get(reverse("enforcement:lead", args=[first.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert body.count('name="power"') == 1
    for p in powers:
        assert body.count(_option(p)) == 1 and body.count(p.code) == 1
    assert 'value="首条线索"' in body  # the case title starts as the lead's summary


def test_the_leads_own_power_is_chosen_and_the_case_is_filed_from_its_page(client, squad_leader, home_township, power):
    lead = ef.lead(home_township, squad_leader, summary="夜市占道", power=power)
    login(client, squad_leader)
    board = client.get(reverse("enforcement:board")).content.decode()
    assert power.code in board  # the lead's power is named in its row, once
    body = client.get(reverse("enforcement:lead", args=[lead.pk])).content.decode()
    assert f'<option value="{power.pk}" selected>' in body
    response = client.post(reverse("enforcement:lead_file", args=[lead.pk]), {"power": power.pk, "title": "夜市占道案"})
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("enforcement:case", args=[case.pk])
    assert case.lead == lead and case.power == power and case.title == "夜市占道案"
    lead.refresh_from_db()
    assert lead.status == LeadStatus.FILED
    assert AuditEntry.objects.for_object(case).filter(action="enforcement.case.filed").exists()
    assert "已立案。" in client.get(response["Location"]).content.decode()
    assert not client.get(reverse("enforcement:board")).context["leads"]
    # Filed: the page says so and offers no form; a second filing is refused as a wrong state.
    again = client.get(reverse("enforcement:lead", args=[lead.pk])).content.decode()
    assert "不能再立案" in again and 'name="power"' not in again
    refused = client.post(reverse("enforcement:lead_file", args=[lead.pk]), {"power": power.pk, "title": "再立"})
    assert refused.status_code == 409 and Case.objects.count() == 1


def test_a_power_the_township_does_not_hold_is_refused_with_the_reason_shown(
    client, squad_leader, home_township, power, department
):
    outside = ef.PenaltyPowerFactory(department=department, name="对无照经营的处罚")
    lead = ef.lead(home_township, squad_leader, summary="无照经营", power=outside)
    login(client, squad_leader)
    page = client.get(reverse("enforcement:lead", args=[lead.pk])).content.decode()
    assert outside.name in page  # named as the lead's power, but not offered: the leader must choose
    assert _option(outside) not in page and '<option value="" selected>' in page and _option(power) in page
    refused = client.post(reverse("enforcement:lead_file", args=[lead.pk]), {"power": outside.pk, "title": "无照案"})
    assert refused.status_code == 400 and not Case.objects.exists()
    body = refused.content.decode()
    assert "请选择处罚事项并填写案由。" in body  # the message, as before
    assert 'class="invalid-feedback d-block" id="id_power_errors"' in body  # and the field's own error
    assert 'value="无照案"' in body and _option(outside) not in body  # what was typed is kept; still not offered
    missing = client.post(reverse("enforcement:lead_file", args=[lead.pk]), {"power": power.pk, "title": ""})
    assert missing.status_code == 400 and "请选择处罚事项并填写案由。" in missing.content.decode()
    assert not Case.objects.exists()
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW


def test_the_lead_page_is_for_the_townships_squad_leader(client, squad_leader, officer, other_leader, home_township):
    lead = ef.lead(home_township, squad_leader, summary="夜间施工噪声")
    url = reverse("enforcement:lead", args=[lead.pk])
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    login(client, officer)
    assert client.get(url).status_code == 403
    login(client, other_leader)
    refused = client.get(url)
    assert refused.status_code == 404 and "夜间施工噪声" not in refused.content.decode()
