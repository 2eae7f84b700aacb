"""Reads of the enforcement app: permission filtering and select_related, so a page or an API list costs a
fixed number of queries whatever the number of rows."""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enforcement.models import (
    AgendaItem,
    Case,
    CaseOfficer,
    InspectionPlan,
    InspectionTarget,
    JointMeeting,
    Lead,
    LegalReview,
    MeetingDecision,
    MeetingTask,
    Publication,
    QualificationExam,
    ReviewOutcome,
    TrainingSession,
    Transfer,
)
from enforcement.states import OPEN_CASE_STATUSES, CaseStatus, IllegalTransition, LeadStatus, TransferStatus
from ruian.audit import AuditEntry
from ruian.clocks import ClockStatus, Deadline
from ruian.organisations import OrgKind
from ruian.permissions import scope_q
from ruian.staff import Role, StaffProfile, has_role


def _with_clock(qs, model):
    """Annotate each row with its most urgent open clock (kind, yellow, due, status) in the same query."""
    clocks = Deadline.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id=OuterRef("pk")
    ).exclude(status=ClockStatus.STOPPED)
    clocks = clocks.order_by("due_at")
    return qs.annotate(
        clock_kind=Subquery(clocks.values("kind")[:1]),
        clock_yellow_at=Subquery(clocks.values("yellow_at")[:1]),
        clock_due_at=Subquery(clocks.values("due_at")[:1]),
        clock_status=Subquery(clocks.values("status")[:1]),
    )


def attach_clocks(rows, model):
    """Give already-read rows their most urgent open clock (the `_with_clock` columns) in one query.

    Cheaper than `_with_clock` for a page of rows out of many: one DISTINCT ON over the rows' clocks instead of
    four correlated subqueries per row."""
    rows = list(rows)
    clocks = (
        Deadline.objects.filter(
            content_type=ContentType.objects.get_for_model(model), object_id__in=[row.pk for row in rows]
        )
        .exclude(status=ClockStatus.STOPPED)
        .order_by("object_id", "due_at")
        .distinct("object_id")
        .values_list("object_id", "kind", "yellow_at", "due_at", "status")
    )
    found = {object_id: rest for object_id, *rest in clocks} if rows else {}
    for row in rows:
        row.clock_kind, row.clock_yellow_at, row.clock_due_at, row.clock_status = found.get(
            row.pk, (None, None, None, None)
        )
    return rows


def clock_colour(row, now=None) -> str:
    """green / yellow / red / grey (suspended) / "" (no open clock) from the annotated columns."""
    if not getattr(row, "clock_due_at", None):
        return ""
    if row.clock_status == ClockStatus.SUSPENDED:
        return "grey"
    now = now or timezone.now()
    if now >= row.clock_due_at:
        return "red"
    if now >= row.clock_yellow_at:
        return "yellow"
    return "green"


# Who reads the township's cases, leads and transfers (parties' ID numbers and phones among them): the squad
# leader, the officers, the legal reviewer, the leader in charge, and REST clients (whose token must hold
# the enforcement scope). Other staff of the township (the window, approvers, grid workers, the command
# centre, county editors) see none; a grid event handed over shows its lead only as the handover's link.
READERS = (Role.SQUAD_LEADER, Role.OFFICER, Role.LEGAL_REVIEWER, Role.LEADER, Role.API_CLIENT)


def may_read_enforcement(user) -> bool:
    return user.is_authenticated and (user.is_superuser or has_role(user, *READERS))


def enforcement_q(user, field: str) -> Q:
    """`scope_q` for the enforcement readers, nothing for anyone else."""
    return scope_q(user, field) if may_read_enforcement(user) else Q(pk__in=[])


def cases_for(user):
    qs = Case.objects.filter(enforcement_q(user, "township")).select_related("township", "power", "squad", "filed_by")
    return _with_clock(qs, Case).order_by("-filed_on", "-id")


def may_read(user, obj) -> bool:
    """Whether the user may read `obj` of this app (an attachment's owner, such as a case's evidence)."""
    if isinstance(obj, Case):
        return cases_for(user).filter(pk=obj.pk).exists()
    if isinstance(obj, Lead):
        return leads_for(user).filter(pk=obj.pk).exists()
    if isinstance(obj, Transfer):
        return transfers_for(user).filter(pk=obj.pk).exists()
    case_id = getattr(obj, "case_id", None)
    if case_id is not None:
        return cases_for(user).filter(pk=case_id).exists()
    return may_read_enforcement(user)


def case_detail(user, pk):
    return (
        cases_for(user)
        .select_related("lead", "decision", "decision__publication")
        .prefetch_related("assignments__officer", "evidence__officers", "notices", "hearings__chair", "legal_reviews")
        .filter(pk=pk)
        .first()
    )


def my_cases(user):
    return cases_for(user).filter(
        status__in=OPEN_CASE_STATUSES,
        pk__in=CaseOfficer.objects.filter(officer=user, removed_at__isnull=True).values("case_id"),
    )


def leads_for(user):
    qs = Lead.objects.filter(enforcement_q(user, "township")).select_related("township", "first_inquiry_owner", "power")
    return _with_clock(qs, Lead).order_by("-received_at", "-id")


def transfers_for(user):
    """Transfers of the user's township, those addressed to the user's own department, and every one in the
    county for its government (the coordinator). The township's own only for its enforcement readers."""
    condition = enforcement_q(user, "township")
    profile = StaffProfile.objects.filter(user=user).select_related("organisation__division").first()
    organisation = profile.organisation if profile else None
    if organisation is not None and organisation.kind == OrgKind.COUNTY_DEPARTMENT:
        condition |= Q(department=organisation)
    if organisation is not None and organisation.kind == OrgKind.COUNTY_GOVERNMENT:
        condition |= Q(township__code__startswith=organisation.division.prefix)
    qs = Transfer.objects.filter(condition).select_related("township", "department", "lead", "power", "sent_by")
    return _with_clock(qs, Transfer).order_by("-sent_at", "-id")


def public_decisions():
    """Published, not withdrawn: only the masked columns are ever read for the public page."""
    return (
        Publication.objects.filter(withdrawn_at__isnull=True)
        .select_related("township")
        .only(
            "id",
            "township__name",
            "party_masked",
            "id_number_masked",
            "phone_masked",
            "decision_number",
            "case_title",
            "penalty",
            "basis",
            "decided_on",
            "published_at",
            "updated_at",
        )
        .order_by("-published_at", "-id")
    )


def legal_queue(user):
    return (
        LegalReview.objects.filter(enforcement_q(user, "case__township"), outcome=ReviewOutcome.PENDING)
        .select_related("case", "case__power", "case__township", "submitted_by")
        .order_by("submitted_at", "id")
    )


def officer_workload(township):
    """Open cases per officer of the township (one query; the count is a correlated subquery per officer that
    reads the officer's assignments through their index, not a join of every assignment of the township)."""
    open_cases = (
        CaseOfficer.objects.filter(
            officer=OuterRef("user"), removed_at__isnull=True, case__status__in=OPEN_CASE_STATUSES
        )
        .order_by()
        .values("officer")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        StaffProfile.objects.filter(
            organisation__division__code__startswith=township.prefix,
            organisation__kind=OrgKind.ENFORCEMENT_SQUAD,
            user__groups__name=Role.OFFICER,
        )
        .select_related("user")
        .annotate(open_cases=Coalesce(Subquery(open_cases), 0))
        .order_by("user__username")
    )


# The clock badge of a row, set in Python once per row (an {% include %} per row costs more than the query).
COLOUR_BADGES = {
    "red": ("text-bg-danger", gettext_lazy("超期")),
    "yellow": ("text-bg-warning", gettext_lazy("临近")),
    "green": ("text-bg-success", gettext_lazy("正常")),
    "grey": ("text-bg-secondary", gettext_lazy("暂停计时")),
}


def _colour_rows(rows, now):
    for row in rows:
        row.colour = clock_colour(row, now)
        row.badge_class, row.badge_label = COLOUR_BADGES.get(row.colour, ("", ""))
    return rows


BOARD_CASES = 200  # case rows listed on the board; the counts above them cover every open case


def board_counts(user, township, now=None) -> tuple[dict, dict]:
    """Open cases of the township by state and by clock colour, over all of them (two aggregate queries).

    The colour of a case is that of its most urgent open clock: one DISTINCT ON over the township's open clocks
    (a join), not a correlated subquery per case.
    """
    now = now or timezone.now()
    open_cases = Case.objects.filter(enforcement_q(user, "township"), township=township, status__in=OPEN_CASE_STATUSES)
    by_state = dict(open_cases.order_by().values_list("status").annotate(n=Count("id")))
    most_urgent = (
        Deadline.objects.filter(
            content_type=ContentType.objects.get_for_model(Case), object_id__in=open_cases.values("pk")
        )
        .exclude(status=ClockStatus.STOPPED)
        .order_by("object_id", "due_at")
        .distinct("object_id")
        .values("pk")
    )
    suspended = Q(status=ClockStatus.SUSPENDED)
    colours = Deadline.objects.filter(pk__in=most_urgent).aggregate(
        red=Count("id", filter=~suspended & Q(due_at__lte=now)),
        yellow=Count("id", filter=~suspended & Q(due_at__gt=now, yellow_at__lte=now)),
        green=Count("id", filter=~suspended & Q(yellow_at__gt=now)),
        grey=Count("id", filter=suspended),
    )
    return by_state, colours


def board(user, township):
    """Everything the squad leader's board shows, in a fixed number of queries whatever the number of cases."""
    now = timezone.now()
    cases = attach_clocks(
        Case.objects.filter(enforcement_q(user, "township"), township=township, status__in=OPEN_CASE_STATUSES)
        .only("id", "number", "title", "status", "filed_on")
        .order_by("-filed_on", "-id")[:BOARD_CASES],
        Case,
    )
    counts, colours = board_counts(user, township, now)
    by_state = {status: [] for status in CaseStatus if status in OPEN_CASE_STATUSES}
    for case in _colour_rows(cases, now):
        by_state[case.status].append(case)
    leads = _colour_rows(list(leads_for(user).filter(township=township, status=LeadStatus.NEW)[:50]), now)
    transfers = _colour_rows(
        list(
            transfers_for(user).filter(
                township=township,
                status__in=[TransferStatus.SENT, TransferStatus.RETURNED, TransferStatus.COORDINATION],
            )[:50]
        ),
        now,
    )
    return {
        "leads": leads,
        "cases_by_state": [
            (CaseStatus(s).label, s, rows, counts.get(s, 0)) for s, rows in by_state.items() if counts.get(s)
        ],
        "open_cases": sum(counts.values()),
        "colours": colours,
        "workload": list(officer_workload(township)),
        "transfers": transfers,
    }


def timeline(case):
    """The case's audit trail, oldest first (全过程记录)."""
    return AuditEntry.objects.for_object(case).select_related("actor").order_by("created_at", "id")


def inspection_plans_for(user):
    return InspectionPlan.objects.filter(scope_q(user, "township")).select_related("township")


def visits_saved() -> dict:
    """Joint inspections: targets planned versus visits made (targets sharing a joint key are one visit)."""
    totals = InspectionTarget.objects.aggregate(targets=Count("id"), visits=Count("joint_key", distinct=True))
    targets, visits = totals["targets"] or 0, totals["visits"] or 0
    saved = targets - visits
    return {
        "targets": targets,
        "visits": visits,
        "saved": saved,
        "share": round(100 * saved / targets, 1) if targets else 0,
    }


def evidence_files(evidence) -> dict:
    """Attachments of the given evidence records, by evidence id, in one query."""
    from ruian.attachments import Attachment

    if not evidence:
        return {}
    rows = Attachment.objects.filter(
        content_type=ContentType.objects.get_for_model(type(evidence[0])), object_id__in=[str(e.pk) for e in evidence]
    )
    files = {}
    for row in rows:
        files.setdefault(int(row.object_id), []).append(row)
    return files


def open_hearing(case):
    """The case's hearing that has not been held yet; none means there is nothing to schedule or record."""
    hearing = case.hearings.filter(concluded=False).order_by("-id").first()
    if hearing is None:
        raise IllegalTransition(_("没有待举行的听证。"), code="illegal_transition")
    return hearing


def pending_review(case):
    return case.legal_reviews.filter(outcome=ReviewOutcome.PENDING).order_by("-id").first()


# --- training, certificates and joint meetings -------------------------------------------------------------


def certificates_expiring(user, *, today=None, within_days=None):
    """Enforcement staff whose certificate expires within the warning window (60 days by default), soonest
    first; `user` None means everyone (the daily notice), else the user's scope."""
    from enforcement.conf import setting

    today = today or timezone.localdate()
    within_days = setting("CERTIFICATE_WARNING_DAYS") if within_days is None else within_days
    qs = StaffProfile.objects.filter(
        certificate_valid_until__gte=today,
        certificate_valid_until__lte=today + datetime.timedelta(days=within_days),
        user__is_active=True,
        user__groups__name__in=[Role.OFFICER, Role.SQUAD_LEADER],
    )
    if user is not None:
        qs = qs.filter(scope_q(user, "organisation__division"))
    return (
        qs.select_related("user", "organisation", "organisation__division")
        .distinct()
        .order_by("certificate_valid_until", "user__username")
    )


def training_sessions_for(user):
    return (
        TrainingSession.objects.filter(scope_q(user, "township"))
        .select_related("township")
        .annotate(attended=Count("attendance", filter=Q(attendance__attended=True)))
        .order_by("-held_on", "-id")
    )


def exams_for(user):
    return (
        QualificationExam.objects.filter(scope_q(user, "township"))
        .select_related("township")
        .annotate(
            candidates=Count("results"),
            passed=Count("results", filter=Q(results__passed=True)),
        )
        .order_by("-held_on", "-id")
    )


def meetings_for(user):
    return (
        JointMeeting.objects.filter(scope_q(user, "township"))
        .select_related("township")
        .annotate(items=Count("agenda", distinct=True), decisions_count=Count("decisions", distinct=True))
        .order_by("-held_on", "-id")
    )


def meeting_detail(user, pk):
    return (
        meetings_for(user)
        .prefetch_related(
            Prefetch("agenda", AgendaItem.objects.select_related("case", "transfer", "transfer__department")),
            Prefetch(
                "decisions",
                MeetingDecision.objects.select_related("agenda_item").prefetch_related(
                    Prefetch("tasks", MeetingTask.objects.select_related("owner"))
                ),
            ),
        )
        .filter(pk=pk)
        .first()
    )


def meeting_tasks_for(user):
    qs = MeetingTask.objects.filter(scope_q(user, "decision__meeting__township")).select_related(
        "owner", "decision__meeting"
    )
    return _with_clock(qs, MeetingTask).order_by("due_on", "id")
