"""Assessment metrics of the grids app, found by the kernel (`ruian.assessment`, autodiscovered).

Registers the grid worker as a subject, and metrics for townships, stationed units and grid workers:
events handled on time, verification, whistles answered, and drill response times. Drill tasks live in
their own tables (never as events), so a drill cannot leak into the real figures; they only feed the
drill metrics here. Each `compute` is one query for all subjects of a period.
"""

from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from grids.models import DrillTask, Event, GridWorker, WhistleCall
from grids.states import WhistleCallStatus
from ruian.assessment import Measure, Record, register_metric, register_subject
from ruian.audit import AuditEntry
from ruian.divisions import Level
from ruian.permissions import scope_q

DRILL_DOWN_LIMIT = 500
VERIFY_ACTIONS = ["grids.event.verified", "grids.event.verify_failed"]
ANSWERED = [WhistleCallStatus.REPORTED, WhistleCallStatus.RELEASED]


def _event_url(pk) -> str:
    return reverse("grids:event_detail", args=[pk])


def _event_record(event, good, note="") -> Record:
    return Record(label=f"{event.number} {event.description[:40]}", url=_event_url(event.pk), good=good, note=note)


# --- subjects -----------------------------------------------------------------------------------------


def _workers(user):
    return (
        GridWorker.objects.filter(scope_q(user, "grid__division"), is_active=True)
        .select_related("grid", "user")
        .order_by("grid__code", "name")
    )


register_subject(
    "grid_worker",
    label=_("网格员"),
    subjects=_workers,
    subject_label=lambda worker: f"{worker.name}({worker.grid.name})",
)


# --- townships ----------------------------------------------------------------------------------------

# An event's division is its grid's village or community (or the township itself for a dedicated grid
# directly under it): the township is the parent or the division.
TOWNSHIP_OF_EVENT = Case(
    When(division__level=Level.TOWNSHIP, then=F("division_id")),
    default=F("division__parent_id"),
    output_field=IntegerField(),
)


def _in_townships(ids):
    return Q(division_id__in=ids) | Q(division__parent_id__in=ids)


def township_on_time(ids, period):
    rows = (
        Event.objects.filter(_in_townships(ids), fed_back_at__gte=period.start, fed_back_at__lt=period.end)
        .annotate(township=TOWNSHIP_OF_EVENT)
        .values("township")
        .annotate(n=Count("id"), ok=Count("id", filter=Q(handled_on_time=True)))
        .order_by()
    )
    return {row["township"]: Measure(row["ok"], row["n"]) for row in rows}


def _fed_back_records(queryset, period, limit):
    rows = queryset.filter(fed_back_at__gte=period.start, fed_back_at__lt=period.end).order_by(
        "handled_on_time", "-fed_back_at"
    )[:limit]
    return [
        _event_record(e, bool(e.handled_on_time), str(_("按时处置")) if e.handled_on_time else str(_("超时处置")))
        for e in rows
    ]


def township_on_time_records(subject_id, period, limit=DRILL_DOWN_LIMIT):
    return _fed_back_records(Event.objects.filter(_in_townships([subject_id])), period, limit)


def township_verified(ids, period):
    """Events closed in the period whose resolution the grid worker found done at the first check."""
    rows = (
        Event.objects.filter(
            _in_townships(ids), closed_at__gte=period.start, closed_at__lt=period.end, verified_ok__isnull=False
        )
        .annotate(township=TOWNSHIP_OF_EVENT)
        .values("township")
        .annotate(n=Count("id"), ok=Count("id", filter=Q(verified_ok=True)))
        .order_by()
    )
    return {row["township"]: Measure(row["ok"], row["n"]) for row in rows}


def township_verified_records(subject_id, period, limit=DRILL_DOWN_LIMIT):
    rows = Event.objects.filter(
        _in_townships([subject_id]), closed_at__gte=period.start, closed_at__lt=period.end, verified_ok__isnull=False
    ).order_by("verified_ok", "-closed_at")[:limit]
    return [
        _event_record(e, e.verified_ok, str(_("核查通过")) if e.verified_ok else str(_("核查未通过"))) for e in rows
    ]


# --- stationed units --------------------------------------------------------------------------------


def unit_on_time(ids, period):
    rows = (
        Event.objects.filter(unit_id__in=ids, fed_back_at__gte=period.start, fed_back_at__lt=period.end)
        .values("unit")
        .annotate(n=Count("id"), ok=Count("id", filter=Q(handled_on_time=True)))
        .order_by()
    )
    return {row["unit"]: Measure(row["ok"], row["n"]) for row in rows}


def unit_on_time_records(subject_id, period, limit=DRILL_DOWN_LIMIT):
    return _fed_back_records(Event.objects.filter(unit_id=subject_id), period, limit)


def unit_whistles(ids, period):
    """吹哨报到: whistle calls to the unit in the period that it answered (reported) in time."""
    rows = (
        WhistleCall.objects.filter(
            organisation_id__in=ids, whistle__created_at__gte=period.start, whistle__created_at__lt=period.end
        )
        .values("organisation")
        .annotate(n=Count("id"), ok=Count("id", filter=Q(status__in=ANSWERED)))
        .order_by()
    )
    return {row["organisation"]: Measure(row["ok"], row["n"]) for row in rows}


def unit_whistles_records(subject_id, period, limit=DRILL_DOWN_LIMIT):
    rows = (
        WhistleCall.objects.filter(
            organisation_id=subject_id, whistle__created_at__gte=period.start, whistle__created_at__lt=period.end
        )
        .select_related("whistle__event")
        .order_by("-whistle__created_at")[:limit]
    )
    return [_event_record(c.whistle.event, c.status in ANSWERED, str(c.get_status_display())) for c in rows]


# --- grid workers -----------------------------------------------------------------------------------


def _count(queryset, outer: str, inner: str):
    """A correlated COUNT subquery: rows of `queryset` whose `inner` equals the outer row's `outer`."""
    return Coalesce(
        Subquery(
            queryset.filter(**{inner: OuterRef(outer)}).order_by().values(inner).annotate(c=Count("*")).values("c")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def worker_reports(ids, period):
    """Events reported by the worker, against the most active worker in the same list."""
    reports = Event.objects.filter(reported_at__gte=period.start, reported_at__lt=period.end)
    rows = list(
        GridWorker.objects.filter(pk__in=ids).annotate(n=_count(reports, "user_id", "reporter_id")).values("pk", "n")
    )
    most = max([row["n"] for row in rows] + [1])
    return {row["pk"]: Measure(row["n"], most) for row in rows}


def worker_reports_records(subject_id, period, limit=DRILL_DOWN_LIMIT):
    rows = Event.objects.filter(
        reporter_id__in=GridWorker.objects.filter(pk=subject_id).values("user_id"),
        reported_at__gte=period.start,
        reported_at__lt=period.end,
    ).order_by("-reported_at")[:limit]
    return [_event_record(e, True, str(e.get_status_display())) for e in rows]


def worker_on_time(ids, period):
    """Events of the worker's grid handled on time (the grid's events are the worker's responsibility)."""
    fed_back = Event.objects.filter(fed_back_at__gte=period.start, fed_back_at__lt=period.end)
    rows = (
        GridWorker.objects.filter(pk__in=ids)
        .annotate(
            n=_count(fed_back, "grid_id", "grid_id"),
            ok=_count(fed_back.filter(handled_on_time=True), "grid_id", "grid_id"),
        )
        .values("pk", "n", "ok")
    )
    return {row["pk"]: Measure(row["ok"], row["n"]) for row in rows if row["n"]}


def worker_on_time_records(subject_id, period, limit=DRILL_DOWN_LIMIT):
    grid = GridWorker.objects.filter(pk=subject_id).values("grid_id")
    return _fed_back_records(Event.objects.filter(grid_id__in=grid), period, limit)


def worker_verification(ids, period):
    """Verifications (核查) the worker did, over the events of the grid fed back for checking."""
    fed_back = Event.objects.filter(fed_back_at__gte=period.start, fed_back_at__lt=period.end)
    checks = AuditEntry.objects.filter(
        action__in=VERIFY_ACTIONS, created_at__gte=period.start, created_at__lt=period.end
    )
    rows = (
        GridWorker.objects.filter(pk__in=ids)
        .annotate(n=_count(fed_back, "grid_id", "grid_id"), ok=_count(checks, "user_id", "actor_id"))
        .values("pk", "n", "ok")
    )
    return {row["pk"]: Measure(min(row["ok"], row["n"]), row["n"]) for row in rows if row["n"]}


def worker_verification_records(subject_id, period, limit=DRILL_DOWN_LIMIT):
    rows = AuditEntry.objects.filter(
        actor_id__in=GridWorker.objects.filter(pk=subject_id).values("user_id"),
        action__in=VERIFY_ACTIONS,
        created_at__gte=period.start,
        created_at__lt=period.end,
    ).order_by("-created_at")[:limit]
    return [
        Record(
            label=entry.object_repr,
            url=_event_url(entry.object_id),
            good=entry.action == "grids.event.verified",
            note=str(_("核查通过")) if entry.action == "grids.event.verified" else str(_("核查未通过")),
        )
        for entry in rows
    ]


# --- drills (联调联试): the share of drill copies the unit responded to --------------------------------
# Drills started in the period count, as in `grids.selectors.drill_response_times` (the grids app's own
# figures), which the stationed units' metric uses directly.


def _drill_tasks(period):
    return DrillTask.objects.filter(drill__started_at__gte=period.start, drill__started_at__lt=period.end)


def unit_drills(ids, period):
    from grids.selectors import drill_response_times

    times = drill_response_times(start=period.first, end=period.last, organisations=ids)
    return {unit_id: Measure(row["acknowledged"], row["tasks"]) for unit_id, row in times.items()}


def township_drills(ids, period):
    rows = (
        _drill_tasks(period)
        .filter(drill__township_id__in=ids)
        .values("drill__township")
        .annotate(n=Count("id"), ok=Count("id", filter=Q(acknowledged_at__isnull=False)))
        .order_by()
    )
    return {row["drill__township"]: Measure(row["ok"], row["n"]) for row in rows}


def _drill_records(queryset, limit):
    rows = queryset.select_related("drill", "organisation").order_by("-dispatched_at")[:limit]
    records = []
    for task in rows:
        seconds = task.acknowledge_seconds
        note = (
            str(_("%(minutes)s 分钟响应") % {"minutes": round(seconds / 60)})
            if seconds is not None
            else str(_("未响应"))
        )
        records.append(
            Record(
                label=f"{task.drill.title} · {task.organisation.name}",
                url=reverse("grids:drill_detail", args=[task.drill_id]),
                good=seconds is not None,
                note=note,
            )
        )
    return records


def unit_drills_records(subject_id, period, limit=DRILL_DOWN_LIMIT):
    return _drill_records(_drill_tasks(period).filter(organisation_id=subject_id), limit)


def township_drills_records(subject_id, period, limit=DRILL_DOWN_LIMIT):
    return _drill_records(_drill_tasks(period).filter(drill__township_id=subject_id), limit)


register_metric(
    "grids.on_time",
    subject="township",
    label=_("网格事件按时处置率"),
    description=_("考核期内反馈的事件中按时处置的比例。"),
    compute=township_on_time,
    records=township_on_time_records,
    default_weight=15,
)
register_metric(
    "grids.verified",
    subject="township",
    label=_("事件核查通过率"),
    description=_("考核期内结案的事件中网格员核查一次通过的比例。"),
    compute=township_verified,
    records=township_verified_records,
    default_weight=10,
)
register_metric(
    "grids.unit_on_time",
    subject="stationed_unit",
    label=_("派单按时处置率"),
    description=_("派给该单位、考核期内反馈的事件中按时处置的比例。"),
    compute=unit_on_time,
    records=unit_on_time_records,
    default_weight=30,
)
register_metric(
    "grids.unit_whistles",
    subject="stationed_unit",
    label=_("吹哨报到率"),
    description=_("考核期内吹哨点名该单位、已按时报到的比例。"),
    compute=unit_whistles,
    records=unit_whistles_records,
    default_weight=30,
)
register_metric(
    "grids.worker_reports",
    subject="grid_worker",
    label=_("事件上报"),
    description=_("上报事件数,与名单中上报最多的网格员相比。"),
    compute=worker_reports,
    records=worker_reports_records,
    default_weight=30,
)
register_metric(
    "grids.worker_on_time",
    subject="grid_worker",
    label=_("网格事件按时处置"),
    description=_("本网格考核期内反馈的事件中按时处置的比例。"),
    compute=worker_on_time,
    records=worker_on_time_records,
    default_weight=40,
)
register_metric(
    "grids.worker_verification",
    subject="grid_worker",
    label=_("核查"),
    description=_("网格员核查的次数,占本网格反馈待核查事件的比例。"),
    compute=worker_verification,
    records=worker_verification_records,
    default_weight=30,
)
register_metric(
    "grids.drills",
    subject="township",
    label=_("联调联试响应"),
    description=_("本镇组织的演练中,各单位响应演练派单的比例(演练数据不计入其他指标)。"),
    compute=township_drills,
    records=township_drills_records,
    default_weight=5,
)
register_metric(
    "grids.unit_drills",
    subject="stationed_unit",
    label=_("联调联试响应"),
    description=_("派给该单位的演练派单中已响应的比例;明细列出每次的响应用时。"),
    compute=unit_drills,
    records=unit_drills_records,
    default_weight=20,
)
