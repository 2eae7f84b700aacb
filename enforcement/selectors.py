"""Reads of the enforcement app: permission filtering and select_related, so a page or an API list costs a
fixed number of queries whatever the number of rows."""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import BooleanField, Count, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
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
    LeadSource,
    LegalReview,
    MeetingDecision,
    MeetingTask,
    Publication,
    QualificationExam,
    ReviewOutcome,
    TrainingSession,
    Transfer,
    TransferDirection,
)
from enforcement.states import OPEN_CASE_STATUSES, CaseStatus, IllegalTransition, LeadStatus, TransferStatus
from ruian import clocks
from ruian.audit import AuditEntry
from ruian.clocks import ClockStatus, Deadline
from ruian.organisations import OrgKind
from ruian.permissions import in_scope, scope_q
from ruian.selectors import choice_labels
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


# The columns of a case row in the API list (CaseSerializer's fields), read as values: no model instances and no
# related rows are built for a list page (see api.serializers.case_list_data).
CASE_LIST_COLUMNS = (
    "id",
    "number",
    "township__code",
    "power__code",
    "title",
    "status",
    "procedure",
    "major",
    "complex",
    "filed_on",
    "party_kind",
    "party_name",
    "proposed_fine",
    "proposed_measures",
    "closed_on",
    "updated_at",
    "clock_kind",
    "clock_yellow_at",
    "clock_due_at",
    "clock_status",
)


def case_list_rows(user):
    """`cases_for` as plain rows of CASE_LIST_COLUMNS, for the API list and sync pages."""
    qs = Case.objects.filter(enforcement_q(user, "township"))
    return _with_clock(qs, Case).values(*CASE_LIST_COLUMNS).order_by("-filed_on", "-id")


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


# The columns of a lead row in the API (LeadSerializer's fields), as CASE_LIST_COLUMNS for cases (see
# api.serializers.lead_list_data).
LEAD_LIST_COLUMNS = (
    "id",
    "township__code",
    "source",
    "summary",
    "details",
    "location",
    "received_at",
    "party_kind",
    "party_name",
    "party_id_number",
    "party_phone",
    "party_address",
    "power_id",
    "external_ref",
    "status",
    "updated_at",
    "clock_kind",
    "clock_yellow_at",
    "clock_due_at",
    "clock_status",
)


def lead_list_rows(user):
    """`leads_for` as plain rows of LEAD_LIST_COLUMNS."""
    qs = Lead.objects.filter(enforcement_q(user, "township"))
    return _with_clock(qs, Lead).values(*LEAD_LIST_COLUMNS).order_by("-received_at", "-id")


_NO_PROFILE = object()


def transfers_for(user, *, profile=_NO_PROFILE):
    """Transfers of the user's township, those addressed to the user's own department, and every one in the
    county for its government (the coordinator). The township's own only for its enforcement readers.

    `profile`: the user's staff profile with its organisation and division, where the caller has read it already."""
    qs = Transfer.objects.filter(_transfers_condition(user, profile)).select_related(
        "township", "department", "lead", "power", "sent_by"
    )
    return _with_clock(qs, Transfer).order_by("-sent_at", "-id")


def _transfers_condition(user, profile=_NO_PROFILE) -> Q:
    condition = enforcement_q(user, "township")
    if profile is _NO_PROFILE:
        profile = StaffProfile.objects.filter(user=user).select_related("organisation__division").first()
    organisation = profile.organisation if profile else None
    if organisation is not None and organisation.kind == OrgKind.COUNTY_DEPARTMENT:
        condition |= Q(department=organisation)
    if organisation is not None and organisation.kind == OrgKind.COUNTY_GOVERNMENT:
        condition |= Q(township__code__startswith=organisation.division.prefix)
    return condition


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


def _open_cases_of_user() -> RawSQL:
    """The open cases of the profile row's user, as a correlated subquery that reads the officer's assignments
    through their index, each assignment's case state by its primary key (a join to the cases would hash every
    case). Raw SQL: the same subquery built with the ORM cost more to compile than to run."""
    statuses = [status.value for status in OPEN_CASE_STATUSES]
    return RawSQL(
        f"SELECT COUNT(*) FROM {CaseOfficer._meta.db_table} a WHERE a.officer_id = "
        f"{StaffProfile._meta.db_table}.user_id AND a.removed_at IS NULL AND (SELECT c.status FROM "
        f"{Case._meta.db_table} c WHERE c.id = a.case_id) IN ({', '.join(['%s'] * len(statuses))})",
        statuses,
        output_field=IntegerField(),
    )


def _in_group(role) -> RawSQL:
    """Whether the profile row's user is in the role's group (raw for the same reason)."""
    user_groups = get_user_model().groups.through._meta.db_table
    return RawSQL(
        f"EXISTS (SELECT 1 FROM {user_groups} ug JOIN {Group._meta.db_table} g ON g.id = ug.group_id "
        f"WHERE ug.user_id = {StaffProfile._meta.db_table}.user_id AND g.name = %s)",
        [role],
        output_field=BooleanField(),
    )


def squad_staff(township) -> tuple[list, list]:
    """The board's officers' workload (the profiles of the township squad's officers, by username, each with its
    open cases) and the users `forms.officers_of(township)` lists (its active officers and squad leaders), from one
    query: the squad's officers and squad leaders, each profile marked with its roles."""
    rows = list(
        StaffProfile.objects.filter(
            organisation__division__code__startswith=township.prefix,
            organisation__kind=OrgKind.ENFORCEMENT_SQUAD,
        )
        .annotate(is_officer=_in_group(Role.OFFICER), is_leader=_in_group(Role.SQUAD_LEADER))
        .filter(Q(is_officer=True) | Q(is_leader=True))
        .select_related("user")
        .annotate(open_cases=_open_cases_of_user())
        .order_by("user__username")
    )
    workload = [profile for profile in rows if profile.is_officer]
    officers = [profile.user for profile in rows if profile.user.is_active]
    return workload, officers


# The clock badge of a row, set in Python once per row (an {% include %} per row costs more than the query).
COLOUR_BADGES = {
    "red": ("text-bg-danger", gettext_lazy("超期")),
    "yellow": ("text-bg-warning", gettext_lazy("临近")),
    "green": ("text-bg-success", gettext_lazy("正常")),
    "grey": ("text-bg-secondary", gettext_lazy("暂停计时")),
}


def colour_rows(rows, now):
    """Each row's clock colour, its badge's class and label, and the badge itself as HTML (built once per colour
    for the page, not per row)."""
    badges = {colour: (css, str(label)) for colour, (css, label) in COLOUR_BADGES.items()}  # translated once
    html = {colour: format_html('<span class="badge {}">{}</span>', *badge) for colour, badge in badges.items()}
    for row in rows:
        row.colour = clock_colour(row, now)
        row.badge_class, row.badge_label = badges.get(row.colour, ("", ""))
        row.badge = html.get(row.colour, "")
    return rows


BOARD_CASES = 50  # case rows on a page of the board; the counts above them cover every open case
BOARD_LEADS = 20  # new leads on a page of the board


def _township_q(user, township) -> Q:
    """`enforcement_q(user, "township")` for the rows of one township: the township alone when the user reads it.

    The same rows; but the scope's list of ids ANDed with the township made PostgreSQL estimate one row and sort
    every case the township ever had instead of reading its index in order."""
    return Q(township=township) if _reads_township(user, township) else Q(pk__in=[])


def _reads_township(user, township) -> bool:
    return may_read_enforcement(user) and in_scope(user, township)


def _unpack_clock(row):
    """`clocks.open_clock_columns` as the `_with_clock` attributes `clock_colour` reads (a board row needs no
    clock kind)."""
    row.clock_yellow_at, row.clock_due_at = row.clock_times or (None, None)
    return row


def board_counts(user, township, now=None) -> tuple[dict, dict, int]:
    """Open cases of the township by state and by clock colour, over all of them, and its new leads, in one
    statement.

    The colour of a case is that of its most urgent open clock, read by a LATERAL join per open case through the
    clocks' (content type, object) index: no correlated subquery per colour. The new leads' count is a row of
    its own (status NULL).
    """
    now = now or timezone.now()
    scope = _township_q(user, township)
    open_cases = Case.objects.filter(scope, status__in=OPEN_CASE_STATUSES)
    new_leads = Lead.objects.filter(scope, status=LeadStatus.NEW)
    try:
        cases_sql, cases_params = open_cases.order_by().values("id", "status").query.sql_with_params()
        leads_sql, leads_params = new_leads.order_by().values("id").query.sql_with_params()
    except EmptyResultSet:  # not an enforcement reader: nothing to count
        return {}, {"red": 0, "yellow": 0, "green": 0, "grey": 0}, 0
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT c.status, COUNT(*),
                   COUNT(k.due_at) FILTER (WHERE k.status <> %s AND k.due_at <= %s),
                   COUNT(k.due_at) FILTER (WHERE k.status <> %s AND k.due_at > %s AND k.yellow_at <= %s),
                   COUNT(k.due_at) FILTER (WHERE k.status <> %s AND k.yellow_at > %s),
                   COUNT(k.due_at) FILTER (WHERE k.status = %s)
              FROM ({cases_sql}) c
              LEFT JOIN LATERAL (
                   SELECT d.status, d.yellow_at, d.due_at FROM {Deadline._meta.db_table} d
                    WHERE d.content_type_id = %s AND d.object_id = c.id AND d.status <> %s
                    ORDER BY d.due_at LIMIT 1
              ) k ON TRUE
             GROUP BY c.status
            UNION ALL
            SELECT NULL, (SELECT COUNT(*) FROM ({leads_sql}) l), 0, 0, 0, 0
            """,
            [
                ClockStatus.SUSPENDED,
                now,
                ClockStatus.SUSPENDED,
                now,
                now,
                ClockStatus.SUSPENDED,
                now,
                ClockStatus.SUSPENDED,
                *cases_params,
                ContentType.objects.get_for_model(Case).pk,
                ClockStatus.STOPPED,
                *leads_params,
            ],
        )
        rows = cursor.fetchall()
    leads = sum(n for status, n, *_colours in rows if status is None)
    rows = [row for row in rows if row[0] is not None]
    by_state = {status: n for status, n, *_colours in rows}
    colours = {colour: sum(row[2 + i] for row in rows) for i, colour in enumerate(("red", "yellow", "green", "grey"))}
    return by_state, colours, leads


def _counted_page(queryset, per_page, count, number):
    """A Page of `queryset` whose total was counted already: no COUNT(*) of its own."""
    paginator = Paginator(queryset, per_page)
    paginator.count = count
    return paginator.get_page(number)


def _board_url(name, *args):
    """`reverse` of a row's link once for the page, the row's id filled in per row (a {% url %} per row costs
    more than the rest of the row)."""
    marker = "9876543210"
    url = reverse(name, args=[marker, *args])

    def url_of(pk):
        return url.replace(marker, str(pk))

    return url_of


def board(user, township, *, page=1, leads_page=1, profile=None):
    """Everything the squad leader's board shows, in a fixed number of queries whatever the number of cases and
    leads: a page of open cases (BOARD_CASES rows, newest first) and a page of new leads (BOARD_LEADS), the counts
    over all of them, the transfers waiting, the officers' workload."""
    now = timezone.now()
    counts, colours, lead_count = board_counts(user, township, now)
    scope = _township_q(user, township)
    open_cases = (
        Case.objects.filter(scope, status__in=OPEN_CASE_STATUSES)
        .only("id", "number", "title", "status", "filed_on")
        .annotate(**clocks.open_clock_columns(Case))
        .order_by("-filed_on", "-id")
    )
    cases_page = _counted_page(open_cases, BOARD_CASES, sum(counts.values()), page)
    by_state = {status: [] for status in CaseStatus if status in OPEN_CASE_STATUSES}
    case_url = _board_url("enforcement:case")
    for case in colour_rows([_unpack_clock(case) for case in cases_page.object_list], now):
        case.url = case_url(case.pk)
        by_state[case.status].append(case)
    new_leads = (
        Lead.objects.filter(scope, status=LeadStatus.NEW)
        .select_related("first_inquiry_owner", "power")
        .only(
            "id",
            "source",
            "summary",
            "received_at",
            "external_ref",
            "grid_event_id",
            "first_inquiry_owner__username",
            "first_inquiry_owner__first_name",
            "first_inquiry_owner__last_name",
            "power__code",
            "power__name",
        )
        .annotate(**clocks.open_clock_columns(Lead))
        .order_by("-received_at", "-id")
    )
    leads_page = _counted_page(new_leads, BOARD_LEADS, lead_count, leads_page)
    leads = colour_rows([_unpack_clock(lead) for lead in leads_page.object_list], now)
    lead_url, transfer_url = _board_url("enforcement:lead"), _board_url("enforcement:lead_transfer")
    hand_over_url, dismiss_url = (
        _board_url("enforcement:lead_act", "hand_over"),
        _board_url("enforcement:lead_act", "dismiss"),
    )
    sources = choice_labels(LeadSource)
    for lead in leads:
        lead.source_label = sources.get(lead.source, lead.source)
        # What the row prints, worked out here: a template filter chain per row costs more than the row's data.
        lead.received = timezone.localtime(lead.received_at).strftime("%Y-%m-%d %H:%M")
        owner = lead.first_inquiry_owner
        lead.owner_name = (owner.get_full_name() or owner.get_username()) if owner else "—"
        # A lead is filed from its own page, which lists the township's penalty powers once.
        lead.url, lead.transfer_url = lead_url(lead.pk), transfer_url(lead.pk)
        lead.hand_over_url, lead.dismiss_url = hand_over_url(lead.pk), dismiss_url(lead.pk)
    # The township's own transfers, which its reader sees whole; anyone else through `transfers_for`'s rule.
    if _reads_township(user, township):
        waiting = Transfer.objects.filter(township=township)
    else:
        waiting = Transfer.objects.filter(_transfers_condition(user, profile), township=township)
    transfers = colour_rows(
        [
            _unpack_clock(transfer)
            for transfer in waiting.filter(
                status__in=[TransferStatus.SENT, TransferStatus.RETURNED, TransferStatus.COORDINATION]
            )
            .select_related("department")
            .only("id", "direction", "status", "summary", "sent_at", "department__name")
            .annotate(**clocks.open_clock_columns(Transfer))
            .order_by("-sent_at", "-id")[:50]
        ],
        now,
    )
    directions, statuses = choice_labels(TransferDirection), choice_labels(TransferStatus)
    for transfer in transfers:
        transfer.direction_label = directions.get(transfer.direction, transfer.direction)
        transfer.status_label = statuses.get(transfer.status, transfer.status)
    workload, officers = squad_staff(township)
    return {
        "leads": leads,
        "cases_by_state": [
            (CaseStatus(s).label, s, rows, counts.get(s, 0)) for s, rows in by_state.items() if counts.get(s)
        ],
        "leads_page": leads_page,
        "cases_page": cases_page,
        "open_cases": cases_page.paginator.count,
        "colours": colours,
        "workload": workload,
        "squad_officers": officers,
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
