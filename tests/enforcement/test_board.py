"""The squad leader's board: counts over every open case, a fixed number of queries, colours by clock."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from enforcement import selectors, services
from enforcement.models import Case, CaseOfficer
from enforcement.states import CaseStatus
from ruian.clocks import Deadline
from tests.conftest import login
from tests.enforcement import factories as ef
from tests.querycount import assert_constant_queries


def _bulk_cases(n, township, leader, power, officers, status=CaseStatus.INVESTIGATING, due_in_days=30):
    """Open cases with a decision clock, written in bulk (the services are tested elsewhere)."""
    now = timezone.now()
    start = Case.objects.count()
    rows = Case.objects.bulk_create(
        Case(
            number=f"B-{start + i}",
            township=township,
            power=power,
            title=f"批量案件{start + i}",
            status=status,
            filed_on=datetime.date(2026, 10, 1),
            filed_by=leader,
        )
        for i in range(n)
    )
    content_type = ContentType.objects.get_for_model(Case)
    Deadline.objects.bulk_create(
        Deadline(
            content_type=content_type,
            object_id=case.pk,
            kind=services.DECISION,
            unit="days",
            amount=90,
            started_at=now - datetime.timedelta(days=60),
            yellow_at=now + datetime.timedelta(days=due_in_days - 10),
            due_at=now + datetime.timedelta(days=due_in_days),
        )
        for case in rows
    )
    CaseOfficer.objects.bulk_create(
        CaseOfficer(case=case, officer=officer, assigned_by=leader) for case in rows for officer in officers
    )
    return rows


def test_board_counts_cover_every_open_case_not_only_the_listed_ones(
    client, squad_leader, officers, home_township, power, monkeypatch
):
    monkeypatch.setattr(selectors, "BOARD_CASES", 5)
    _bulk_cases(8, home_township, squad_leader, power, officers)  # green: due in 30 days
    _bulk_cases(3, home_township, squad_leader, power, officers, due_in_days=-1)  # red
    _bulk_cases(2, home_township, squad_leader, power, officers, status=CaseStatus.NOTIFIED, due_in_days=5)
    _bulk_cases(4, home_township, squad_leader, power, officers, status=CaseStatus.CLOSED)
    login(client, squad_leader)
    response = client.get(reverse("enforcement:board"))
    assert response.status_code == 200
    context = response.context
    assert context["open_cases"] == 13
    assert context["colours"] == {"green": 8, "yellow": 2, "red": 3, "grey": 0}
    counts = {status: count for _label, status, _rows, count in context["cases_by_state"]}
    assert counts == {CaseStatus.INVESTIGATING: 11, CaseStatus.NOTIFIED: 2}
    assert sum(len(rows) for _label, _status, rows, _count in context["cases_by_state"]) == 5
    workload = {profile.user_id: profile.open_cases for profile in context["workload"]}
    assert workload == {officers[0].pk: 13, officers[1].pk: 13}
    assert "本状态共 11 件" in response.content.decode()


def test_board_costs_the_same_queries_for_10_and_1000_cases(client, squad_leader, officers, home_township, power):
    login(client, squad_leader)

    def grow(n):
        _bulk_cases(n, home_township, squad_leader, power, officers)
        for _ in range(max(1, n // 100)):
            ef.lead(home_township, squad_leader)

    assert_constant_queries(lambda: client.get(reverse("enforcement:board")), grow)


def test_a_suspended_case_counts_grey(client, squad_leader, officers, home_township, power):
    case = ef.investigating_case(home_township, squad_leader, officers, power=power)
    services.case_suspend(case=case, reason="等待鉴定", actor=squad_leader)
    login(client, squad_leader)
    assert client.get(reverse("enforcement:board")).context["colours"]["grey"] == 1


def test_board_pages_the_open_cases_and_keeps_the_counts(
    client, squad_leader, officers, home_township, power, monkeypatch
):
    monkeypatch.setattr(selectors, "BOARD_CASES", 4)
    cases = _bulk_cases(7, home_township, squad_leader, power, officers)
    cases += _bulk_cases(2, home_township, squad_leader, power, officers, due_in_days=-1)
    login(client, squad_leader)
    newest_first = sorted(cases, key=lambda c: -c.pk)

    def listed(response):
        return [case.pk for _label, _status, rows, _count in response.context["cases_by_state"] for case in rows]

    first = client.get(reverse("enforcement:board"))
    assert listed(first) == [c.pk for c in newest_first[:4]]
    assert first.context["open_cases"] == 9 and first.context["colours"] == {
        "green": 7,
        "yellow": 0,
        "red": 2,
        "grey": 0,
    }
    html = first.content.decode()
    assert "第 1 / 3 页" in html and "?page=2" in html
    assert reverse("enforcement:case", args=[newest_first[0].pk]) in html
    second = client.get(reverse("enforcement:board"), {"page": 2})
    assert listed(second) == [c.pk for c in newest_first[4:8]]
    assert second.context["open_cases"] == 9 and "本状态共 9 件,本页列出 4 件。" in second.content.decode()
    assert listed(client.get(reverse("enforcement:board"), {"page": 99})) == [newest_first[8].pk]
    assert listed(client.get(reverse("enforcement:board"), {"page": "x"})) == listed(first)


def test_board_links_and_labels_of_lead_and_transfer_rows(client, squad_leader, home_township, department):
    lead = ef.lead(home_township, squad_leader, summary="夜间施工噪声")
    sent = ef.lead(home_township, squad_leader, summary="无证经营")
    services.lead_transfer(lead=sent, reason="移送", actor=squad_leader, department=department)
    login(client, squad_leader)
    html = client.get(reverse("enforcement:board")).content.decode()
    assert f'href="{reverse("enforcement:lead", args=[lead.pk])}"' in html  # filed from the lead's own page
    # Each row's buttons post the page's one transfer, hand-over and dismissal form to the row's own URL.
    for form, url in (
        ("lead-transfer", reverse("enforcement:lead_transfer", args=[lead.pk])),
        ("lead-hand-over", reverse("enforcement:lead_act", args=[lead.pk, "hand_over"])),
        ("lead-dismiss", reverse("enforcement:lead_act", args=[lead.pk, "dismiss"])),
    ):
        assert f'form="{form}" formaction="{url}"' in html and html.count(f'<form id="{form}" method="post"') == 1
    assert lead.get_source_display() in html
    transfer = sent.transfers.get()
    assert f"{transfer.get_direction_display()} · {department.name} · 无证经营" in html
    assert transfer.get_status_display() in html
    assert html.count('name="csrfmiddlewaretoken"') >= 4


def test_board_pages_the_new_leads_with_their_total(client, squad_leader, home_township, monkeypatch):
    monkeypatch.setattr(selectors, "BOARD_LEADS", 2)
    leads = [ef.lead(home_township, squad_leader, summary=f"线索{n}") for n in range(5)]
    login(client, squad_leader)
    first = client.get(reverse("enforcement:board"))
    assert first.context["leads_page"].paginator.count == 5 and len(first.context["leads"]) == 2
    assert "新线索 (5)" in first.content.decode() and "leads_page=2" in first.content.decode()
    seen = [
        lead.pk
        for n in (1, 2, 3)
        for lead in client.get(reverse("enforcement:board"), {"leads_page": n}).context["leads"]
    ]
    assert sorted(seen) == sorted(lead.pk for lead in leads)


def test_a_lead_goes_only_to_a_department_of_the_townships_own_county(client, squad_leader, home_township, department):
    from django.core.exceptions import ValidationError

    from tests import factories as f

    elsewhere = ef.department(f.county("320682000000", "如皋市"), name="如皋市市场监督管理局", short_code="rgscj")
    lead = ef.lead(home_township, squad_leader, summary="跨县移送")
    login(client, squad_leader)
    html = client.get(reverse("enforcement:board")).content.decode()
    assert department.name in html and elsewhere.name not in html
    with pytest.raises(ValidationError) as refused:
        services.lead_transfer(lead=lead, reason="移送", actor=squad_leader, department=elsewhere)
    assert "本县" in str(refused.value)
    lead.refresh_from_db()
    assert lead.status == "new"


def test_board_lists_the_departments_and_officers_once_whatever_the_number_of_leads(
    client, squad_leader, officer, officer2, home_township, department
):
    for n in range(5):
        ef.lead(home_township, squad_leader, summary=f"线索{n}")
    login(client, squad_leader)
    html = client.get(reverse("enforcement:board")).content.decode()
    assert html.count(f'<option value="{department.pk}">{department.name}</option>') == 1
    for user in (squad_leader, officer, officer2):
        assert html.count(f'<option value="{user.pk}">{user.last_name}{user.first_name}</option>') == 1
    assert html.count('formaction="/enforcement/leads/') == 5 * 3  # each row: transfer, hand over, dismiss
