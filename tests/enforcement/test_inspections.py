"""Random inspections (双随机一公开): a replayable draw, conflicts excluded, joint visits, published results."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from enforcement import selectors, services
from enforcement.models import InspectionPlan, InspectionTarget, InspectorConflict
from enforcement.states import IllegalTransition, InspectionPlanStatus
from tests.conftest import login
from tests.enforcement import factories as ef

START, END = datetime.date(2026, 12, 1), datetime.date(2026, 12, 31)


@pytest.fixture
def subjects(home_township):
    return ef.market_subjects(home_township, 30)


@pytest.fixture
def pool(squad_leader, officer, officer2, officer3, expired_officer):
    return [squad_leader, officer, officer2, officer3]


def _plan(township, leader, title="餐饮行业双随机抽查", **extra):
    return services.inspection_plan_create(
        township=township, title=title, starts_on=START, ends_on=END, target_count=5, actor=leader, **extra
    )


def _result(plan):
    return [
        (t.subject_id, sorted(t.inspectors.values_list("pk", flat=True)))
        for t in InspectionTarget.objects.filter(plan=plan).order_by("position")
    ]


def test_draw_records_the_seed_and_replays(home_township, squad_leader, subjects, pool):
    plan = services.inspection_draw(plan=_plan(home_township, squad_leader), actor=squad_leader, seed=20261201)
    assert plan.seed == 20261201 and plan.status == InspectionPlanStatus.DRAWN
    stored = _result(plan)
    assert len(stored) == 5
    replay = [(subject, sorted(inspectors)) for subject, inspectors in services.inspection_replay(plan)]
    assert replay == stored
    with pytest.raises(IllegalTransition):
        services.inspection_draw(plan=plan, actor=squad_leader)


def test_expired_certificates_and_conflicts_are_excluded(
    home_township, squad_leader, officer, subjects, pool, expired_officer
):
    for subject in subjects:
        InspectorConflict.objects.create(inspector=officer, subject=subject, reason="近亲属经营")
    plan = services.inspection_draw(plan=_plan(home_township, squad_leader), actor=squad_leader, seed=7)
    drawn = {pk for _subject, inspectors in _result(plan) for pk in inspectors}
    assert officer.pk not in drawn and expired_officer.pk not in drawn


def test_too_few_inspectors_is_refused(home_township, squad_leader, officer, subjects):
    plan = _plan(home_township, squad_leader, inspectors_per_target=3)
    with pytest.raises(ValidationError):
        services.inspection_draw(plan=plan, actor=squad_leader, seed=1)
    plan.refresh_from_db()
    assert plan.status == InspectionPlanStatus.DRAFT and not plan.targets.exists()


def test_joint_inspections_share_a_visit(home_township, squad_leader, subjects, pool):
    first = services.inspection_draw(plan=_plan(home_township, squad_leader), actor=squad_leader, seed=3)
    second = _plan(home_township, squad_leader, title="食品安全抽查")
    second.target_count = 30
    second.save(update_fields=["target_count"])
    services.inspection_draw(plan=second, actor=squad_leader, seed=4)
    saved = selectors.visits_saved()
    assert saved["targets"] == 35 and saved["visits"] == 30 and saved["saved"] == 5
    shared = InspectionTarget.objects.filter(plan=first).values_list("joint_key", flat=True)
    assert InspectionTarget.objects.filter(plan=second, joint_key__in=list(shared)).count() == 5


def test_results_published_only_when_complete(home_township, squad_leader, subjects, pool):
    plan = services.inspection_draw(plan=_plan(home_township, squad_leader), actor=squad_leader, seed=5)
    with pytest.raises(ValidationError):
        services.inspection_publish(plan=plan, actor=squad_leader)
    for target in plan.targets.all():
        services.inspection_record_result(target=target, result="未发现问题", ok=True, actor=squad_leader)
    plan = services.inspection_publish(plan=plan, actor=squad_leader)
    assert plan.status == InspectionPlanStatus.PUBLISHED and plan.published_at


def test_inspection_pages_plan_draw_record_publish(client, home_township, squad_leader, subjects, pool):
    login(client, squad_leader)
    body = {"title": "页面抽查", "starts_on": START, "ends_on": END, "target_count": 3, "inspectors_per_target": 2}
    response = client.post(reverse("enforcement:inspection_new"), body)
    assert response.status_code == 302
    plan = InspectionPlan.objects.get()
    assert client.post(reverse("enforcement:inspection_act", args=[plan.pk, "publish"])).status_code == 409
    assert client.post(reverse("enforcement:inspection_act", args=[plan.pk, "draw"])).status_code == 302
    plan.refresh_from_db()
    assert str(plan.seed) in client.get(reverse("enforcement:inspection", args=[plan.pk])).content.decode()
    for target in plan.targets.all():
        data = {"target": target.pk, "ok": "1", "result": "证照齐全"}
        assert client.post(reverse("enforcement:inspection_act", args=[plan.pk, "result"]), data).status_code == 302
    assert client.post(reverse("enforcement:inspection_act", args=[plan.pk, "publish"])).status_code == 302
    client.logout()
    assert "证照齐全" in client.get(reverse("enforcement:public_inspections")).content.decode()


def test_the_draw_over_100000_subjects_takes_under_a_second():
    import time

    started = time.monotonic()
    drawn = services.draw(range(100_000), range(200), {(5, 17)}, seed=42, target_count=500, per_target=2)
    assert time.monotonic() - started < 1.0
    assert len(drawn) == 500
    assert drawn == services.draw(range(100_000), range(200), {(5, 17)}, seed=42, target_count=500, per_target=2)
