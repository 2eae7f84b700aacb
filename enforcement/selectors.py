"""Reads of the enforcement app: permission filtering and select_related, so a page or an API list costs a
fixed number of queries whatever the number of rows."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from enforcement.models import (
    Case,
    CaseOfficer,
    InspectionPlan,
    InspectionTarget,
    Lead,
    LegalReview,
    Publication,
    ReviewOutcome,
    Transfer,
)
from enforcement.states import OPEN_CASE_STATUSES, CaseStatus, LeadStatus, TransferStatus
from ruian.audit import AuditEntry
from ruian.clocks import ClockStatus, Deadline
from ruian.organisations import OrgKind
from ruian.permissions import scope_q
from ruian.staff import Role, StaffProfile


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


def cases_for(user):
    qs = Case.objects.filter(scope_q(user, "township")).select_related("township", "power", "squad", "filed_by")
    return _with_clock(qs, Case).order_by("-filed_on", "-id")


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
    qs = Lead.objects.filter(scope_q(user, "township")).select_related("township", "first_inquiry_owner", "power")
    return _with_clock(qs, Lead).order_by("-received_at", "-id")


def transfers_for(user):
    """Transfers of the user's township, those addressed to the user's own department, and every one in the
    county for its government (the coordinator)."""
    condition = scope_q(user, "township")
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
        LegalReview.objects.filter(scope_q(user, "case__township"), outcome=ReviewOutcome.PENDING)
        .select_related("case", "case__power", "case__township", "submitted_by")
        .order_by("submitted_at", "id")
    )


def officer_workload(township):
    """Open cases per officer of the township (one query)."""
    return (
        StaffProfile.objects.filter(
            organisation__division__code__startswith=township.prefix,
            organisation__kind=OrgKind.ENFORCEMENT_SQUAD,
            user__groups__name=Role.OFFICER,
        )
        .select_related("user")
        .annotate(
            open_cases=Count(
                "user__case_assignments",
                filter=Q(
                    user__case_assignments__removed_at__isnull=True,
                    user__case_assignments__case__status__in=OPEN_CASE_STATUSES,
                ),
                distinct=True,
            )
        )
        .order_by("user__username")
    )


def board(user, township):
    """Everything the squad leader's board shows, in a fixed number of queries."""
    cases = list(cases_for(user).filter(township=township, status__in=OPEN_CASE_STATUSES)[:200])
    by_state = {status: [] for status in CaseStatus if status in OPEN_CASE_STATUSES}
    now = timezone.now()
    for case in cases:
        case.colour = clock_colour(case, now)
        by_state[case.status].append(case)
    colours = {"green": 0, "yellow": 0, "red": 0, "grey": 0, "": 0}
    for case in cases:
        colours[case.colour] += 1
    leads = list(leads_for(user).filter(township=township, status=LeadStatus.NEW)[:50])
    for lead in leads:
        lead.colour = clock_colour(lead, now)
    transfers = list(
        transfers_for(user).filter(
            township=township, status__in=[TransferStatus.SENT, TransferStatus.RETURNED, TransferStatus.COORDINATION]
        )[:50]
    )
    for transfer in transfers:
        transfer.colour = clock_colour(transfer, now)
    return {
        "leads": leads,
        "cases_by_state": [(CaseStatus(s).label, s, rows) for s, rows in by_state.items()],
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
