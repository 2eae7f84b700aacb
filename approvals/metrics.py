"""Assessment metrics of the approvals app, found by the kernel (`ruian.assessment`, autodiscovered).

Each `compute` is one grouped query for all subjects of a period; each `records` one query for the
drill-down (the applications behind a score, linked to their pages).
"""

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from approvals.models import BAD_RATINGS, Application
from ruian.assessment import Measure, Record, register_metric

DRILL_DOWN_LIMIT = 500


def _decided(group: str, ids, period):
    """Applications decided in the period, by `group` (the township or the deciding department)."""
    rows = (
        Application.objects.filter(**{f"{group}_id__in": ids}, decided_at__gte=period.start, decided_at__lt=period.end)
        .values(group)
        .annotate(n=Count("id"), late=Count("id", filter=Q(overdue=True)))
        .order_by()
    )
    return {row[group]: Measure(row["n"] - row["late"], row["n"]) for row in rows}


def _decided_records(group: str, subject_id, period, limit):
    rows = (
        Application.objects.filter(
            **{f"{group}_id": subject_id}, decided_at__gte=period.start, decided_at__lt=period.end
        )
        .only("number", "item_name", "overdue")
        .order_by("overdue", "-decided_at")[:limit]
    )
    return [
        Record(
            label=f"{app.number} {app.item_name}",
            url=reverse("approvals:detail", args=[app.number]),
            good=not app.overdue,
            note=str(_("超期")) if app.overdue else str(_("按时")),
        )
        for app in rows
    ]


def township_on_time(ids, period):
    return _decided("township", ids, period)


def township_on_time_records(subject_id, period, limit=DRILL_DOWN_LIMIT):
    return _decided_records("township", subject_id, period, limit)


def township_satisfaction(ids, period):
    """好差评: the mean rating on a 0-1 scale (非常满意 1, 非常不满意 0) over the ratings given in the period."""
    rows = (
        Application.objects.filter(
            township_id__in=ids, rating__rated_at__gte=period.start, rating__rated_at__lt=period.end
        )
        .values("township")
        .annotate(n=Count("id"), points=Sum("rating__level"))
        .order_by()
    )
    return {row["township"]: Measure(row["points"] - row["n"], 4 * row["n"]) for row in rows}


def township_satisfaction_records(subject_id, period, limit=DRILL_DOWN_LIMIT):
    rows = (
        Application.objects.filter(
            township_id=subject_id, rating__rated_at__gte=period.start, rating__rated_at__lt=period.end
        )
        .select_related("rating")
        .only("number", "item_name", "rating__level")
        .order_by("rating__level", "-rating__rated_at")[:limit]
    )
    return [
        Record(
            label=f"{app.number} {app.item_name}",
            url=reverse("approvals:detail", args=[app.number]),
            good=app.rating.level not in BAD_RATINGS,
            note=str(app.rating.get_level_display()),
        )
        for app in rows
    ]


def unit_on_time(ids, period):
    return _decided("department", ids, period)


def unit_on_time_records(subject_id, period, limit=DRILL_DOWN_LIMIT):
    return _decided_records("department", subject_id, period, limit)


register_metric(
    "approvals.on_time",
    subject="township",
    label=_("审批按时办结率"),
    description=_("考核期内作出决定的申请中未超期的比例。"),
    compute=township_on_time,
    records=township_on_time_records,
    default_weight=20,
)
register_metric(
    "approvals.satisfaction",
    subject="township",
    label=_("好差评满意度"),
    description=_("考核期内评价的平均满意程度(非常满意为 100%,非常不满意为 0)。"),
    compute=township_satisfaction,
    records=township_satisfaction_records,
    default_weight=15,
)
register_metric(
    "approvals.unit_on_time",
    subject="stationed_unit",
    label=_("审批按时办结率"),
    description=_("由该派驻机构决定的申请中未超期的比例。"),
    compute=unit_on_time,
    records=unit_on_time_records,
    default_weight=20,
)
