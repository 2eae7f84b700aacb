"""The grids' monthly assessment page, folded into the kernel's assessment (`ruian.assessment`).

The figures come from the metrics in `grids.metrics` (one set-based query each), scored with the weights
county editors set for the kernel's scorecards, so the grid page and the assessment ranking always agree.
This module keeps the shapes the grids page shows: a grid worker's month and the township's part of a
stationed unit's score.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from grids import conf, metrics
from grids.models import GridWorker
from ruian import assessment
from ruian.organisations import Organisation


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The month as [start, end) in local time (Asia/Shanghai)."""
    period = assessment.Period("month", month.replace(day=1))
    return period.start, period.end


@dataclass
class WorkerScore:
    worker: GridWorker
    reports: int
    fed_back: int
    on_time: int
    verifications: int
    score: float

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.fed_back if self.fed_back else None

    @property
    def verification_rate(self) -> float | None:
        return min(1.0, self.verifications / self.fed_back) if self.fed_back else None


def _row(card, subject_id):
    return next(row for row in card.rows if row.subject.pk == subject_id)


def _measure(row, key):
    return next((cell.measure for cell in row.cells if cell.metric.key == key), None)


def grid_workers(user, month: datetime.date) -> list[WorkerScore]:
    """Each active worker's month: events reported, events of their grid handled on time, verifications."""
    card = assessment.scorecard(user, "grid_worker", assessment.Period("month", month.replace(day=1)))
    scores = []
    for row in sorted(card.rows, key=lambda r: (r.subject.grid.code, r.subject.name)):
        reports = _measure(row, "grids.worker_reports")
        handled = _measure(row, "grids.worker_on_time")
        checks = _measure(row, "grids.worker_verification")
        scores.append(
            WorkerScore(
                worker=row.subject,
                reports=int(reports.numerator) if reports else 0,
                fed_back=int(handled.denominator) if handled else 0,
                on_time=int(handled.numerator) if handled else 0,
                verifications=int(checks.numerator) if checks else 0,
                score=row.score or 0.0,
            )
        )
    return scores


@dataclass
class UnitScore:
    unit: Organisation
    dispatched: int
    on_time: int
    calls: int
    acknowledged: int
    township_score: float


def stationed_units(user, month: datetime.date) -> list[UnitScore]:
    """The township's part of each stationed unit's score: on-time handling and answering whistles."""
    period = assessment.Period("month", month.replace(day=1))
    units = list(assessment.SUBJECTS["stationed_unit"].subjects(user))
    ids = [unit.pk for unit in units]
    handled = metrics.unit_on_time(ids, period) if ids else {}
    answered = metrics.unit_whistles(ids, period) if ids else {}
    rows = []
    for unit in units:
        dispatched = handled.get(unit.pk)
        calls = answered.get(unit.pk)
        parts = [m.value for m in (dispatched, calls) if m is not None and m.value is not None]
        township = round(100 * sum(parts) / len(parts), 1) if parts else 0.0
        rows.append(
            UnitScore(
                unit,
                int(dispatched.denominator) if dispatched else 0,
                int(dispatched.numerator) if dispatched else 0,
                int(calls.denominator) if calls else 0,
                int(calls.numerator) if calls else 0,
                township,
            )
        )
    return rows


def combined_unit_score(*, township_score: float, department_score: float, township_weight: float | None = None):
    """A stationed unit's score: the township's assessment weighs at least the configured share (Rudong 50%,
    Dezhou 60%); the home department's assessment makes up the rest. The kernel's `TOWNSHIP_ASSESSMENT_SHARE`
    is the rule; the older `GRID_TOWNSHIP_ASSESSMENT_SHARE` is still honoured, the stricter of the two wins."""
    from ruian.organisations import least_township_share

    least = max(float(least_township_share()), float(conf.township_share()))
    weight = least if township_weight is None else township_weight
    if not least <= weight <= 1:
        from django.utils.translation import gettext as _

        raise ValidationError(
            _("乡镇(街道)评分权重不得低于 %(least)s。") % {"least": f"{least:.0%}"}, code="township_share"
        )
    return assessment.combined_score(
        township_score=township_score, department_score=department_score, township_share=weight
    )
