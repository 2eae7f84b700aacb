"""Assessment: scorecards from the apps' records, weights that must add up to 100, ranking, drill-down,
export, API, and a fixed number of queries whatever the data size."""

import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from ruian import assessment
from ruian.apiclients import issue_token
from ruian.assessment import MetricWeight, Period
from ruian.audit import AuditEntry
from tests.conftest import login
from tests.mechanisms.conftest import PERIOD, applications, cases, events, workers
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db
NOVEMBER = Period.parse(PERIOD)


def _cell(card, label, metric):
    row = next(row for row in card.rows if row.label == label)
    return next(cell for cell in row.cells if cell.metric.key == metric)


def test_every_subject_kind_has_metrics_from_the_apps_and_weights_adding_up_to_100(db):
    assert {"township", "stationed_unit", "officer", "grid_worker"} <= set(assessment.SUBJECTS)
    assert {"approvals.on_time", "enforcement.on_time", "grids.on_time", "grids.unit_drills"} <= set(assessment.METRICS)
    for subject in assessment.SUBJECTS:
        assert sum(assessment.weights_for(subject).values()) == 100, subject


def test_township_scorecard_is_computed_from_the_records(
    home_township, other_township, power, squad_leader, grid, category, leader, editor
):
    applications(home_township, power, 3)
    applications(home_township, power, 1, overdue=True)
    applications(other_township, power, 2, overdue=True)
    cases(home_township, power, squad_leader, 2)
    cases(home_township, power, squad_leader, 1, on_time=False)
    events(grid, category, 2)
    events(grid, category, 2, on_time=False)

    card = assessment.scorecard(editor, "township", NOVEMBER)
    assert _cell(card, "长沙镇", "approvals.on_time").measure == assessment.Measure(3, 4)
    assert _cell(card, "长沙镇", "enforcement.on_time").measure == assessment.Measure(2, 3)
    assert _cell(card, "长沙镇", "grids.on_time").measure == assessment.Measure(2, 4)
    assert _cell(card, "大豫镇", "approvals.on_time").value == 0.0
    assert [row.label for row in card.rows if row.rank] == ["长沙镇", "大豫镇"]
    # A township leader sees only their own township.
    assert [row.label for row in assessment.scorecard(leader, "township", NOVEMBER).rows] == ["长沙镇"]
    # A month before any of it: nothing measured, not ranked.
    (row, _other) = assessment.scorecard(editor, "township", Period.parse("2026-09")).rows
    assert row.score is None and row.rank == 0


def test_the_score_is_the_weighted_mean_of_what_was_measured(home_township, power, editor):
    applications(home_township, power, 1)
    applications(home_township, power, 1, overdue=True)
    weights = {m.key: 0 for m in assessment.metrics_of("township")}
    weights |= {"approvals.on_time": 60, "enforcement.on_time": 40}
    assessment.set_weights(subject="township", weights=weights, actor=editor)
    card = assessment.scorecard(editor, "township", NOVEMBER)
    # Only the approvals metric has data: its 50% is the whole score.
    assert next(row for row in card.rows if row.label == "长沙镇").score == 50.0


def test_weights_that_do_not_add_up_are_refused_and_nothing_is_saved(editor):
    weights = dict(assessment.weights_for("township"))
    weights["approvals.on_time"] += 1
    with pytest.raises(ValidationError) as error:
        assessment.set_weights(subject="township", weights=weights, actor=editor)
    assert "100%" in str(error.value) and "101" in str(error.value)
    assert not MetricWeight.objects.exists()
    assert not AuditEntry.objects.filter(action="ruian.assessment.weights_changed").exists()


def test_editor_sets_weights_on_the_page_audited(client, editor):
    login(client, editor)
    weights = {m.key: 0 for m in assessment.metrics_of("officer")}
    weights["enforcement.officer_on_time"] = 70
    weights["enforcement.officer_closed"] = 20
    bad = client.post(reverse("assessment_weights"), {"subject": "officer", **weights})
    assert bad.status_code == 400 and "90%" in bad.content.decode()
    assert not MetricWeight.objects.exists()
    weights["enforcement.officer_closed"] = 30
    assert client.post(reverse("assessment_weights"), {"subject": "officer", **weights}).status_code == 302
    assert assessment.weights_for("officer") == weights
    entry = AuditEntry.objects.get(action="ruian.assessment.weights_changed")
    assert entry.actor == editor and entry.data["to"] == weights


def test_only_county_editors_change_weights(client, api, leader):
    login(client, leader)
    weights = dict(assessment.weights_for("officer"))
    assert client.post(reverse("assessment_weights"), {"subject": "officer", **weights}).status_code == 403
    api.force_authenticate(leader)
    assert api.put("/api/v1/assessment/weights/officer/", {"weights": weights}).status_code == 403


def test_api_weights_refuse_a_bad_total_with_a_clear_error(api, editor):
    api.force_authenticate(editor)
    response = api.put("/api/v1/assessment/weights/grid_worker/", {"weights": {"grids.worker_reports": 100}})
    assert response.status_code == 400 and "grids.worker_on_time" in response.json()["error"]["message"]
    weights = {"grids.worker_reports": 50, "grids.worker_on_time": 30, "grids.worker_verification": 30}
    response = api.put("/api/v1/assessment/weights/grid_worker/", {"weights": weights})
    assert response.status_code == 400 and "110" in response.json()["error"]["message"]
    assert not MetricWeight.objects.exists()
    weights["grids.worker_verification"] = 20
    assert api.put("/api/v1/assessment/weights/grid_worker/", {"weights": weights}).json()["weights"] == weights
    assert api.get("/api/v1/assessment/weights/grid_worker/").json()["weights"] == weights


def test_stationed_unit_combines_the_township_and_department_scores(police, grid, category, editor, leader, settings):
    from ruian.organisations import update_organisation

    events(grid, category, 2, unit=police)
    assessment.record_department_score(unit=police, period=PERIOD, score=60, actor=editor)
    (row,) = assessment.scorecard(leader, "stationed_unit", NOVEMBER).rows
    assert row.score == 100.0 and row.department_score == 60.0
    assert row.combined == 80.0  # 50% township (Rudong) + 50% department
    update_organisation(organisation=police, township_share="0.60", actor=editor)
    (row,) = assessment.scorecard(leader, "stationed_unit", NOVEMBER).rows
    assert row.combined == 84.0  # Dezhou: 60% township
    with pytest.raises(ValidationError):
        assessment.combined_score(township_score=100, department_score=60, township_share="0.45")
    assert AuditEntry.objects.filter(action="ruian.assessment.department_score_recorded").count() == 1


def test_ranking_page_drill_down_and_export(client, leader, home_township, other_township, power):
    applications(home_township, power, 2)
    (late,) = applications(home_township, power, 1, overdue=True)
    (foreign,) = applications(other_township, power, 1)
    login(client, leader)
    page = client.get(reverse("assessment"), {"subject": "township", "period": PERIOD}).content.decode()
    assert "长沙镇" in page and "大豫镇" not in page and "(2/3)" in page
    url = reverse("assessment_drill_down", args=["township", home_township.pk, "approvals.on_time"])
    detail = client.get(url, {"period": PERIOD}).content.decode()
    assert reverse("approvals:detail", args=[late.number]) in detail and foreign.number not in detail
    other = reverse("assessment_drill_down", args=["township", other_township.pk, "approvals.on_time"])
    assert client.get(other, {"period": PERIOD}).status_code == 404
    response = client.get(reverse("assessment_export"), {"subject": "township", "period": PERIOD})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[2][1] == "长沙镇" and rows[2][2] == pytest.approx(66.7)
    assert client.get(reverse("assessment"), {"period": "2026-13"}).status_code == 400


def test_pages_are_for_leaders_editors_squad_leaders_and_operators(client, clerk):
    login(client, clerk)
    assert client.get(reverse("assessment")).status_code == 403
    assert client.get(reverse("assessment_export")).status_code == 403


def test_api_scorecard_and_drill_down_with_scopes(api_client_user, home_township, power):
    applications(home_township, power, 1)
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {issue_token(user=api_client_user, name='t', scopes=['assessment:read'])}"
    )
    card = client.get("/api/v1/assessment/scorecard/", {"subject": "township", "period": PERIOD}).json()
    (row,) = [row for row in card["rows"] if row["label"] == "长沙镇"]
    measure = next(m for m in row["measures"] if m["metric"] == "approvals.on_time")
    assert (measure["numerator"], measure["denominator"], row["rank"]) == (1, 1, 1)
    detail = client.get(
        "/api/v1/assessment/drill-down/",
        {"subject": "township", "subject_id": home_township.pk, "metric": "approvals.on_time", "period": PERIOD},
    ).json()
    assert len(detail["records"]) == 1 and detail["records"][0]["url"].startswith("/approvals/a/")
    assert client.get("/api/v1/assessment/scorecard/", {"period": "next"}).status_code == 400
    assert client.get("/api/v1/assessment/scorecard/", {"subject": "planet"}).status_code == 400
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user=api_client_user, name='t', scopes=['grids:read'])}")
    assert client.get("/api/v1/assessment/scorecard/").status_code == 403


@pytest.mark.parametrize("subject", ["township", "stationed_unit", "officer", "grid_worker"])
def test_ranking_costs_a_fixed_number_of_queries(
    subject, client, editor, home_township, power, squad_leader, grid, category, police, worker_user
):
    from ruian.organisations import OrgKind
    from ruian.staff import Role
    from tests import factories as f

    squad = f.OrganisationFactory(division=home_township, kind=OrgKind.ENFORCEMENT_SQUAD, name="执法队")

    def grow(n):
        applications(home_township, power, n, department=police)
        cases(home_township, power, squad_leader, n)
        events(grid, category, n, reporter=worker_user, unit=police)
        workers(grid, max(1, n // 100))
        for _ in range(max(1, n // 300)):
            f.staff_user(f"officer{f.UserFactory._meta.model.objects.count()}", Role.OFFICER, squad)

    login(client, editor)
    assert_constant_queries(
        lambda: client.get(reverse("assessment"), {"subject": subject, "period": PERIOD}), grow, small=10, large=400
    )


def test_drills_feed_only_the_drill_metrics(police, home_township, leader, editor):
    from grids.models import Drill, DrillTask
    from tests.mechanisms.conftest import NOW

    drill = Drill.objects.create(
        township=home_township, source="event", source_id=1, source_number="E1", title="演练", started_at=NOW
    )
    DrillTask.objects.create(drill=drill, organisation=police, dispatched_at=NOW, acknowledged_at=NOW)
    other = Drill.objects.create(
        township=home_township, source="event", source_id=2, source_number="E2", title="演练二", started_at=NOW
    )
    DrillTask.objects.create(drill=other, organisation=police, dispatched_at=NOW)
    (row,) = assessment.scorecard(leader, "stationed_unit", NOVEMBER).rows
    measured = {cell.metric.key: cell.measure for cell in row.cells if cell.measure}
    assert measured == {"grids.unit_drills": assessment.Measure(1, 2)}  # no event, whistle or application
    township = next(r for r in assessment.scorecard(editor, "township", NOVEMBER).rows if r.label == "长沙镇")
    assert {c.metric.key for c in township.cells if c.measure} == {"grids.drills"}
    _obj, detail = assessment.drill_down(leader, "stationed_unit", police.pk, "grids.unit_drills", NOVEMBER)
    assert sorted(record.good for record in detail["records"]) == [False, True]


def test_each_metric_is_one_query_for_all_subjects(home_township, other_township, police, worker_user, officer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ids = {
        "township": [home_township.pk, other_township.pk],
        "stationed_unit": [police.pk],
        "officer": [officer.pk],
        "grid_worker": list(worker_user.grid_posts.values_list("pk", flat=True)),
    }
    for metric in assessment.METRICS.values():
        metric.compute(ids[metric.subject], NOVEMBER)  # the first call may fill the content-type cache
        with CaptureQueriesContext(connection) as queries:
            metric.compute(ids[metric.subject], NOVEMBER)
        assert len(queries) == 1, (metric.key, [q["sql"] for q in queries])
