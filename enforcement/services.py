"""Every write of the enforcement app: lock, check, transition, save, audit, then follow-ups on commit.

Views, API views, the demo and the deadline sweep all call these functions, so no entry point can skip a
legal check or the audit. Each service re-reads its row with `select_for_update`: when two leaders act on
the same case at once, the second waits for the first, then finds the case moved on and is told so
(`IllegalTransition`), instead of acting on a stale state.
"""

import datetime
import functools
import random
import uuid
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalogs.models import Category
from catalogs.selectors import powers_of_township
from enforcement import rules, selectors
from enforcement.conf import setting
from enforcement.masking import mask_id_number, mask_name, mask_phone
from enforcement.models import (
    AgendaItem,
    Case,
    CaseOfficer,
    CollectiveDiscussion,
    CriminalTransfer,
    Decision,
    Defence,
    Evidence,
    ExamResult,
    ExecutionMethod,
    Extension,
    Hearing,
    InspectionPlan,
    InspectionTarget,
    InspectorConflict,
    JointMeeting,
    Lead,
    LeadSource,
    LegalReview,
    MarketSubject,
    MeetingDecision,
    MeetingKind,
    MeetingTask,
    PenaltyMeasure,
    PreDecisionNotice,
    Procedure,
    Publication,
    QualificationExam,
    ReviewOutcome,
    ServiceMethod,
    Squad,
    Suspension,
    TrainingAttendance,
    TrainingSession,
    Transfer,
    TransferDirection,
)
from enforcement.states import (
    CASE_TRANSITIONS,
    INSPECTION_TRANSITIONS,
    LEAD_TRANSITIONS,
    MEETING_TASK_TRANSITIONS,
    TRANSFER_TRANSITIONS,
    CaseStatus,
    IllegalTransition,
    InspectionPlanStatus,
    LeadStatus,
    MeetingTaskStatus,
    TransferStatus,
    check_transition,
)
from ruian import clocks
from ruian.attachments import attach_file
from ruian.audit import audit_entry, log_action, log_actions
from ruian.clocks import Deadline, Unit
from ruian.notifications import notify, notify_many, notify_select
from ruian.organisations import Organisation, OrgKind
from ruian.permissions import in_scope
from ruian.prepared import insert_new, lock_row, update_of
from ruian.staff import Role, StaffProfile, has_role, set_staff_organisation

# Clock kinds; their sweep handlers are registered in enforcement/sweeps.py (loaded by apps.ready).
FILING = "enforcement.filing"
DECISION = "enforcement.decision"
SERVICE = "enforcement.service"
HEARING_REQUEST = "enforcement.hearing_request"
TRANSFER_ACCEPTANCE = "enforcement.transfer_acceptance"
PUBLICITY = "enforcement.publicity"
CRIMINAL_DECISION = "enforcement.criminal_decision"
CRIMINAL_HANDOVER = "enforcement.criminal_handover"
MEETING_TASK = "enforcement.meeting_task"


# --- who may act ---------------------------------------------------------------------------------------


def field_error(field: str, message, code: str) -> ValidationError:
    """A field's error that keeps its code (a dict of plain messages would drop it)."""
    return ValidationError({field: ValidationError(message, code=code)})


def _deny(message):
    raise PermissionDenied(message)


def _require_role_in(actor, township, *roles):
    if actor is None or not actor.is_authenticated:
        _deny(_("请先登录。"))
    if actor.is_superuser:
        return
    if not has_role(actor, *roles):
        _deny(_("您的角色不能办理此事项。"))
    if not in_scope(actor, township):
        _deny(_("该事项不属于您所在的乡镇(街道)。"))


def require_leader(actor, township):
    _require_role_in(actor, township, Role.SQUAD_LEADER)


def _require_case_worker(actor, case):
    """An officer assigned to the case, or the squad leader of its township."""
    _require_role_in(actor, case.township, Role.SQUAD_LEADER, Role.OFFICER)
    if actor.is_superuser or has_role(actor, Role.SQUAD_LEADER):
        return
    if not case.assignments.filter(officer=actor, removed_at__isnull=True).exists():
        _deny(_("您不是本案的承办人员。"))


def _squad_leaders(prefix: str):
    """Active squad leaders whose organisation is in the division of `prefix`. Two IN subqueries rather than the
    joins `groups__name=...` and `staff__organisation__...` make (and the DISTINCT those need): the same users,
    and PostgreSQL plans it in about half the time, which a new lead pays on every notification."""
    User = get_user_model()
    return User.objects.filter(
        is_active=True,
        pk__in=User.groups.through.objects.filter(group__name=Role.SQUAD_LEADER).values("user_id"),
    ).filter(pk__in=StaffProfile.objects.filter(organisation__division__code__startswith=prefix).values("user_id"))


def squad_leaders_of(township):
    return list(_squad_leaders(township.prefix))


@functools.lru_cache(maxsize=4096)
def _squad_leader_ids_sql(prefix: str) -> tuple[str, tuple]:
    """The SELECT of the ids of `squad_leaders_of` a township, compiled once per township: building and compiling
    the query cost a new lead more than running it. Its text and parameters depend on the prefix alone."""
    sql, params = _squad_leaders(prefix).order_by().values("pk").query.sql_with_params()
    return sql, tuple(params)


def department_staff(department):
    return list(get_user_model().objects.filter(is_active=True, staff__organisation=department))


def county_coordinators(county):
    """Staff of the county government (职责分工争议协调 sits with it)."""
    return list(
        get_user_model().objects.filter(
            is_active=True,
            staff__organisation__kind=OrgKind.COUNTY_GOVERNMENT,
            staff__organisation__division=county,
        )
    )


def _after_commit(fn):
    transaction.on_commit(fn)


# --- transitions -----------------------------------------------------------------------------------------


def _move(obj, table, target, *, actor, action, reason="", data=None, fields=()):
    check_transition(table, obj.status, target)
    old = obj.status
    obj.status = target
    update = ["status", *fields]
    if any(f.name == "updated_at" for f in obj._meta.fields):
        update.append("updated_at")
    # The row and its audit entry in one round trip.
    log_action(
        action,
        before=update_of(obj, update),
        actor=actor,
        obj=obj,
        from_state=old,
        to_state=target,
        reason=reason,
        data=data,
    )
    return obj


def _lock(model, pk):
    return lock_row(model, pk)  # model.objects.select_for_update().get(pk=pk), prepared once


def _today():
    return timezone.localdate()


def _start_first_clock(obj, kind, *, start, unit, amount, division) -> Deadline:
    """`clocks.start_clock` for an object created in this transaction (one INSERT, nothing to stop).

    The object then carries the clock as `selectors._with_clock` annotates a row (its only open clock is its most
    urgent), so the API can answer with it without reading the row again."""
    clock = clocks.start_clock(obj, kind, start=start, unit=unit, amount=amount, division=division, fresh=True)
    obj.clock_kind, obj.clock_yellow_at, obj.clock_due_at, obj.clock_status = (
        kind,
        clock.yellow_at,
        clock.due_at,
        clock.status,
    )
    return clock


def _notify_squad_leaders_on_commit(township, *, title: str, key: str) -> None:
    """After commit, tell the township's squad leaders (as `squad_leaders_of` finds them), once per key: one
    INSERT ... SELECT, the leaders read inside it."""
    sql, params = _squad_leader_ids_sql(township.prefix)
    _after_commit(lambda: notify_select(f"SELECT s.pk, %s, '', '', %s FROM ({sql}) s", [title, key, *params]))


# --- leads ------------------------------------------------------------------------------------------------


def lead_create(
    *,
    township,
    source: str,
    summary: str,
    actor,
    received_at=None,
    client=None,
    **fields,
) -> Lead:
    """Register a lead; whoever takes it owns it (首问负责) until it is filed or handed over.

    A REST client pushing leads sends an Idempotency-Key: the API (ruian.idempotency) answers a retry
    with the first answer, so a lead is created once.
    """
    if client is not None:
        if not in_scope(client, township):
            _deny(_("该乡镇(街道)不在接口客户端的范围内。"))
    else:
        _require_role_in(actor, township, Role.SQUAD_LEADER, Role.OFFICER)
    if source not in LeadSource.values:
        raise ValidationError({"source": _("线索来源无效。")})
    owner = fields.pop("first_inquiry_owner", None) or (actor if client is None else None)
    # The checks above only read; the writes are one transaction, which joins the caller's without a savepoint
    # of its own (the API's idempotency key holds one open: a refusal or a failure rolls that whole one back).
    with transaction.atomic(savepoint=False):
        lead = _register_lead(
            township=township,
            source=source,
            summary=summary,
            received_at=received_at or timezone.now(),
            first_inquiry_owner=owner,
            client=client,
            created_by=actor if client is None else client,
            audit_actor=actor or client,
            **fields,
        )
    return lead


def _register_lead(*, audit_actor, **fields) -> Lead:
    """Create the lead, start its filing clock, audit it and tell the township's squad leaders."""
    lead = Lead(**fields)
    insert_new(lead)
    _start_first_clock(
        lead,
        FILING,
        start=lead.received_at,
        unit=Unit.WORKING_DAYS,
        amount=setting("FILING_WORKING_DAYS"),
        division=lead.township,
    )
    log_action(
        "enforcement.lead.created",
        actor=audit_actor,
        obj=lead,
        to_state=lead.status,
        data={"source": lead.source, "grid_event": lead.grid_event_id},
    )
    title = (_("新的案件线索: %(s)s") % {"s": lead.summary})[:200]
    _notify_squad_leaders_on_commit(lead.township, title=title, key=f"enf-lead-{lead.pk}")
    return lead


@transaction.atomic
def lead_from_grid_event(*, event, note: str = "") -> tuple[Lead, bool]:
    """A grid event that is a violation becomes a lead (source: grid event), linked both ways.

    Called by the grids hand-over (grids.services.deliver_handover) in its transaction; running it twice for
    the same event gives back the first lead. The event keeps its own flow (dispatch to the squad, feedback,
    verification), the lead carries the enforcement side (filing or transfer within the filing deadline).
    """
    existing = Lead.objects.filter(grid_event=event).first()
    if existing is not None:
        return existing, False
    township = event.division.township
    if township is None:
        raise ValidationError(_("网格事件不在任何乡镇(街道)内,无法转为执法线索。"), code="no_township")
    details = "\n".join(part for part in (event.description, note) if part)
    lead = _register_lead(
        township=township,
        source=LeadSource.GRID_EVENT,
        summary=f"{event.number} {event.category.name}"[:300],
        details=details,
        location=event.address,
        received_at=timezone.now(),
        external_ref=event.number,
        grid_event=event,
        audit_actor=None,
    )
    return lead, True


@transaction.atomic
def lead_hand_over(*, lead: Lead, to_user, actor, reason: str = "") -> Lead:
    """Hand a lead to another officer: first-inquiry responsibility moves with it."""
    lead = _lock(Lead, lead.pk)
    if lead.status != LeadStatus.NEW:
        raise IllegalTransition(_("线索已处理,不能再移交。"), code="illegal_transition")
    if not (
        actor.is_superuser or lead.first_inquiry_owner_id in (None, actor.pk) or has_role(actor, Role.SQUAD_LEADER)
    ):
        _deny(_("只有首问责任人或中队长可以移交线索。"))
    _require_role_in(actor, lead.township, Role.SQUAD_LEADER, Role.OFFICER)
    if not in_scope(to_user, lead.township):
        raise ValidationError({"to_user": _("接收人不在本乡镇(街道)。")})
    old = lead.first_inquiry_owner_id
    lead.first_inquiry_owner = to_user
    lead.save(update_fields=["first_inquiry_owner", "updated_at"])
    log_action(
        "enforcement.lead.handed_over", actor=actor, obj=lead, reason=reason, data={"from": old, "to": to_user.pk}
    )
    return lead


@transaction.atomic
def lead_dismiss(*, lead: Lead, reason: str, actor) -> Lead:
    lead = _lock(Lead, lead.pk)
    require_leader(actor, lead.township)
    if not reason.strip():
        raise ValidationError({"reason": _("不予立案必须说明理由。")})
    lead.dismiss_reason = reason
    _move(
        lead,
        LEAD_TRANSITIONS,
        LeadStatus.DISMISSED,
        actor=actor,
        action="enforcement.lead.dismissed",
        reason=reason,
        fields=["dismiss_reason"],
    )
    clocks.stop_clock(lead, FILING)
    return lead


def township_holds_penalty_power(township, power, on: datetime.date) -> bool:
    """A case may only be filed under a penalty power the township holds that day (catalog and empowerment)."""
    if power.category != Category.PENALTY:
        return False
    with connection.cursor() as cursor:
        cursor.execute(*_held_penalty_power_sql(township.pk, on, power.pk))
        return cursor.fetchone() is not None


@functools.lru_cache(maxsize=1024)
def _held_penalty_power_sql(township_id: int, on: datetime.date, power_id: int) -> tuple[str, tuple]:
    """The query of `township_holds_penalty_power` (a row if the power is among `powers_of_township` that day),
    compiled once per township, day and power: building and compiling it cost a filing more than running it."""
    held = powers_of_township(township_id, on).filter(pk=power_id, category=Category.PENALTY)
    sql, params = held.order_by().values("pk")[:1].query.sql_with_params()
    return sql, tuple(params)


def _new_case_id(township, *, with_squad: bool) -> tuple[int, int | None]:
    """The next case id, taken from the table's own sequence before the INSERT so the case number (which shows the
    id) goes into that INSERT, and the township's squad as `Squad.objects.filter(township=...).first()` finds it:
    one query for both."""
    squad_sql, squad_params = _first_squad_sql(township.pk) if with_squad else ("NULL", ())
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT nextval(pg_get_serial_sequence(%s, 'id')), {squad_sql}", [Case._meta.db_table, *squad_params]
        )
        return cursor.fetchone()


@functools.lru_cache(maxsize=4096)
def _first_squad_sql(township_id: int) -> tuple[str, tuple]:
    """The subquery of the township's squad as `Squad.objects.filter(township=...).first()` finds it, compiled once
    per township (compiling it cost more than running it)."""
    squads = Squad.objects.filter(township_id=township_id).order_by(*(Squad._meta.ordering or ["pk"]), "pk")
    sql, params = squads.values("pk")[:1].query.sql_with_params()
    return f"({sql})", tuple(params)


def _case_number(case: Case) -> str:
    return f"{case.township.code[:9]}-{case.filed_on.year}-{case.pk:06d}"


@transaction.atomic
def case_file(*, township, power, title: str, actor, lead: Lead | None = None, filed_on=None, **fields) -> Case:
    """立案: only under a penalty power the township holds on the day; anything else is transferred."""
    require_leader(actor, township)
    filed_on = filed_on or _today()
    if lead is not None:
        lead = _lock(Lead, lead.pk)
        if lead.township_id != township.pk:
            raise ValidationError({"lead": _("线索不属于本乡镇(街道)。")})
        check_transition(LEAD_TRANSITIONS, lead.status, LeadStatus.FILED)
    if not township_holds_penalty_power(township, power, filed_on):
        message = _("本乡镇(街道)在 %(day)s 不享有“%(power)s”这项行政处罚权,不能立案;请移送 %(dept)s。") % {
            "day": filed_on,
            "power": power.name,
            "dept": power.department or _("县级主管部门"),
        }
        raise field_error("power", message, "power_not_held")
    if lead is not None:
        for name in ("party_kind", "party_name", "party_id_number", "party_phone", "party_address"):
            fields.setdefault(name, getattr(lead, name))
    squad = fields.pop("squad", None)
    case_id, squad_id = _new_case_id(township, with_squad=squad is None)
    case = Case(
        id=case_id,
        township=township,
        **({"squad": squad} if squad is not None else {"squad_id": squad_id}),
        lead=lead,
        power=power,
        title=title,
        filed_on=filed_on,
        filed_by=actor,
        **fields,
    )
    case.number = _case_number(case)
    insert_new(case)
    _start_first_clock(
        case, DECISION, start=filed_on, unit=Unit.DAYS, amount=setting("DECISION_DAYS"), division=township
    )
    entries = [
        audit_entry("enforcement.case.filed", actor=actor, obj=case, to_state=case.status, data={"power": power.code})
    ]
    if lead is not None:
        # _move's transition, with its audit entry written in the same INSERT as the case's
        check_transition(LEAD_TRANSITIONS, lead.status, LeadStatus.FILED)
        old = lead.status
        lead.status = LeadStatus.FILED
        lead.save(update_fields=["status", "updated_at"])
        entries.append(
            audit_entry(
                "enforcement.lead.filed",
                actor=actor,
                obj=lead,
                from_state=old,
                to_state=LeadStatus.FILED,
                data={"case": case.pk},
            )
        )
        clocks.stop_clock(lead, FILING)
    log_actions(entries)
    return case


# --- officers and investigation ------------------------------------------------------------------------------


def _check_officers(officers, township, on: datetime.date) -> list:
    """At least two officers with enforcement certificates valid on the day (APL Art 42)."""
    officers = list({o.pk: o for o in officers}.values())
    if len(officers) < 2:
        raise field_error("officers", _("执法人员不得少于两人(行政处罚法第四十二条)。"), "two_officers")
    profiles = {p.user_id: p for p in StaffProfile.objects.filter(user__in=officers)}
    for officer in officers:
        profile = profiles.get(officer.pk)
        if profile is None or not profile.certificate_valid_on(on):
            raise field_error(
                "officers",
                _("%(name)s 没有在 %(day)s 有效的执法证,不能办案。") % {"name": officer, "day": on},
                "certificate_invalid",
            )
        if not has_role(officer, Role.OFFICER, Role.SQUAD_LEADER) or not in_scope(officer, township):
            raise field_error(
                "officers", _("%(name)s 不是本乡镇(街道)执法队伍的执法人员。") % {"name": officer}, "not_officer"
            )
    return officers


def _set_officers(case, officers, actor, lead_officer=None):
    now = timezone.now()
    current = {a.officer_id: a for a in case.assignments.filter(removed_at__isnull=True)}
    wanted = {o.pk for o in officers}
    removed = [pk for pk in current if pk not in wanted]
    case.assignments.filter(officer_id__in=removed, removed_at__isnull=True).update(removed_at=now)
    lead_pk = (lead_officer or officers[0]).pk
    for officer in officers:
        if officer.pk not in current:
            CaseOfficer.objects.create(
                case=case, officer=officer, assigned_by=actor, lead_officer=officer.pk == lead_pk
            )
    case.assignments.filter(removed_at__isnull=True).exclude(officer_id=lead_pk).update(lead_officer=False)
    case.assignments.filter(removed_at__isnull=True, officer_id=lead_pk).update(lead_officer=True)
    return removed


@transaction.atomic
def case_assign(*, case: Case, officers, actor, lead_officer=None, on=None) -> Case:
    """Assign a newly filed case to at least two certified officers; the investigation starts."""
    case = _lock(Case, case.pk)
    require_leader(actor, case.township)
    check_transition(CASE_TRANSITIONS, case.status, CaseStatus.INVESTIGATING)
    if case.status != CaseStatus.FILED:
        raise IllegalTransition(_("案件已指派,请使用“调整承办人员”。"), code="illegal_transition")
    officers = _check_officers(officers, case.township, on or _today())
    _set_officers(case, officers, actor, lead_officer)
    _move(
        case,
        CASE_TRANSITIONS,
        CaseStatus.INVESTIGATING,
        actor=actor,
        action="enforcement.case.assigned",
        data={"officers": [o.pk for o in officers]},
    )
    _after_commit(
        lambda: notify(officers, title=_("新案件指派: %(n)s") % {"n": case.number}, key=f"enf-assign-{case.pk}")
    )
    return case


@transaction.atomic
def case_reassign(*, case: Case, officers, actor, reason: str, lead_officer=None, on=None) -> Case:
    case = _lock(Case, case.pk)
    require_leader(actor, case.township)
    if case.status in (CaseStatus.FILED, CaseStatus.CLOSED, CaseStatus.POLICE):
        raise IllegalTransition(_("此状态下不能调整承办人员。"), code="illegal_transition")
    if not reason.strip():
        raise ValidationError({"reason": _("调整承办人员必须说明理由。")})
    officers = _check_officers(officers, case.township, on or _today())
    removed = _set_officers(case, officers, actor, lead_officer)
    case.save(update_fields=["updated_at"])
    log_action(
        "enforcement.case.reassigned",
        actor=actor,
        obj=case,
        reason=reason,
        data={"officers": [o.pk for o in officers], "removed": removed},
    )
    return case


@transaction.atomic
def evidence_record(
    *, case: Case, kind: str, description: str, officers, actor, collected_at=None, place="", files=()
) -> Evidence:
    """One investigation step, done by two certified officers assigned to the case (APL Art 42)."""
    case = _lock(Case, case.pk)
    _require_case_worker(actor, case)
    if case.status != CaseStatus.INVESTIGATING:
        raise IllegalTransition(_("只有调查取证阶段才能记录证据。"), code="illegal_transition")
    collected_at = collected_at or timezone.now()
    officers = _check_officers(officers, case.township, timezone.localtime(collected_at).date())
    assigned = set(case.assignments.filter(removed_at__isnull=True).values_list("officer_id", flat=True))
    if not {o.pk for o in officers} <= assigned:
        raise field_error("officers", _("取证人员必须是本案的承办人员。"), "not_assigned")
    evidence = Evidence.objects.create(
        case=case, kind=kind, description=description, collected_at=collected_at, place=place, recorded_by=actor
    )
    evidence.officers.set(officers)
    for upload in files:
        attach_file(obj=evidence, upload=upload, actor=actor)
    case.save(update_fields=["updated_at"])
    log_action(
        "enforcement.case.evidence_recorded",
        actor=actor,
        obj=case,
        data={"evidence": evidence.pk, "kind": kind, "officers": [o.pk for o in officers]},
    )
    return evidence


@transaction.atomic
def case_suspend(*, case: Case, reason: str, actor) -> Case:
    """案件中止: the 90-day decision clock stops while the case is suspended."""
    case = _lock(Case, case.pk)
    require_leader(actor, case.township)
    if not reason.strip():
        raise ValidationError({"reason": _("中止必须说明理由。")})
    _move(case, CASE_TRANSITIONS, CaseStatus.SUSPENDED, actor=actor, action="enforcement.case.suspended", reason=reason)
    Suspension.objects.create(case=case, reason=reason, started_at=timezone.now(), recorded_by=actor)
    clocks.suspend_clock(case, DECISION)
    return case


@transaction.atomic
def case_resume(*, case: Case, actor) -> Case:
    case = _lock(Case, case.pk)
    require_leader(actor, case.township)
    if case.status != CaseStatus.SUSPENDED:
        # FILED -> INVESTIGATING is in the table too, but only assignment may make that move.
        raise IllegalTransition(_("案件未中止,无需恢复。"), code="illegal_transition")
    _move(case, CASE_TRANSITIONS, CaseStatus.INVESTIGATING, actor=actor, action="enforcement.case.resumed")
    case.suspensions.filter(ended_at__isnull=True).update(ended_at=timezone.now())
    clocks.resume_clock(case, DECISION)
    return case


@transaction.atomic
def case_extend(
    *, case: Case, approved_by_name: str, approval_document: str, reason: str, actor, days: int | None = None
) -> Extension:
    """Extend the decision limit; only with a recorded approval (who approved, which document, why)."""
    case = _lock(Case, case.pk)
    require_leader(actor, case.township)
    if case.status in (
        CaseStatus.DECIDED,
        CaseStatus.SERVED,
        CaseStatus.EXECUTED,
        CaseStatus.CLOSED,
        CaseStatus.POLICE,
    ):
        raise IllegalTransition(_("已作出决定或已结案的案件不能延期。"), code="illegal_transition")
    if not (approved_by_name.strip() and approval_document.strip() and reason.strip()):
        raise ValidationError(_("延期必须写明批准人、批准文书和理由。"), code="extension_approval")
    days = days or setting("DECISION_EXTENSION_DAYS")
    extension = Extension.objects.create(
        case=case,
        days=days,
        approved_by_name=approved_by_name,
        approval_document=approval_document,
        reason=reason,
        recorded_by=actor,
    )
    clocks.extend_clock(case, DECISION, amount=days)
    case.save(update_fields=["updated_at"])
    log_action(
        "enforcement.case.extended",
        actor=actor,
        obj=case,
        reason=reason,
        data={"days": days, "approved_by": approved_by_name, "document": approval_document},
    )
    return extension


def _clean_measures(measures):
    measures = list(dict.fromkeys(measures or ()))
    unknown = set(measures) - set(PenaltyMeasure.values)
    if unknown or not measures:
        raise field_error("measures", _("处罚种类无效或为空。"), "measures")
    return measures


def _amount(value) -> Decimal:
    value = Decimal(value or 0)
    if value < 0:
        raise ValidationError(_("金额不能为负数。"), code="amount")
    return value


@transaction.atomic
def notice_serve(
    *, case: Case, served_on, fine, measures, actor, confiscation=0, facts_and_basis=""
) -> PreDecisionNotice:
    """事先告知 of the proposed penalty and the party's rights (APL Art 44); the hearing request period starts."""
    case = _lock(Case, case.pk)
    _require_case_worker(actor, case)
    fine, confiscation, measures = _amount(fine), _amount(confiscation), _clean_measures(measures)
    check_transition(CASE_TRANSITIONS, case.status, CaseStatus.NOTIFIED)
    if not case.evidence.exists():
        raise ValidationError(_("尚无调查取证记录,不能告知。"), code="no_evidence")
    if case.defence_made and rules.heavier_than(
        fine, confiscation, measures, case.proposed_fine, case.proposed_confiscation, case.proposed_measures
    ):
        raise ValidationError(
            _("当事人已陈述申辩,不得因申辩而加重处罚(行政处罚法第四十五条)。"), code="heavier_after_defence"
        )
    notice = PreDecisionNotice.objects.create(
        case=case,
        served_on=served_on,
        fine=fine,
        confiscation=confiscation,
        measures=measures,
        facts_and_basis=facts_and_basis,
        created_by=actor,
    )
    reasons = rules.major_reasons(case.party_kind, fine, measures)
    case.proposed_fine, case.proposed_confiscation, case.proposed_measures = fine, confiscation, measures
    case.major = case.major or bool(reasons)
    case.major_reasons = sorted(set(case.major_reasons) | set(reasons))
    _move(
        case,
        CASE_TRANSITIONS,
        CaseStatus.NOTIFIED,
        actor=actor,
        action="enforcement.case.notified",
        data={"fine": str(fine), "measures": measures, "major": case.major},
        fields=["proposed_fine", "proposed_confiscation", "proposed_measures", "major", "major_reasons"],
    )
    clocks.start_clock(
        case,
        HEARING_REQUEST,
        start=served_on,
        unit=Unit.WORKING_DAYS,
        amount=setting("HEARING_REQUEST_WORKING_DAYS"),
        division=case.township,
    )
    return notice


@transaction.atomic
def case_mark(*, case: Case, actor, major: bool | None = None, complex: bool | None = None, reason: str = "") -> Case:
    """The leader marks a case major (legal review) or complex (collective discussion)."""
    case = _lock(Case, case.pk)
    require_leader(actor, case.township)
    if case.status in (CaseStatus.DECIDED, CaseStatus.SERVED, CaseStatus.EXECUTED, CaseStatus.CLOSED):
        raise IllegalTransition(_("已作出决定的案件不能再标记。"), code="illegal_transition")
    if major is not None:
        case.major = major or bool(rules.major_reasons(case.party_kind, case.proposed_fine, case.proposed_measures))
        if major:
            case.major_reasons = sorted(set(case.major_reasons) | {"marked"})
    if complex is not None:
        case.complex = complex
    case.save(update_fields=["major", "major_reasons", "complex", "updated_at"])
    log_action(
        "enforcement.case.marked",
        actor=actor,
        obj=case,
        reason=reason,
        data={"major": case.major, "complex": case.complex},
    )
    return case


@transaction.atomic
def defence_record(*, case: Case, content: str, actor, received_on=None) -> Defence:
    """陈述申辩: recorded; from now on the penalty may not be made heavier (APL Art 45)."""
    case = _lock(Case, case.pk)
    _require_case_worker(actor, case)
    if case.status not in (CaseStatus.NOTIFIED, CaseStatus.HEARING):
        raise IllegalTransition(_("只有告知后、决定前才能记录陈述申辩。"), code="illegal_transition")
    defence = Defence.objects.create(case=case, received_on=received_on or _today(), content=content, recorded_by=actor)
    case.defence_made = True
    case.save(update_fields=["defence_made", "updated_at"])
    log_action("enforcement.case.defence_recorded", actor=actor, obj=case, data={"defence": defence.pk})
    return defence


@transaction.atomic
def hearing_request(*, case: Case, actor, requested_on=None) -> Hearing:
    """The party asks for a hearing: only within 5 working days of the notice (APL Art 64 (1))."""
    case = _lock(Case, case.pk)
    _require_case_worker(actor, case)
    requested_on = requested_on or _today()
    check_transition(CASE_TRANSITIONS, case.status, CaseStatus.HEARING)
    notice = case.notices.order_by("-served_on", "-id").first()
    deadline = rules.hearing_request_deadline(notice.served_on)
    if requested_on > deadline:
        raise ValidationError(
            _("听证申请期限已于 %(d)s 届满(告知后五个工作日内)。") % {"d": deadline}, code="hearing_request_late"
        )
    hearing = Hearing.objects.create(case=case, requested_on=requested_on)
    _move(
        case,
        CASE_TRANSITIONS,
        CaseStatus.HEARING,
        actor=actor,
        action="enforcement.case.hearing_requested",
        data={"requested_on": str(requested_on)},
    )
    clocks.stop_clock(case, HEARING_REQUEST)
    return hearing


@transaction.atomic
def hearing_schedule(*, hearing: Hearing, notice_sent_on, held_on, chair, actor, place: str = "") -> Hearing:
    """Hearing with 7 days' notice, chaired by someone who did not investigate the case (APL Art 64)."""
    hearing = _lock(Hearing, hearing.pk)
    case = _lock(Case, hearing.case_id)
    require_leader(actor, case.township)
    if case.status != CaseStatus.HEARING or hearing.concluded:
        raise IllegalTransition(_("案件不在听证阶段。"), code="illegal_transition")
    if not rules.hearing_notice_sufficient(notice_sent_on, held_on):
        raise field_error("held_on", _("听证应在举行七日前通知当事人。"), "hearing_notice_short")
    investigators = set(case.assignments.values_list("officer_id", flat=True))
    investigators |= set(
        Evidence.officers.through.objects.filter(evidence__case=case).values_list("user_id", flat=True)
    )
    if chair.pk in investigators:
        raise field_error("chair", _("听证主持人不得是本案调查人员。"), "chair_investigated")
    if not in_scope(chair, case.township):
        raise ValidationError({"chair": _("听证主持人应为本机关工作人员。")})
    hearing.notice_sent_on, hearing.held_on, hearing.chair, hearing.place = notice_sent_on, held_on, chair, place
    hearing.save(update_fields=["notice_sent_on", "held_on", "chair", "place"])
    case.save(update_fields=["updated_at"])
    log_action(
        "enforcement.case.hearing_scheduled", actor=actor, obj=case, data={"held_on": str(held_on), "chair": chair.pk}
    )
    return hearing


@transaction.atomic
def hearing_conclude(*, hearing: Hearing, record: str, actor) -> Hearing:
    hearing = _lock(Hearing, hearing.pk)
    case = _lock(Case, hearing.case_id)
    require_leader(actor, case.township)
    if case.status != CaseStatus.HEARING or hearing.concluded:
        raise IllegalTransition(_("案件不在听证阶段。"), code="illegal_transition")
    if hearing.held_on is None or hearing.held_on > _today():
        raise ValidationError(_("听证尚未举行。"), code="hearing_not_held")
    hearing.record, hearing.concluded = record, True
    hearing.save(update_fields=["record", "concluded"])
    # What the party says at a hearing is a defence: the penalty may no longer be made heavier.
    case.defence_made = True
    case.save(update_fields=["defence_made", "updated_at"])
    log_action("enforcement.case.hearing_held", actor=actor, obj=case, data={"hearing": hearing.pk})
    return hearing


@transaction.atomic
def legal_review_submit(*, case: Case, actor) -> LegalReview:
    case = _lock(Case, case.pk)
    _require_case_worker(actor, case)
    if case.hearings.filter(concluded=False).exists():
        raise ValidationError(_("听证尚未结束。"), code="hearing_pending")
    _move(case, CASE_TRANSITIONS, CaseStatus.LEGAL_REVIEW, actor=actor, action="enforcement.case.review_submitted")
    return LegalReview.objects.create(case=case, submitted_by=actor)


@transaction.atomic
def legal_review_decide(*, review: LegalReview, approve: bool, opinion: str, actor) -> LegalReview:
    """法制审核 by the legal reviewer: clear the case for decision or send it back for investigation."""
    review = _lock(LegalReview, review.pk)
    case = _lock(Case, review.case_id)
    _require_role_in(actor, case.township, Role.LEGAL_REVIEWER)
    if case.status != CaseStatus.LEGAL_REVIEW or review.outcome != ReviewOutcome.PENDING:
        raise IllegalTransition(_("该审核已办理(可能已被他人处理)。"), code="illegal_transition")
    if not approve and not opinion.strip():
        raise ValidationError({"opinion": _("退回必须写明审核意见。")})
    review.outcome = ReviewOutcome.APPROVED if approve else ReviewOutcome.RETURNED
    review.reviewer, review.reviewed_at, review.opinion = actor, timezone.now(), opinion
    review.save(update_fields=["outcome", "reviewer", "reviewed_at", "opinion"])
    if approve:
        case.save(update_fields=["updated_at"])
        log_action("enforcement.case.review_approved", actor=actor, obj=case, reason=opinion)
    else:
        _move(
            case,
            CASE_TRANSITIONS,
            CaseStatus.INVESTIGATING,
            actor=actor,
            action="enforcement.case.review_returned",
            reason=opinion,
        )
    return review


@transaction.atomic
def discussion_record(*, case: Case, held_on, participants: str, conclusion: str, actor) -> CollectiveDiscussion:
    """负责人集体讨论 (APL Art 57), required before deciding a complex case."""
    case = _lock(Case, case.pk)
    require_leader(actor, case.township)
    if case.status not in (CaseStatus.NOTIFIED, CaseStatus.HEARING, CaseStatus.LEGAL_REVIEW):
        raise IllegalTransition(_("集体讨论应在告知后、决定前进行。"), code="illegal_transition")
    discussion = CollectiveDiscussion.objects.create(
        case=case, held_on=held_on, participants=participants, conclusion=conclusion, recorded_by=actor
    )
    case.save(update_fields=["updated_at"])
    log_action("enforcement.case.discussed", actor=actor, obj=case, data={"discussion": discussion.pk})
    return discussion


def _decision_number(case: Case) -> str:
    return f"{case.township.name}罚决〔{case.filed_on.year}〕{case.pk}号"


@transaction.atomic
def case_decide(
    *, case: Case, fine, measures, actor, decided_on=None, confiscation=0, reasoning="", hearing_waived=False
) -> Decision:
    """行政处罚决定, with every precondition the law sets checked in one place.

    `hearing_waived`: the party waived statement, defence and hearing in writing, so the decision need not
    wait for the 5 working days of the hearing request period (APL Art 44-45, 64).
    """
    case = _lock(Case, case.pk)
    require_leader(actor, case.township)
    decided_on = decided_on or _today()
    fine, confiscation, measures = _amount(fine), _amount(confiscation), _clean_measures(measures)
    check_transition(CASE_TRANSITIONS, case.status, CaseStatus.DECIDED)
    if case.hearings.filter(concluded=False).exists():
        raise ValidationError(_("听证尚未结束,不能作出决定。"), code="hearing_pending")
    notice = case.notices.order_by("-created_at", "-id").first()
    if notice is not None and not hearing_waived and not case.hearings.exists():
        deadline = rules.hearing_request_deadline(notice.served_on)
        if decided_on <= deadline:
            raise ValidationError(
                _("当事人可在 %(d)s 前申请听证、陈述申辩;期满或当事人书面放弃后方可作出决定。") % {"d": deadline},
                code="hearing_period_running",
            )
    # APL Art 45: a defence never makes the penalty heavier; without one, a heavier penalty needs a new notice.
    if rules.heavier_than(
        fine, confiscation, measures, case.proposed_fine, case.proposed_confiscation, case.proposed_measures
    ):
        if case.defence_made:
            raise ValidationError(
                _("当事人已陈述申辩,决定不得重于告知的处罚(行政处罚法第四十五条)。"), code="heavier_after_defence"
            )
        raise ValidationError(_("决定重于事先告知的处罚,应重新告知。"), code="heavier_than_notice")
    reasons = rules.major_reasons(case.party_kind, fine, measures)
    if reasons and not case.major:
        case.major, case.major_reasons = True, sorted(set(case.major_reasons) | set(reasons))
    # APL Art 58: a major case needs an approved legal review after its latest notice.
    if case.major:
        approved = case.legal_reviews.filter(outcome=ReviewOutcome.APPROVED)
        if notice is not None:
            approved = approved.filter(reviewed_at__gte=notice.created_at)
        if not approved.exists():
            raise ValidationError(
                _("重大案件未经法制审核,不能作出决定(行政处罚法第五十八条)。"), code="legal_review_required"
            )
    if case.complex and not case.discussions.exists():
        raise ValidationError(_("情节复杂的案件应经负责人集体讨论(行政处罚法第五十七条)。"), code="discussion_required")
    clock = clocks.open_clock(case, DECISION)
    if clock is not None and decided_on > clock.due_date:
        raise ValidationError(
            _("已超过作出决定的期限(%(d)s),须先经批准延期(行政处罚法第六十条)。") % {"d": clock.due_date},
            code="decision_overdue",
        )
    decision = Decision.objects.create(
        case=case,
        number=f"TMP-{uuid.uuid4().hex}",
        decided_on=decided_on,
        fine=fine,
        confiscation=confiscation,
        measures=measures,
        reasoning=reasoning,
        decided_by=actor,
    )
    decision.number = _decision_number(case)
    decision.save(update_fields=["number"])
    _move(
        case,
        CASE_TRANSITIONS,
        CaseStatus.DECIDED,
        actor=actor,
        action="enforcement.case.decided",
        data={"fine": str(fine), "measures": measures, "decision": decision.number},
        fields=["major", "major_reasons"],
    )
    clocks.stop_clock(case, DECISION, at=timezone.now())
    clocks.stop_clock(case, HEARING_REQUEST)
    clocks.start_clock(
        case,
        SERVICE,
        start=decided_on,
        unit=Unit.WORKING_DAYS,
        amount=setting("SERVICE_WORKING_DAYS"),
        division=case.township,
    )
    clocks.start_clock(
        case,
        PUBLICITY,
        start=decided_on,
        unit=Unit.WORKING_DAYS,
        amount=setting("PUBLICITY_WORKING_DAYS"),
        division=case.township,
    )
    return decision


@transaction.atomic
def decision_serve(*, case: Case, method: str, actor, served_on=None) -> Decision:
    """送达: on the spot or within 7 working days (APL Art 61); payment is due 15 days later (Art 67)."""
    case = _lock(Case, case.pk)
    _require_case_worker(actor, case)
    if method not in ServiceMethod.values:
        raise ValidationError({"method": _("送达方式无效。")})
    check_transition(CASE_TRANSITIONS, case.status, CaseStatus.SERVED)
    decision = _lock(Decision, case.decision.pk)
    served_on = served_on or _today()
    if served_on < decision.decided_on:
        raise ValidationError({"served_on": _("送达日期不能早于决定日期。")})
    decision.served_on, decision.service_method = served_on, method
    decision.served_in_time = served_on <= rules.service_deadline(decision.decided_on)
    decision.payment_due = rules.payment_deadline(served_on) if decision.fine else None
    decision.save(update_fields=["served_on", "service_method", "served_in_time", "payment_due", "updated_at"])
    _move(
        case,
        CASE_TRANSITIONS,
        CaseStatus.SERVED,
        actor=actor,
        action="enforcement.case.served",
        data={"method": method, "in_time": decision.served_in_time},
    )
    clocks.stop_clock(case, SERVICE)
    return decision


@transaction.atomic
def case_execute(*, case: Case, method: str, actor, executed_on=None, paid_amount=None) -> Decision:
    """执行: paid, enforced, or court enforcement applied for; late payment adds 3% a day, capped (Art 72)."""
    case = _lock(Case, case.pk)
    _require_case_worker(actor, case)
    if method not in ExecutionMethod.values:
        raise ValidationError({"method": _("执行方式无效。")})
    check_transition(CASE_TRANSITIONS, case.status, CaseStatus.EXECUTED)
    decision = _lock(Decision, case.decision.pk)
    executed_on = executed_on or _today()
    surcharge = rules.late_surcharge(decision.fine, decision.payment_due, executed_on)
    if method == ExecutionMethod.PAID and decision.fine:
        due = decision.fine + surcharge
        if paid_amount is None or Decimal(paid_amount) < due:
            raise ValidationError(
                {"paid_amount": _("应缴 %(due)s 元(含加处罚款 %(s)s 元)。") % {"due": due, "s": surcharge}},
                code="underpaid",
            )
    decision.execution_method, decision.executed_on = method, executed_on
    decision.paid_amount = Decimal(paid_amount) if paid_amount is not None else None
    decision.surcharge = surcharge
    decision.save(update_fields=["execution_method", "executed_on", "paid_amount", "surcharge", "updated_at"])
    _move(
        case,
        CASE_TRANSITIONS,
        CaseStatus.EXECUTED,
        actor=actor,
        action="enforcement.case.executed",
        data={"method": method, "surcharge": str(surcharge)},
    )
    return decision


@transaction.atomic
def case_close(*, case: Case, actor, reason: str = "", archive_number: str = "") -> Case:
    """结案 and archive; closing before a decision (不予处罚, 撤销立案) needs reasons."""
    case = _lock(Case, case.pk)
    require_leader(actor, case.township)
    if case.status in (CaseStatus.FILED, CaseStatus.INVESTIGATING) and not reason.strip():
        raise ValidationError({"reason": _("未作出处罚决定即结案,必须说明理由。")})
    case.closed_on, case.closure_reason, case.archive_number = _today(), reason, archive_number
    _move(
        case,
        CASE_TRANSITIONS,
        CaseStatus.CLOSED,
        actor=actor,
        action="enforcement.case.closed",
        reason=reason,
        fields=["closed_on", "closure_reason", "archive_number"],
    )
    for kind in (DECISION, SERVICE, HEARING_REQUEST):
        clocks.stop_clock(case, kind)
    return case


@transaction.atomic
def simplified_penalty(
    *,
    township,
    power,
    title: str,
    party_kind: str,
    party_name: str,
    fine,
    measures,
    officers,
    actor,
    decided_on=None,
    **fields,
) -> Case:
    """简易程序: decided and served on the spot, for a warning or a small fine (APL Art 51-52)."""
    _require_role_in(actor, township, Role.SQUAD_LEADER, Role.OFFICER)
    decided_on = decided_on or _today()
    fine, measures = _amount(fine), _clean_measures(measures)
    if not power.simplified_procedure:
        raise field_error("power", _("该事项不适用简易程序。"), "simplified_not_applicable")
    if not rules.simplified_procedure_allowed(party_kind, fine, measures):
        raise ValidationError(
            _("简易程序仅适用于警告或对公民 200 元以下、对法人或其他组织 3000 元以下的罚款(行政处罚法第五十一条)。"),
            code="simplified_limit",
        )
    if not township_holds_penalty_power(township, power, decided_on):
        raise field_error("power", _("本乡镇(街道)不享有该项行政处罚权。"), "power_not_held")
    officers = _check_officers(officers, township, decided_on)
    case = Case.objects.create(
        number=f"TMP-{uuid.uuid4().hex}",
        township=township,
        squad=Squad.objects.filter(township=township).first(),
        power=power,
        title=title,
        party_kind=party_kind,
        party_name=party_name,
        procedure=Procedure.SIMPLIFIED,
        status=CaseStatus.SERVED,
        filed_on=decided_on,
        filed_by=actor,
        proposed_fine=fine,
        proposed_measures=measures,
        **fields,
    )
    case.number = _case_number(case)
    case.save(update_fields=["number"])
    _set_officers(case, officers, actor)
    decision = Decision.objects.create(
        case=case,
        number=f"TMP-{uuid.uuid4().hex}",
        decided_on=decided_on,
        fine=fine,
        measures=measures,
        decided_by=actor,
        served_on=decided_on,
        service_method=ServiceMethod.ON_THE_SPOT,
        served_in_time=True,
        payment_due=rules.payment_deadline(decided_on) if fine else None,
    )
    decision.number = f"{township.name}当场罚〔{decided_on.year}〕{case.pk}号"
    decision.save(update_fields=["number"])
    log_action(
        "enforcement.case.simplified_decided",
        actor=actor,
        obj=case,
        to_state=case.status,
        data={"fine": str(fine), "measures": measures, "officers": [o.pk for o in officers]},
    )
    clocks.start_clock(
        case,
        PUBLICITY,
        start=decided_on,
        unit=Unit.WORKING_DAYS,
        amount=setting("PUBLICITY_WORKING_DAYS"),
        division=township,
    )
    return case


# --- criminal transfer (行刑衔接) --------------------------------------------------------------------------


@transaction.atomic
def criminal_propose(*, case: Case, grounds: str, actor) -> CriminalTransfer:
    """Suspected crime: the head must decide within 3 days; the decision clock stops meanwhile."""
    case = _lock(Case, case.pk)
    _require_case_worker(actor, case)
    if not grounds.strip():
        raise ValidationError({"grounds": _("必须写明涉嫌犯罪的理由。")})
    _move(
        case,
        CASE_TRANSITIONS,
        CaseStatus.CRIMINAL_REVIEW,
        actor=actor,
        action="enforcement.case.criminal_proposed",
        reason=grounds,
    )
    now = timezone.now()
    transfer, _created = CriminalTransfer.objects.update_or_create(
        case=case,
        defaults={"grounds": grounds, "proposed_by": actor, "proposed_at": now, "approved": None, "decided_at": None},
    )
    clocks.suspend_clock(case, DECISION)
    clocks.start_clock(
        case,
        CRIMINAL_DECISION,
        start=now,
        unit=Unit.HOURS,
        amount=setting("CRIMINAL_DECISION_DAYS") * 24,
        division=case.township,
    )
    return transfer


@transaction.atomic
def criminal_decide(*, case: Case, approve: bool, head_name: str, actor) -> CriminalTransfer:
    case = _lock(Case, case.pk)
    require_leader(actor, case.township)
    if not head_name.strip():
        raise ValidationError({"head_name": _("必须写明作出决定的负责人。")})
    target = CaseStatus.CRIMINAL_TRANSFERRING if approve else CaseStatus.INVESTIGATING
    check_transition(CASE_TRANSITIONS, case.status, target)
    transfer = _lock(CriminalTransfer, case.criminal_transfer.pk)
    now = timezone.now()
    transfer.approved, transfer.head_name, transfer.decided_at = approve, head_name, now
    transfer.save(update_fields=["approved", "head_name", "decided_at"])
    _move(
        case,
        CASE_TRANSITIONS,
        target,
        actor=actor,
        action="enforcement.case.criminal_approved" if approve else "enforcement.case.criminal_refused",
        data={"head": head_name},
    )
    clocks.stop_clock(case, CRIMINAL_DECISION)
    if approve:
        clocks.start_clock(
            case,
            CRIMINAL_HANDOVER,
            start=now,
            unit=Unit.HOURS,
            amount=setting("CRIMINAL_TRANSFER_HOURS"),
            division=case.township,
        )
    else:
        clocks.resume_clock(case, DECISION)
    return transfer


@transaction.atomic
def criminal_hand_over(*, case: Case, police_unit: str, receipt_number: str, actor) -> CriminalTransfer:
    case = _lock(Case, case.pk)
    require_leader(actor, case.township)
    if not police_unit.strip():
        raise ValidationError({"police_unit": _("必须写明接收的公安机关。")})
    check_transition(CASE_TRANSITIONS, case.status, CaseStatus.POLICE)
    transfer = _lock(CriminalTransfer, case.criminal_transfer.pk)
    transfer.police_unit, transfer.receipt_number, transfer.transferred_at = police_unit, receipt_number, timezone.now()
    transfer.save(update_fields=["police_unit", "receipt_number", "transferred_at"])
    _move(
        case,
        CASE_TRANSITIONS,
        CaseStatus.POLICE,
        actor=actor,
        action="enforcement.case.handed_to_police",
        data={"police": police_unit, "receipt": receipt_number},
    )
    clocks.stop_clock(case, CRIMINAL_HANDOVER)
    clocks.stop_clock(case, DECISION)
    return transfer


# --- transfers (案件移送) -----------------------------------------------------------------------------------


def _start_acceptance_clock(transfer):
    clocks.start_clock(
        transfer,
        TRANSFER_ACCEPTANCE,
        start=transfer.sent_at,
        unit=Unit.WORKING_DAYS,
        amount=setting("TRANSFER_ACCEPT_WORKING_DAYS"),
        division=transfer.township,
    )


def _check_department(department, township):
    if department is None or department.kind != OrgKind.COUNTY_DEPARTMENT:
        raise field_error("department", _("必须移送给县级主管部门。"), "department")
    if department.division_id != township.parent_id:
        raise field_error("department", _("只能移送给本县(市、区)的主管部门。"), "department_county")


@transaction.atomic
def lead_transfer(
    *, lead: Lead, reason: str, actor, department: Organisation | None = None, copy_to=(), on=None
) -> Transfer:
    """移送 a lead outside the township's powers to the department the catalog names, with copy notices (抄告)."""
    lead = _lock(Lead, lead.pk)
    require_leader(actor, lead.township)
    check_transition(LEAD_TRANSITIONS, lead.status, LeadStatus.TRANSFERRED)
    if lead.power_id and township_holds_penalty_power(lead.township, lead.power, on or _today()):
        raise ValidationError(_("本乡镇(街道)享有该项处罚权,应当立案而不是移送。"), code="power_held")
    department = department or (lead.power.department if lead.power_id else None)
    _check_department(department, lead.township)
    if not reason.strip():
        raise ValidationError({"reason": _("必须写明移送理由。")})
    transfer = Transfer.objects.create(
        township=lead.township,
        department=department,
        direction=TransferDirection.OUTGOING,
        lead=lead,
        power=lead.power,
        summary=lead.summary,
        reason=reason,
        sent_at=timezone.now(),
        sent_by=actor,
    )
    transfer.copy_to.set(copy_to)
    _move(
        lead,
        LEAD_TRANSITIONS,
        LeadStatus.TRANSFERRED,
        actor=actor,
        action="enforcement.lead.transferred",
        data={"transfer": transfer.pk, "department": department.pk},
    )
    clocks.stop_clock(lead, FILING)
    _start_acceptance_clock(transfer)
    log_action(
        "enforcement.transfer.sent",
        actor=actor,
        obj=transfer,
        to_state=transfer.status,
        data={"department": department.pk, "copy_to": [o.pk for o in copy_to]},
    )
    recipients = department_staff(department) + [u for org in copy_to for u in department_staff(org)]
    _after_commit(
        lambda: notify(
            recipients, title=(_("案件移送: %(s)s") % {"s": transfer.summary})[:200], key=f"enf-transfer-{transfer.pk}"
        )
    )
    return transfer


@transaction.atomic
def transfer_receive(
    *,
    township,
    department: Organisation,
    summary: str,
    reason: str,
    actor,
    power=None,
    client=None,
) -> Transfer:
    """A county department transfers a case in to the township (移入); the squad leader accepts or returns it."""
    _check_department(department, township)
    sender = client or actor
    if not (sender.is_superuser or in_scope(sender, township)):
        _deny(_("无权向该乡镇(街道)移送案件。"))
    if client is None and not (
        actor.is_superuser or getattr(getattr(actor, "staff", None), "organisation_id", None) == department.pk
    ):
        _deny(_("只有该县级部门的人员可以以其名义移送。"))
    if not reason.strip():
        raise ValidationError({"reason": _("必须写明移送理由。")})
    transfer = Transfer.objects.create(
        township=township,
        department=department,
        direction=TransferDirection.INCOMING,
        power=power,
        summary=summary,
        reason=reason,
        sent_at=timezone.now(),
        sent_by=sender,
        client=client,
    )
    _start_acceptance_clock(transfer)
    log_action(
        "enforcement.transfer.received",
        actor=sender,
        obj=transfer,
        to_state=transfer.status,
        data={"department": department.pk},
    )
    leaders = squad_leaders_of(township)
    _after_commit(
        lambda: notify(
            leaders, title=(_("县级部门移送案件: %(s)s") % {"s": summary})[:200], key=f"enf-transfer-{transfer.pk}"
        )
    )
    return transfer


def _require_receiver(actor, transfer):
    """The receiving side: the department's staff (or a REST client of the county) for an outgoing transfer,
    the township's squad leader for an incoming one."""
    if actor.is_superuser:
        return
    if transfer.direction == TransferDirection.INCOMING:
        require_leader(actor, transfer.township)
        return
    org_id = getattr(getattr(actor, "staff", None), "organisation_id", None)
    if org_id == transfer.department_id:
        return
    if has_role(actor, Role.API_CLIENT) and in_scope(actor, transfer.township):
        return
    _deny(_("只有接收部门可以接收或退回移送。"))


def _require_sender(actor, transfer):
    if transfer.direction == TransferDirection.OUTGOING:
        require_leader(actor, transfer.township)
    else:
        # An incoming transfer's sender is the county department (or a REST client acting for it).
        org_id = getattr(getattr(actor, "staff", None), "organisation_id", None)
        if not (actor.is_superuser or org_id == transfer.department_id or has_role(actor, Role.API_CLIENT)):
            _deny(_("只有移送方可以办理。"))


@transaction.atomic
def transfer_accept(*, transfer: Transfer, actor, note: str = "") -> Transfer:
    transfer = _lock(Transfer, transfer.pk)
    _require_receiver(actor, transfer)
    if transfer.status != TransferStatus.SENT:
        raise IllegalTransition(_("该移送已办理(可能已被他人处理),不能再接收。"), code="illegal_transition")
    transfer.answered_at, transfer.answered_by = timezone.now(), actor
    _move(
        transfer,
        TRANSFER_TRANSITIONS,
        TransferStatus.ACCEPTED,
        actor=actor,
        action="enforcement.transfer.accepted",
        reason=note,
        fields=["answered_at", "answered_by"],
    )
    clocks.stop_clock(transfer, TRANSFER_ACCEPTANCE)
    if transfer.direction == TransferDirection.INCOMING:
        _lead_from_transfer(transfer, actor)
    return transfer


def _lead_from_transfer(transfer, actor):
    lead = Lead.objects.create(
        township=transfer.township,
        source=LeadSource.TRANSFER_IN,
        summary=transfer.summary,
        details=transfer.reason,
        received_at=timezone.now(),
        first_inquiry_owner=actor,
        power=transfer.power,
        created_by=actor,
    )
    transfer.lead = lead
    transfer.save(update_fields=["lead", "updated_at"])
    clocks.start_clock(
        lead,
        FILING,
        start=lead.received_at,
        unit=Unit.WORKING_DAYS,
        amount=setting("FILING_WORKING_DAYS"),
        division=transfer.township,
    )
    log_action("enforcement.lead.created", actor=actor, obj=lead, to_state=lead.status, data={"transfer": transfer.pk})
    return lead


@transaction.atomic
def transfer_return(*, transfer: Transfer, reason: str, actor) -> Transfer:
    """退回 with reasons; the sender may then refer it to county coordination."""
    transfer = _lock(Transfer, transfer.pk)
    _require_receiver(actor, transfer)
    if not reason.strip():
        raise field_error("reason", _("退回必须写明理由。"), "reason_required")
    if transfer.status != TransferStatus.SENT:
        raise IllegalTransition(_("该移送已办理(可能已被他人处理),不能再退回。"), code="illegal_transition")
    transfer.answered_at, transfer.answered_by, transfer.return_reason = timezone.now(), actor, reason
    _move(
        transfer,
        TRANSFER_TRANSITIONS,
        TransferStatus.RETURNED,
        actor=actor,
        action="enforcement.transfer.returned",
        reason=reason,
        fields=["answered_at", "answered_by", "return_reason"],
    )
    clocks.stop_clock(transfer, TRANSFER_ACCEPTANCE)
    leaders = squad_leaders_of(transfer.township)
    _after_commit(
        lambda: notify(
            leaders,
            title=(_("移送被退回: %(s)s") % {"s": transfer.summary})[:200],
            body=reason,
            key=f"enf-transfer-returned-{transfer.pk}",
        )
    )
    return transfer


@transaction.atomic
def transfer_refer(*, transfer: Transfer, actor, reason: str = "") -> Transfer:
    """A returned transfer referred to the county for a decision on competence (职责分工争议协调)."""
    transfer = _lock(Transfer, transfer.pk)
    _require_sender(actor, transfer)
    if transfer.status != TransferStatus.RETURNED:
        raise IllegalTransition(_("只有被退回的移送可以提请协调。"), code="illegal_transition")
    transfer.escalated_at = timezone.now()
    _move(
        transfer,
        TRANSFER_TRANSITIONS,
        TransferStatus.COORDINATION,
        actor=actor,
        action="enforcement.transfer.referred",
        reason=reason,
        fields=["escalated_at"],
    )
    _notify_coordination(transfer)
    return transfer


@transaction.atomic
def transfer_keep(*, transfer: Transfer, actor, reason: str = "") -> Transfer:
    """The sender accepts the return: the lead comes back to the township."""
    transfer = _lock(Transfer, transfer.pk)
    _require_sender(actor, transfer)
    _move(
        transfer,
        TRANSFER_TRANSITIONS,
        TransferStatus.KEPT,
        actor=actor,
        action="enforcement.transfer.kept",
        reason=reason,
    )
    _lead_back(transfer, actor)
    return transfer


def _lead_back(transfer, actor):
    if transfer.lead_id and transfer.direction == TransferDirection.OUTGOING:
        lead = _lock(Lead, transfer.lead_id)
        if lead.status == LeadStatus.TRANSFERRED:
            _move(
                lead,
                LEAD_TRANSITIONS,
                LeadStatus.NEW,
                actor=actor,
                action="enforcement.lead.returned",
                data={"transfer": transfer.pk},
            )


def _is_coordinator(actor, transfer) -> bool:
    if actor.is_superuser:
        return True
    profile = getattr(actor, "staff", None)
    organisation = getattr(profile, "organisation", None)
    return bool(
        organisation
        and organisation.kind == OrgKind.COUNTY_GOVERNMENT
        and transfer.township.code.startswith(organisation.division.prefix)
    )


@transaction.atomic
def transfer_coordinate(*, transfer: Transfer, department_competent: bool, note: str, actor) -> Transfer:
    """The county coordinator decides who is competent: the department (accepted) or the township (kept)."""
    transfer = _lock(Transfer, transfer.pk)
    if not _is_coordinator(actor, transfer):
        _deny(_("只有县级协调机构可以作出协调决定。"))
    if not note.strip():
        raise ValidationError({"note": _("必须写明协调意见。")})
    transfer.coordination_note = note
    outgoing = transfer.direction == TransferDirection.OUTGOING
    target = TransferStatus.ACCEPTED if department_competent == outgoing else TransferStatus.KEPT
    _move(
        transfer,
        TRANSFER_TRANSITIONS,
        target,
        actor=actor,
        action="enforcement.transfer.coordinated",
        reason=note,
        fields=["coordination_note"],
    )
    if target == TransferStatus.KEPT:
        _lead_back(transfer, actor)
    elif not outgoing:
        _lead_from_transfer(transfer, actor)
    return transfer


def _notify_coordination(transfer):
    county = transfer.township.parent
    recipients = (
        county_coordinators(county) + squad_leaders_of(transfer.township) + department_staff(transfer.department)
    )
    notify(
        recipients,
        title=(_("移送争议提请县级协调: %(s)s") % {"s": transfer.summary})[:200],
        key=f"enf-transfer-coordination-{transfer.pk}-{transfer.status}",
    )


# transfer_escalate: the deadline sweep escalates overdue transfers set-based, in enforcement.sweeps.escalate_transfers.


# --- publicity (行政执法公示) --------------------------------------------------------------------------------


def _penalty_text(decision) -> str:
    parts = [str(PenaltyMeasure(m).label) for m in decision.measures if m != PenaltyMeasure.FINE]
    if decision.fine:
        parts.append(_("罚款 %(f)s 元") % {"f": decision.fine})
    if decision.confiscation:
        parts.append(_("没收 %(c)s 元") % {"c": decision.confiscation})
    return "、".join(parts)


@transaction.atomic
def decision_publish(*, decision: Decision, actor) -> Publication:
    """Publish a penalty decision with personal data masked (within 7 working days of the decision)."""
    decision = _lock(Decision, decision.pk)
    case = decision.case
    require_leader(actor, case.township)
    if Publication.objects.filter(decision=decision).exists():
        raise IllegalTransition(_("该决定已公示。"), code="illegal_transition")
    party_masked = mask_name(case.party_name, case.party_kind)
    # The party's name often appears in the case title ("王小明占道经营案"): mask it there too.
    title = case.title.replace(case.party_name, party_masked) if case.party_name else case.title
    publication = Publication.objects.create(
        decision=decision,
        township=case.township,
        party_masked=party_masked,
        id_number_masked=mask_id_number(case.party_id_number, case.party_kind),
        phone_masked=mask_phone(case.party_phone),
        decision_number=decision.number,
        case_title=title,
        penalty=_penalty_text(decision),
        basis=case.power.legal_basis[:2000],
        decided_on=decision.decided_on,
        published_at=timezone.now(),
        published_by=actor,
    )
    clocks.stop_clock(case, PUBLICITY)
    log_action("enforcement.decision.published", actor=actor, obj=case, data={"publication": publication.pk})
    return publication


@transaction.atomic
def publication_withdraw(*, publication: Publication, reason: str, actor) -> Publication:
    publication = _lock(Publication, publication.pk)
    require_leader(actor, publication.township)
    if publication.withdrawn_at is not None:
        raise IllegalTransition(_("该公示已撤回。"), code="illegal_transition")
    if not reason.strip():
        raise field_error("reason", _("撤回公示必须说明理由。"), "reason_required")
    publication.withdrawn_at, publication.withdraw_reason = timezone.now(), reason
    publication.save(update_fields=["withdrawn_at", "withdraw_reason", "updated_at"])
    log_action("enforcement.publication.withdrawn", actor=actor, obj=publication, reason=reason)
    return publication


# --- random inspections (双随机一公开) ------------------------------------------------------------------------


@transaction.atomic
def inspection_plan_create(
    *,
    township,
    title: str,
    starts_on,
    ends_on,
    target_count: int,
    actor,
    industry="",
    inspectors_per_target=2,
    departments=(),
) -> InspectionPlan:
    require_leader(actor, township)
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("结束日期不能早于开始日期。")})
    if target_count < 1 or inspectors_per_target < 2:
        raise ValidationError(_("抽取对象至少一户,每户检查人员至少两人。"), code="plan_sizes")
    plan = InspectionPlan.objects.create(
        township=township,
        title=title,
        starts_on=starts_on,
        ends_on=ends_on,
        target_count=target_count,
        industry=industry,
        inspectors_per_target=inspectors_per_target,
        created_by=actor,
    )
    plan.departments.set(departments)
    log_action("enforcement.inspection.planned", actor=actor, obj=plan, to_state=plan.status)
    return plan


def draw(subject_ids, inspector_ids, conflicts, *, seed: int, target_count: int, per_target: int):
    """The draw itself, a pure function of its inputs: the same seed over the same pools gives the same result.

    Targets are sampled from the sorted subject ids; for each target, inspectors are sampled from the sorted
    pool minus those with a conflict with that subject.
    """
    rng = random.Random(seed)
    subjects = sorted(subject_ids)
    pool = sorted(inspector_ids)
    chosen = rng.sample(subjects, min(target_count, len(subjects)))
    result = []
    for subject in chosen:
        eligible = [i for i in pool if (i, subject) not in conflicts]
        if len(eligible) < per_target:
            raise ValidationError(_("可抽取的执法人员不足(已排除回避人员)。"), code="inspectors_short")
        result.append((subject, rng.sample(eligible, per_target)))
    return result


def _inspection_pools(plan):
    subjects = MarketSubject.objects.filter(township=plan.township)
    if plan.industry:
        subjects = subjects.filter(industry=plan.industry)
    subject_ids = list(subjects.values_list("pk", flat=True))
    profiles = StaffProfile.objects.filter(
        organisation__division__code__startswith=plan.township.prefix,
        user__is_active=True,
        user__groups__name__in=[Role.OFFICER, Role.SQUAD_LEADER],
        certificate_valid_from__lte=plan.starts_on,
        certificate_valid_until__gte=plan.ends_on,
    ).exclude(certificate_number="")
    inspector_ids = sorted(set(profiles.values_list("user_id", flat=True)))
    conflicts = set(
        InspectorConflict.objects.filter(subject_id__in=subject_ids).values_list("inspector_id", "subject_id")
    )
    return subject_ids, inspector_ids, conflicts


@transaction.atomic
def inspection_draw(*, plan: InspectionPlan, actor, seed: int | None = None) -> InspectionPlan:
    """Draw targets and inspectors at random; the seed is recorded so the draw can be replayed."""
    plan = _lock(InspectionPlan, plan.pk)
    require_leader(actor, plan.township)
    check_transition(INSPECTION_TRANSITIONS, plan.status, InspectionPlanStatus.DRAWN)
    seed = seed if seed is not None else random.SystemRandom().randrange(2**62)
    subject_ids, inspector_ids, conflicts = _inspection_pools(plan)
    drawn = draw(
        subject_ids,
        inspector_ids,
        conflicts,
        seed=seed,
        target_count=plan.target_count,
        per_target=plan.inspectors_per_target,
    )
    # Joint inspection: a subject another plan visits in an overlapping period shares that visit.
    overlapping = dict(
        InspectionTarget.objects.filter(
            subject_id__in=[s for s, _i in drawn], plan__starts_on__lte=plan.ends_on, plan__ends_on__gte=plan.starts_on
        )
        .exclude(plan=plan)
        .values_list("subject_id", "joint_key")
    )
    through = InspectionTarget.inspectors.through
    links = []
    for position, (subject_id, inspectors) in enumerate(drawn):
        target = InspectionTarget.objects.create(
            plan=plan,
            subject_id=subject_id,
            position=position,
            joint_key=overlapping.get(subject_id) or uuid.uuid4().hex,
        )
        links += [through(inspectiontarget_id=target.pk, user_id=i) for i in inspectors]
    through.objects.bulk_create(links)
    plan.seed, plan.drawn_at = seed, timezone.now()
    _move(
        plan,
        INSPECTION_TRANSITIONS,
        InspectionPlanStatus.DRAWN,
        actor=actor,
        action="enforcement.inspection.drawn",
        data={"seed": seed, "subjects": len(subject_ids), "inspectors": len(inspector_ids)},
        fields=["seed", "drawn_at"],
    )
    return plan


def inspection_replay(plan: InspectionPlan):
    """Re-run the recorded draw over today's pools: equal to the stored result when the pools are unchanged."""
    subject_ids, inspector_ids, conflicts = _inspection_pools(plan)
    return draw(
        subject_ids,
        inspector_ids,
        conflicts,
        seed=plan.seed,
        target_count=plan.target_count,
        per_target=plan.inspectors_per_target,
    )


@transaction.atomic
def inspection_record_result(*, target: InspectionTarget, result: str, ok: bool, actor) -> InspectionTarget:
    target = InspectionTarget.objects.select_for_update().select_related("plan").get(pk=target.pk)
    _require_role_in(actor, target.plan.township, Role.SQUAD_LEADER, Role.OFFICER)
    if target.plan.status != InspectionPlanStatus.DRAWN:
        raise IllegalTransition(_("抽查计划不在实施阶段。"), code="illegal_transition")
    target.result, target.result_ok = result, ok
    target.save(update_fields=["result", "result_ok"])
    log_action(
        "enforcement.inspection.result_recorded", actor=actor, obj=target.plan, data={"target": target.pk, "ok": ok}
    )
    return target


@transaction.atomic
def inspection_publish(*, plan: InspectionPlan, actor) -> InspectionPlan:
    plan = _lock(InspectionPlan, plan.pk)
    require_leader(actor, plan.township)
    if plan.targets.filter(result_ok__isnull=True).exists():
        raise ValidationError(_("还有抽查对象未录入检查结果。"), code="results_missing")
    plan.published_at = timezone.now()
    _move(
        plan,
        INSPECTION_TRANSITIONS,
        InspectionPlanStatus.PUBLISHED,
        actor=actor,
        action="enforcement.inspection.published",
        fields=["published_at"],
    )
    return plan


# --- training and certificates (全员培训, 执法资格考试) -------------------------------------------------------


def _require_team_member(person, township, field: str):
    if not (has_role(person, Role.OFFICER, Role.SQUAD_LEADER) and in_scope(person, township)):
        raise field_error(field, _("%(name)s 不是本乡镇(街道)执法队伍的人员。") % {"name": person}, "not_officer")


@transaction.atomic
def training_session_create(*, township, title: str, held_on, actor, hours=2, place="", trainer="") -> TrainingSession:
    require_leader(actor, township)
    if not title.strip():
        raise ValidationError({"title": _("请填写培训主题。")})
    session = TrainingSession.objects.create(
        township=township, title=title, held_on=held_on, hours=hours, place=place, trainer=trainer, created_by=actor
    )
    log_action("enforcement.training.created", actor=actor, obj=session, data={"held_on": str(held_on)})
    return session


@transaction.atomic
def training_attendance_record(*, session, officer, actor, attended: bool = True, note: str = "") -> TrainingAttendance:
    """Record (or correct) one officer's attendance; recording twice keeps one row."""
    session = _lock(TrainingSession, session.pk)
    require_leader(actor, session.township)
    _require_team_member(officer, session.township, "officer")
    row, created = TrainingAttendance.objects.update_or_create(
        session=session, officer=officer, defaults={"attended": attended, "note": note, "recorded_by": actor}
    )
    log_action(
        "enforcement.training.attendance",
        actor=actor,
        obj=session,
        data={"officer": officer.pk, "attended": attended, "corrected": not created},
    )
    return row


@transaction.atomic
def exam_create(*, township, title: str, held_on, actor, pass_mark=60) -> QualificationExam:
    require_leader(actor, township)
    pass_mark = Decimal(pass_mark)
    if not (0 < pass_mark <= 100):
        raise ValidationError({"pass_mark": _("合格分数应在 0 到 100 之间。")})
    exam = QualificationExam.objects.create(
        township=township, title=title, held_on=held_on, pass_mark=pass_mark, created_by=actor
    )
    log_action("enforcement.exam.created", actor=actor, obj=exam, data={"held_on": str(held_on)})
    return exam


def certificate_expiry(valid_from: datetime.date) -> datetime.date:
    """A certificate issued on `valid_from` is valid for CERTIFICATE_VALIDITY_YEARS years, to the day before."""
    years = setting("CERTIFICATE_VALIDITY_YEARS")
    try:
        anniversary = valid_from.replace(year=valid_from.year + years)
    except ValueError:  # 29 February
        anniversary = valid_from.replace(year=valid_from.year + years, day=28)
    return anniversary - datetime.timedelta(days=1)


@transaction.atomic
def certificate_renew(*, officer, number: str, valid_from, actor, valid_until=None) -> StaffProfile:
    """Issue or renew the officer's enforcement certificate on the kernel's staff profile (validated there)."""
    profile = StaffProfile.objects.select_for_update().filter(user=officer).first()
    if profile is None or profile.organisation is None:
        raise field_error("officer", _("%(name)s 没有所属机构,不能发放执法证。") % {"name": officer}, "no_profile")
    if not number.strip():
        raise field_error("certificate_number", _("请填写执法证号。"), "certificate_number")
    old = (profile.certificate_number, str(profile.certificate_valid_until or ""))
    valid_until = valid_until or certificate_expiry(valid_from)
    clash = StaffProfile.objects.filter(certificate_number=number).exclude(user=officer).exists()
    if clash:
        raise field_error("certificate_number", _("执法证号 %(n)s 已被他人使用。") % {"n": number}, "number_taken")
    profile = set_staff_organisation(
        user=officer,
        organisation=profile.organisation,
        actor=actor,
        certificate_number=number,
        certificate_valid_from=valid_from,
        certificate_valid_until=valid_until,
    )
    log_action(
        "enforcement.certificate.renewed",
        actor=actor,
        obj=officer,
        from_state=" ".join(old).strip(),
        to_state=f"{number} {valid_until}",
    )
    return profile


@transaction.atomic
def exam_result_record(*, exam, officer, score, actor, certificate_number: str = "") -> ExamResult:
    """Record a result; a pass issues or renews the certificate (valid from the exam day) in the same transaction."""
    exam = _lock(QualificationExam, exam.pk)
    require_leader(actor, exam.township)
    _require_team_member(officer, exam.township, "officer")
    score = Decimal(score)
    if not (0 <= score <= 100):
        raise ValidationError({"score": _("成绩应在 0 到 100 之间。")})
    if ExamResult.objects.filter(exam=exam, officer=officer).exists():
        raise ValidationError(_("该考生的成绩已录入。"), code="result_twice")
    passed = score >= exam.pass_mark
    if passed and not certificate_number.strip():
        current = StaffProfile.objects.filter(user=officer).values_list("certificate_number", flat=True).first()
        certificate_number = current or ""
        if not certificate_number:
            raise field_error("certificate_number", _("考试合格,请填写发放的执法证号。"), "certificate_number")
    result = ExamResult.objects.create(
        exam=exam,
        officer=officer,
        score=score,
        passed=passed,
        certificate_number=certificate_number if passed else "",
        recorded_by=actor,
    )
    if passed:
        profile = certificate_renew(officer=officer, number=certificate_number, valid_from=exam.held_on, actor=actor)
        result.certificate_valid_until = profile.certificate_valid_until
        result.save(update_fields=["certificate_valid_until"])
    log_action(
        "enforcement.exam.result_recorded",
        actor=actor,
        obj=exam,
        data={"officer": officer.pk, "score": str(score), "passed": passed},
    )
    return result


def certificate_expiry_notify(today=None) -> int:
    """Tell each officer whose certificate expires within the warning window, and their squad leaders, once.

    Idempotent: the notification key names the certificate and its expiry date, and the kernel keeps one
    notification per recipient and key, so a daily run (or two) never repeats a notice; a renewed certificate
    has a new date and gets its own notice when it nears expiry in turn.
    """
    today = today or _today()
    leaders: dict[int, list[int]] = {}  # township id -> its squad leaders' ids, read once per township
    notices = []
    for profile in selectors.certificates_expiring(None, today=today):
        title = _("执法证 %(n)s 将于 %(d)s 到期,请参加资格考试换证。") % {
            "n": profile.certificate_number,
            "d": profile.certificate_valid_until,
        }
        recipients = {profile.user_id}
        township = profile.organisation.scope_division if profile.organisation else None
        if township is not None:
            if township.pk not in leaders:
                leaders[township.pk] = [user.pk for user in squad_leaders_of(township)]
            recipients.update(leaders[township.pk])
        key = f"enf-cert-{profile.user_id}-{profile.certificate_valid_until}"
        notices.append((sorted(recipients), title, "", "", key))
    return notify_many(notices)


# --- joint enforcement meetings (联席会议, 会商) ------------------------------------------------------------


@transaction.atomic
def meeting_create(*, township, kind: str, title: str, held_on, actor, chair="", participants="") -> JointMeeting:
    require_leader(actor, township)
    if kind not in MeetingKind.values:
        raise ValidationError({"kind": _("会议类型无效。")})
    if not title.strip():
        raise ValidationError({"title": _("请填写会议名称。")})
    meeting = JointMeeting.objects.create(
        township=township,
        kind=kind,
        title=title,
        held_on=held_on,
        chair=chair,
        participants=participants,
        created_by=actor,
    )
    log_action("enforcement.meeting.created", actor=actor, obj=meeting, data={"kind": kind})
    return meeting


@transaction.atomic
def agenda_item_add(*, meeting, topic: str, actor, case=None, transfer=None) -> AgendaItem:
    """An agenda item, optionally on a case or a transfer of the meeting's township."""
    meeting = _lock(JointMeeting, meeting.pk)
    require_leader(actor, meeting.township)
    if not topic.strip():
        raise ValidationError({"topic": _("请填写议题。")})
    if case is not None and case.township_id != meeting.township_id:
        raise field_error("case", _("案件不属于本乡镇(街道)。"), "other_township")
    if transfer is not None and transfer.township_id != meeting.township_id:
        raise field_error("transfer", _("移送不属于本乡镇(街道)。"), "other_township")
    item = AgendaItem.objects.create(
        meeting=meeting, topic=topic, case=case, transfer=transfer, position=meeting.agenda.count() + 1
    )
    meeting.save(update_fields=["updated_at"])
    log_action(
        "enforcement.meeting.agenda_added",
        actor=actor,
        obj=meeting,
        data={"item": item.pk, "case": getattr(case, "pk", None), "transfer": getattr(transfer, "pk", None)},
    )
    return item


@transaction.atomic
def meeting_decide(*, meeting, text: str, actor, agenda_item=None, tasks=()) -> MeetingDecision:
    """Record a decision and turn it into tasks, each with an owner and a deadline, all or nothing.

    `tasks`: dicts with `title`, `owner` and `due_on`. A task without an owner, with a deadline before the
    meeting, or an owner outside the township is refused and nothing of the decision is saved.
    """
    meeting = _lock(JointMeeting, meeting.pk)
    require_leader(actor, meeting.township)
    if not text.strip():
        raise ValidationError({"text": _("请填写议定事项。")})
    if agenda_item is not None and agenda_item.meeting_id != meeting.pk:
        raise field_error("agenda_item", _("议题不属于本次会议。"), "other_meeting")
    tasks = list(tasks)
    for number, task in enumerate(tasks, start=1):
        if task.get("owner") is None:
            raise field_error("tasks", _("第 %(n)s 项任务没有责任人。") % {"n": number}, "task_without_owner")
        if not str(task.get("title", "")).strip():
            raise field_error("tasks", _("第 %(n)s 项任务没有内容。") % {"n": number}, "task_without_title")
        if task.get("due_on") is None or task["due_on"] < meeting.held_on:
            raise field_error("tasks", _("第 %(n)s 项任务的时限无效。") % {"n": number}, "task_due")
        if not in_scope(task["owner"], meeting.township):
            raise field_error(
                "tasks", _("第 %(n)s 项任务的责任人不在本乡镇(街道)。") % {"n": number}, "task_owner_scope"
            )
    decision = MeetingDecision.objects.create(meeting=meeting, agenda_item=agenda_item, text=text, recorded_by=actor)
    created = [_task_create(decision, task, actor) for task in tasks]
    meeting.save(update_fields=["updated_at"])
    log_action(
        "enforcement.meeting.decided",
        actor=actor,
        obj=meeting,
        data={"decision": decision.pk, "tasks": [t.pk for t in created]},
    )
    return decision


def _task_create(decision, task, actor) -> MeetingTask:
    row = MeetingTask.objects.create(
        decision=decision, title=task["title"], owner=task["owner"], due_on=task["due_on"], created_by=actor
    )
    # Calendar days to the end of the due day: the kernel clock turns yellow, then red, and the sweep notifies.
    clocks.start_clock(
        row,
        MEETING_TASK,
        start=decision.meeting.held_on,
        unit=Unit.DAYS,
        amount=(row.due_on - decision.meeting.held_on).days,
        division=decision.meeting.township,
    )
    log_action("enforcement.meeting_task.created", actor=actor, obj=row, to_state=row.status)
    owner = row.owner
    _after_commit(
        lambda: notify(
            [owner], title=(_("联席会议任务: %(t)s") % {"t": row.title})[:200], key=f"enf-meeting-task-{row.pk}"
        )
    )
    return row


@transaction.atomic
def meeting_task_complete(*, task, result: str, actor) -> MeetingTask:
    """The owner (or a squad leader of the township) reports the task done; its clock stops."""
    task = MeetingTask.objects.select_for_update().select_related("decision__meeting__township").get(pk=task.pk)
    township = task.decision.meeting.township
    if not (actor.is_superuser or actor.pk == task.owner_id):
        require_leader(actor, township)
    if not result.strip():
        raise ValidationError({"result": _("请填写办理结果。")})
    task.result, task.done_at = result, timezone.now()
    _move(
        task,
        MEETING_TASK_TRANSITIONS,
        MeetingTaskStatus.DONE,
        actor=actor,
        action="enforcement.meeting_task.done",
        reason=result,
        fields=["result", "done_at"],
    )
    clocks.stop_clock(task, MEETING_TASK)
    return task
