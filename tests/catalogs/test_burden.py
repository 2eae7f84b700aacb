"""Burden reduction (减负): inspections and assessments imposed on townships must be on the approved yearly plan."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from catalogs import selectors, services
from catalogs.models import ImposedInspection, InspectionPlan, PlannedInspection
from catalogs.states import PLAN_TRANSITIONS, PlanStatus
from ruian.audit import AuditEntry
from tests import factories as f
from tests.conftest import login
from tests.querycount import assert_constant_queries

DAY = datetime.date(2020, 5, 12)


@pytest.fixture
def plan(county, editor):
    plan = services.plan_create(county=county, year=2020, title="2020年度对镇(街道)督查检查考核计划", actor=editor)
    services.plan_add_entry(plan=plan, actor=editor, name="安全生产目标考核", kind="assessment", organiser="县安委办")
    services.plan_add_entry(plan=plan, actor=editor, name="河长制工作督查", kind="supervision", organiser="县河长办")
    return plan


def test_plan_is_approved_once_with_a_document_and_then_read_only(plan, editor):
    with pytest.raises(ValidationError):
        services.plan_approve(plan=plan, actor=editor, document_number=" ")
    services.plan_approve(plan=plan, actor=editor, document_number="东政办发〔2020〕8号")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED and plan.approved_at is not None
    assert AuditEntry.objects.for_object(plan).filter(action="catalogs.inspection_plan.approved").exists()
    with pytest.raises(ValidationError):
        services.plan_add_entry(plan=plan, actor=editor, name="加塞检查", kind="inspection", organiser="县某局")
    with pytest.raises(ValidationError):
        services.plan_approve(plan=plan, actor=editor, document_number="again")
    assert PlannedInspection.objects.filter(plan=plan).count() == 2


def test_transition_table_refuses_every_illegal_move():
    for current in PlanStatus.values:
        for target in PlanStatus.values:
            allowed = target in PLAN_TRANSITIONS[current]
            assert allowed == (current == PlanStatus.DRAFT and target == PlanStatus.APPROVED)


def test_empty_plan_and_second_plan_of_a_year_are_refused(county, editor):
    empty = services.plan_create(county=county, year=2021, title="空计划", actor=editor)
    with pytest.raises(ValidationError):
        services.plan_approve(plan=empty, actor=editor, document_number="x")
    with pytest.raises(ValidationError):
        services.plan_create(county=county, year=2021, title="重复", actor=editor)
    assert InspectionPlan.objects.filter(year=2021).count() == 1


def test_inspections_on_the_plan_match_and_others_are_flagged(plan, editor, home_township):
    services.plan_approve(plan=plan, actor=editor, document_number="东政办发〔2020〕8号")
    matched = services.inspection_record(
        township=home_township,
        actor=editor,
        name="安全生产目标考核",
        kind="assessment",
        organiser="县安委办",
        held_on=DAY,
    )
    assert matched.on_plan and matched.planned.name == "安全生产目标考核"
    flagged = services.inspection_record(
        township=home_township, actor=editor, name="创卫专项检查", kind="inspection", organiser="县爱卫办", held_on=DAY
    )
    assert not flagged.on_plan
    assert AuditEntry.objects.for_object(flagged).filter(action="catalogs.inspection.unplanned").exists()
    # The same inspection in a year without an approved plan is not on any plan either.
    other_year = services.inspection_record(
        township=home_township,
        actor=editor,
        name="安全生产目标考核",
        kind="assessment",
        organiser="县安委办",
        held_on=datetime.date(2021, 3, 1),
    )
    assert not other_year.on_plan
    figures = selectors.inspection_plans_for(editor).get(pk=plan.pk)
    assert (figures.planned_count, figures.held_count, figures.unplanned_count) == (2, 2, 1)


def test_naming_an_entry_of_another_plan_is_refused_and_nothing_saved(plan, editor, home_township):
    draft_entry = plan.entries.first()  # the plan is not approved yet
    with pytest.raises(ValidationError):
        services.inspection_record(
            township=home_township,
            actor=editor,
            name="x",
            kind="inspection",
            organiser="y",
            held_on=DAY,
            planned=draft_entry,
        )
    assert not ImposedInspection.objects.exists()


def test_clerks_and_other_counties_editors_are_refused(plan, clerk, home_township):
    other = f.OrganisationFactory(
        division=f.county("320621000000", "海安市"), kind="county_department", name="海安编办"
    )
    stranger = f.staff_user("stranger", "county_editor", other)
    for user in (clerk, stranger):
        with pytest.raises(PermissionDenied):
            services.plan_add_entry(plan=plan, actor=user, name="x", kind="inspection", organiser="y")
        with pytest.raises(PermissionDenied):
            services.inspection_record(
                township=home_township, actor=user, name="x", kind="inspection", organiser="y", held_on=DAY
            )


def test_editor_pages_build_approve_and_flag(client, editor, county, home_township):
    login(client, editor)
    response = client.post(
        reverse("catalogs:burden_plans"), {"county": county.pk, "year": 2020, "title": "2020年度计划"}
    )
    plan = InspectionPlan.objects.get()
    url = reverse("catalogs:burden_plan", args=[plan.pk])
    assert response["Location"] == url
    entry = {"form": "entry", "name": "安全生产目标考核", "kind": "assessment", "organiser": "县安委办"}
    assert client.post(url, entry).status_code == 302
    response = client.post(url, {**entry, "kind": ""})
    assert response.status_code == 200 and PlannedInspection.objects.count() == 1
    assert client.post(url, {"form": "approve", "document_number": "东政办发〔2020〕8号"}).status_code == 302
    record = {"form": "record", "township": home_township.pk, "held_on": "2020-06-01", "kind": "inspection"}
    response = client.post(url, {**record, "name": "创卫专项检查", "organiser": "县爱卫办"}, follow=True)
    assert "已标记为计划外" in response.content.decode()
    body = client.get(url).content.decode()
    assert 'data-testid="planned-count">1<' in body and 'data-testid="unplanned-count">1<' in body
    body = client.get(reverse("catalogs:burden_plans")).content.decode()
    assert "创卫专项检查" in body  # listed among the recent unplanned ones
    assert client.post(url, {"form": "remove", "entry": "abc"}).status_code == 404


def test_plan_list_costs_a_fixed_number_of_queries(client, editor, county):
    login(client, editor)
    years = iter(range(2000, 3000))

    def grow(n):
        for _ in range(n):
            plan = InspectionPlan.objects.create(county=county, year=next(years), title="计划")
            PlannedInspection.objects.create(plan=plan, name="考核", kind="assessment", organiser="县委办")

    assert_constant_queries(lambda: client.get(reverse("catalogs:burden_plans")), grow, small=2, large=40)


def test_api_plan_entries_approve_and_flagged_inspections(client, editor, county, home_township):
    login(client, editor)
    plans = reverse("api:catalogs:inspection-plan-list")
    created = client.post(plans, {"county": county.code, "year": 2020, "title": "2020年度计划"}, "application/json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    entries = reverse("api:catalogs:inspection-plan-entries", args=[pk])
    body = {"name": "安全生产目标考核", "kind": "assessment", "organiser": "县安委办"}
    assert client.post(entries, body, "application/json").status_code == 201
    assert client.post(entries, {**body, "kind": "party"}, "application/json").status_code == 400
    approve = reverse("api:catalogs:inspection-plan-approve", args=[pk])
    assert client.post(approve, {}, "application/json").status_code == 400
    approved = client.post(approve, {"document_number": "东政办发〔2020〕8号"}, "application/json").json()
    assert approved["status"] == "approved" and approved["planned_count"] == 1
    assert client.post(entries, body, "application/json").status_code == 400  # approved: read-only
    held = reverse("api:catalogs:imposed-inspection-list")
    record = {"township": home_township.code, "kind": "inspection", "held_on": "2020-06-01"}
    assert (
        client.post(held, {**record, "name": "创卫检查", "organiser": "县爱卫办"}, "application/json").json()["on_plan"]
        is False
    )
    flagged = client.get(held, {"on_plan": "false", "year": 2020}).json()
    assert [row["name"] for row in flagged["results"]] == ["创卫检查"]
    assert client.get(held, {"on_plan": "maybe"}).status_code == 400
    assert client.get(plans).json()["results"][0]["unplanned_count"] == 1
