import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from grids import assessment, services
from tests.conftest import login

pytestmark = pytest.mark.django_db


def _finish(event, operator, unit_staff, grid_worker, unit):
    services.register_event(event=event, actor=operator)
    services.dispatch_event(event=event, unit=unit, actor=operator)
    services.accept_event(event=event, actor=unit_staff)
    services.feed_back_event(event=event, actor=unit_staff, result="好了")
    services.verify_event(event=event, actor=grid_worker, ok=True)


def test_worker_scores_count_reports_on_time_handling_and_verification(
    report, operator, unit, unit_staff, grid_worker, police, settings
):
    _finish(report(), operator, unit_staff, grid_worker, unit)
    report(description="另一件")
    (row,) = assessment.grid_workers(operator, timezone.localdate())
    assert (row.reports, row.fed_back, row.on_time, row.verifications) == (2, 1, 1, 1)
    assert row.score == 100.0
    (unit_row,) = assessment.stationed_units(operator, timezone.localdate())
    assert unit_row.unit == police and unit_row.township_score == 0.0


def test_township_share_is_a_floor(settings):
    assert assessment.combined_unit_score(township_score=80, department_score=60) == 70.0
    assert assessment.combined_unit_score(township_score=80, department_score=60, township_weight=0.6) == 72.0
    with pytest.raises(ValidationError):
        assessment.combined_unit_score(township_score=80, department_score=60, township_weight=0.4)
    settings.GRID_TOWNSHIP_ASSESSMENT_SHARE = 0.6
    assert assessment.combined_unit_score(township_score=80, department_score=60) == 72.0


def test_assessment_page(client, operator, grid_worker):
    login(client, operator)
    page = client.get(reverse("grids:assessment"), {"month": "2026-11"}).content.decode()
    assert "冒永兵" in page and "2026-11" in page
    # the weights shown are the ones the scores use: the kernel's, which county editors set
    assert "事件上报 30%" in page and "网格事件按时处置 40%" in page and "核查 30%" in page
