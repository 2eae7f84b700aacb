"""Assessment metrics of the enforcement app, found by the kernel (`ruian.assessment`, autodiscovered).

Timeliness is read from the kernel's clocks (the 90-day decision clock, the transfer acceptance clock):
a clock stopped before its due moment was met. Each `compute` is one grouped query for all subjects.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from enforcement.models import Case, CaseOfficer, Transfer, TransferDirection
from enforcement.services import DECISION, TRANSFER_ACCEPTANCE
from ruian.assessment import Measure, Record, register_metric
from ruian.clocks import ClockStatus, Deadline

DRILL_DOWN_LIMIT = 500


def _clock(model, kind: str, outer: str):
    """The latest stopped clock of `kind` of the object `outer` points at (a subquery)."""
    return Deadline.objects.filter(
        content_type=ContentType.objects.get_for_model(model),
        kind=kind,
        object_id=OuterRef(outer),
        status=ClockStatus.STOPPED,
    ).order_by("-stopped_at")


def _case_url(case_id) -> str:
    return reverse("enforcement:case", args=[case_id])


# --- cases closed (clearance) -------------------------------------------------------------------------


def _clearance(queryset, group: str, period):
    """Cases closed in the period, over those closed in it plus those still open at its end."""
    rows = (
        queryset.filter(filed_on__lte=period.last)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=period.first))
        .values(group)
        .annotate(
            closed=Count("id", filter=Q(closed_on__gte=period.first, closed_on__lte=period.last)),
            open=Count("id", filter=Q(closed_on__isnull=True) | Q(closed_on__gt=period.last)),
        )
        .order_by()
    )
    return {row[group]: Measure(row["closed"], row["closed"] + row["open"]) for row in rows}


def _clearance_records(queryset, period, limit, case_path=""):
    prefix = f"{case_path}__" if case_path else ""
    rows = (
        queryset.filter(**{f"{prefix}filed_on__lte": period.last})
        .filter(Q(**{f"{prefix}closed_on__isnull": True}) | Q(**{f"{prefix}closed_on__gte": period.first}))
        .values(
            c_pk=F(f"{prefix}id"),
            c_number=F(f"{prefix}number"),
            c_title=F(f"{prefix}title"),
            c_closed=F(f"{prefix}closed_on"),
        )
        .order_by(F("c_closed").asc(nulls_last=True), "c_number")[:limit]
    )
    records = []
    for row in rows:
        closed = row["c_closed"] is not None and row["c_closed"] <= period.last
        records.append(
            Record(
                label=f"{row['c_number']} {row['c_title']}",
                url=_case_url(row["c_pk"]),
                good=closed,
                note=str(_("已结案 %(day)s") % {"day": row["c_closed"]}) if closed else str(_("未结案")),
            )
        )
    return records


def township_closed(ids, period):
    return _clearance(Case.objects.filter(township_id__in=ids), "township", period)


def township_closed_records(subject_id, period, limit=DRILL_DOWN_LIMIT):
    return _clearance_records(Case.objects.filter(township_id=subject_id), period, limit)


def officer_closed(ids, period):
    assignments = CaseOfficer.objects.filter(officer_id__in=ids, removed_at__isnull=True)
    return _clearance(
        assignments.annotate(filed_on=F("case__filed_on"), closed_on=F("case__closed_on")), "officer", period
    )


def officer_closed_records(subject_id, period, limit=DRILL_DOWN_LIMIT):
    assignments = CaseOfficer.objects.filter(officer_id=subject_id, removed_at__isnull=True)
    return _clearance_records(assignments, period, limit, case_path="case")


# --- decided within the 90 days (Art 60 APL) ---------------------------------------------------------


def _on_time(queryset, group: str, case_field: str, period):
    clock = _clock(Case, DECISION, case_field)
    rows = (
        queryset.annotate(stopped=Subquery(clock.values("stopped_at")[:1]), due=Subquery(clock.values("due_at")[:1]))
        .filter(stopped__gte=period.start, stopped__lt=period.end)
        .values(group)
        .annotate(n=Count("id"), ok=Count("id", filter=Q(stopped__lte=F("due"))))
        .order_by()
    )
    return {row[group]: Measure(row["ok"], row["n"]) for row in rows}


def _on_time_records(queryset, case_field: str, period, limit):
    clock = _clock(Case, DECISION, case_field)
    prefix = "case__" if case_field == "case_id" else ""
    rows = (
        queryset.annotate(stopped=Subquery(clock.values("stopped_at")[:1]), due=Subquery(clock.values("due_at")[:1]))
        .filter(stopped__gte=period.start, stopped__lt=period.end)
        .values("stopped", "due", c_pk=F(case_field), c_number=F(f"{prefix}number"), c_title=F(f"{prefix}title"))
        .order_by("c_number")[:limit]
    )
    return [
        Record(
            label=f"{row['c_number']} {row['c_title']}",
            url=_case_url(row["c_pk"]),
            good=row["stopped"] <= row["due"],
            note=str(_("期限内办结")) if row["stopped"] <= row["due"] else str(_("超过办案期限")),
        )
        for row in rows
    ]


def township_on_time(ids, period):
    return _on_time(Case.objects.filter(township_id__in=ids), "township", "pk", period)


def township_on_time_records(subject_id, period, limit=DRILL_DOWN_LIMIT):
    return _on_time_records(Case.objects.filter(township_id=subject_id), "pk", period, limit)


def officer_on_time(ids, period):
    return _on_time(
        CaseOfficer.objects.filter(officer_id__in=ids, removed_at__isnull=True), "officer", "case_id", period
    )


def officer_on_time_records(subject_id, period, limit=DRILL_DOWN_LIMIT):
    return _on_time_records(
        CaseOfficer.objects.filter(officer_id=subject_id, removed_at__isnull=True), "case_id", period, limit
    )


# --- transfers answered in time ------------------------------------------------------------------------


def _answered(queryset):
    clock = _clock(Transfer, TRANSFER_ACCEPTANCE, "pk")
    return queryset.filter(direction=TransferDirection.INCOMING).annotate(due=Subquery(clock.values("due_at")[:1]))


def township_transfers(ids, period):
    """Transfers from county departments to the township answered (accepted or returned) in the period,
    within the acceptance limit."""
    rows = (
        _answered(Transfer.objects.filter(township_id__in=ids))
        .filter(answered_at__gte=period.start, answered_at__lt=period.end)
        .values("township")
        .annotate(n=Count("id"), ok=Count("id", filter=Q(due__isnull=True) | Q(answered_at__lte=F("due"))))
        .order_by()
    )
    return {row["township"]: Measure(row["ok"], row["n"]) for row in rows}


def township_transfers_records(subject_id, period, limit=DRILL_DOWN_LIMIT):
    rows = (
        _answered(Transfer.objects.filter(township_id=subject_id))
        .filter(answered_at__gte=period.start, answered_at__lt=period.end)
        .order_by("-answered_at")[:limit]
    )
    url = reverse("enforcement:transfers")
    return [
        Record(
            label=f"{transfer.summary}",
            url=f"{url}#transfer-{transfer.pk}",
            good=transfer.due is None or transfer.answered_at <= transfer.due,
            note=str(transfer.get_status_display()),
        )
        for transfer in rows
    ]


register_metric(
    "enforcement.closed",
    subject="township",
    label=_("执法案件结案率"),
    description=_("考核期内结案的案件,占期内结案与期末未结案件之和的比例。"),
    compute=township_closed,
    records=township_closed_records,
    default_weight=15,
)
register_metric(
    "enforcement.on_time",
    subject="township",
    label=_("案件按期办结率"),
    description=_("考核期内办结的案件中在 90 日办案期限内办结的比例。"),
    compute=township_on_time,
    records=township_on_time_records,
    default_weight=15,
)
register_metric(
    "enforcement.transfers_answered",
    subject="township",
    label=_("移送按时接收率"),
    description=_("县级部门移送乡镇的案件在接收期限内答复(接收或退回)的比例。"),
    compute=township_transfers,
    records=township_transfers_records,
    default_weight=5,
)
register_metric(
    "enforcement.officer_closed",
    subject="officer",
    label=_("承办案件结案率"),
    description=_("承办案件中考核期内结案的比例。"),
    compute=officer_closed,
    records=officer_closed_records,
    default_weight=50,
)
register_metric(
    "enforcement.officer_on_time",
    subject="officer",
    label=_("承办案件按期办结率"),
    description=_("承办案件中在 90 日办案期限内办结的比例。"),
    compute=officer_on_time,
    records=officer_on_time_records,
    default_weight=50,
)
