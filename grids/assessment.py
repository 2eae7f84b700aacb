"""Monthly assessment: grid workers (reports, on-time handling, verification) and stationed units.

Read-only and set-based: a month's figures for every worker in the user's scope cost a fixed number of
queries. Weights and the township's least share of a stationed unit's score are settings (grids.conf).
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from grids import conf
from grids.models import Event, GridWorker, WhistleCall
from grids.states import WhistleCallStatus
from ruian.audit import AuditEntry
from ruian.organisations import Organisation, OrgKind
from ruian.permissions import scope_q


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The month as [start, end) in local time (Asia/Shanghai)."""
    first = month.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return _midnight(first), _midnight(following)


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


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


def _weighted(components: dict[str, float | None]) -> float:
    weights = conf.assessment_weights()
    used = {name: value for name, value in components.items() if value is not None and weights.get(name)}
    total = sum(weights[name] for name in used)
    if not total:
        return 0.0
    return round(100 * sum(weights[name] * value for name, value in used.items()) / total, 1)


def grid_workers(user, month: datetime.date) -> list[WorkerScore]:
    """Each active worker's month: events reported, events of their grid handled on time, verifications.

    Reports are normalised against the most active worker in the list; a component with nothing to
    measure (no events fed back in the grid) is left out of the weighted score rather than counted as 0.
    """
    start, end = month_bounds(month)
    workers = list(
        GridWorker.objects.filter(scope_q(user, "grid__division"), is_active=True)
        .select_related("grid", "user")
        .order_by("grid__code", "name")
    )
    user_ids = [w.user_id for w in workers if w.user_id]
    reports = dict(
        Event.objects.filter(reporter_id__in=user_ids, reported_at__gte=start, reported_at__lt=end)
        .values_list("reporter_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    handled = {
        grid_id: (total, on_time)
        for grid_id, total, on_time in Event.objects.filter(
            grid_id__in={w.grid_id for w in workers}, fed_back_at__gte=start, fed_back_at__lt=end
        )
        .values_list("grid_id")
        .annotate(total=Count("id"), on_time=Count("id", filter=Q(handled_on_time=True)))
        .order_by()
    }
    verifications = dict(
        AuditEntry.objects.filter(
            actor_id__in=user_ids,
            action__in=["grids.event.verified", "grids.event.verify_failed"],
            created_at__gte=start,
            created_at__lt=end,
        )
        .values_list("actor_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    most = max([reports.get(w.user_id, 0) for w in workers] + [1])
    scores = []
    for worker in workers:
        fed_back, on_time = handled.get(worker.grid_id, (0, 0))
        row = WorkerScore(
            worker=worker,
            reports=reports.get(worker.user_id, 0),
            fed_back=fed_back,
            on_time=on_time,
            verifications=verifications.get(worker.user_id, 0),
            score=0.0,
        )
        row.score = _weighted(
            {"reports": row.reports / most, "on_time": row.on_time_rate, "verification": row.verification_rate}
        )
        scores.append(row)
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
    start, end = month_bounds(month)
    units = list(
        Organisation.objects.filter(scope_q(user, "division"), kind=OrgKind.STATIONED_UNIT, is_active=True).order_by(
            "division__code", "name"
        )
    )
    ids = [u.pk for u in units]
    handled = {
        unit_id: (total, on_time)
        for unit_id, total, on_time in Event.objects.filter(
            unit_id__in=ids, fed_back_at__gte=start, fed_back_at__lt=end
        )
        .values_list("unit_id")
        .annotate(total=Count("id"), on_time=Count("id", filter=Q(handled_on_time=True)))
        .order_by()
    }
    answered = {
        unit_id: (total, acknowledged)
        for unit_id, total, acknowledged in WhistleCall.objects.filter(
            organisation_id__in=ids, whistle__created_at__gte=start, whistle__created_at__lt=end
        )
        .values_list("organisation_id")
        .annotate(
            total=Count("id"),
            acknowledged=Count("id", filter=Q(status__in=[WhistleCallStatus.REPORTED, WhistleCallStatus.RELEASED])),
        )
        .order_by()
    }
    rows = []
    for unit in units:
        dispatched, on_time = handled.get(unit.pk, (0, 0))
        calls, acknowledged = answered.get(unit.pk, (0, 0))
        parts = (on_time / dispatched if dispatched else None, acknowledged / calls if calls else None)
        measured = [part for part in parts if part is not None]
        township = round(100 * sum(measured) / len(measured), 1) if measured else 0.0
        rows.append(UnitScore(unit, dispatched, on_time, calls, acknowledged, township))
    return rows


def combined_unit_score(*, township_score: float, department_score: float, township_weight: float | None = None):
    """A stationed unit's score: the township's assessment weighs at least the configured share (Rudong 50%,
    Dezhou 60%); the home department's assessment makes up the rest."""
    least = conf.township_share()
    weight = least if township_weight is None else township_weight
    if not least <= weight <= 1:
        raise ValidationError(
            _("乡镇(街道)评分权重不得低于 %(least)s。") % {"least": f"{least:.0%}"}, code="township_share"
        )
    return round(weight * township_score + (1 - weight) * department_score, 1)
