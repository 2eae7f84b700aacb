"""Every write to approvals: lock, check, transition, save, audit, and queue follow-ups on commit.

Pages, the API, the deadline sweep and the demo loader call these functions and nothing else, so no
entry point can skip a legal check or the audit entry. Rules of the Administrative Licensing Law (ALL)
are named in the docstrings where they apply.
"""

import datetime
from typing import NamedTuple

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncDate
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals import selectors
from approvals.models import (
    CLOCK_DECISION,
    CLOCK_FOLLOWUP,
    CLOCK_ISSUANCE,
    CLOCK_KINDS,
    CLOCK_NOTICE,
    CLOCK_PLEDGE,
    ApplicantKind,
    Application,
    ApplicationSequence,
    Decision,
    Delivery,
    Issuance,
    MaterialNotice,
    Outcome,
    Pledge,
    PledgeEligibleItem,
    Rating,
    RatingFollowUp,
    RatingLevel,
    Suspension,
    SuspensionKind,
    validate_applicant_id,
)
from approvals.states import (
    BEFORE_DECISION,
    FOLLOWUP_TRANSITIONS,
    OPEN_STATUSES,
    PLEDGE_TRANSITIONS,
    TRANSITIONS,
    FollowUpStatus,
    PledgeStatus,
    Status,
    check_transition,
)
from catalogs.models import Channel, PowerItem
from ruian import clocks
from ruian.attachments import attach_file
from ruian.audit import AuditEntry, log_action
from ruian.clocks import Unit
from ruian.context import current_ip
from ruian.divisions import Level
from ruian.notifications import notify, notify_select
from ruian.permissions import in_scope
from ruian.prepared import STAND_IN_CODE, STAND_IN_ID, PreparedFirst, insert_of, update_of
from ruian.staff import Role, has_role

# ALL Art 32: the one-time notice of missing materials within 5 working days, else accepted on receipt.
NOTICE_DAYS = 5
# ALL Art 42: decision within 20 working days of acceptance, extendable once by 10 with reasons.
DEFAULT_DECISION_DAYS = 20
EXTENSION_DAYS = 10
# ALL Art 42 para 2: joint handling (联合办理) by several departments: 45 working days, extendable once by 15.
JOINT_DECISION_DAYS = 45
JOINT_EXTENSION_DAYS = 15
# ALL Art 44: the certificate issued within 10 working days of the decision.
ISSUANCE_DAYS = 10


def followup_days() -> int:
    """Working days to verify and rectify a bad rating: practice, not law (15 in Sichuan)."""
    return getattr(settings, "APPROVALS_RATING_FOLLOWUP_DAYS", 15)


def pledge_check_days() -> int:
    return getattr(settings, "APPROVALS_PLEDGE_CHECK_DAYS", 20)


FRONT_DESK = (Role.WINDOW_CLERK, Role.API_CLIENT)
BACK_OFFICE = (Role.APPROVER,)


# --- helpers ------------------------------------------------------------------------------------------


def _require(actor, township, roles) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("请先登录。"))
    if actor.is_superuser:
        return
    if not has_role(actor, *roles):
        raise PermissionDenied(_("您的角色不能办理此操作。"))
    if not in_scope(actor, township):
        raise PermissionDenied(_("该申请不属于您所在的乡镇(街道)。"))


class Readable(NamedTuple):
    """The application numbered `number` if `reader` may read it: what the API's actions hand a service."""

    number: str
    reader: object


# Every action locks its application first: prepared statements compiled once per process from these
# querysets (ruian/prepared.py), as the ORM spent more building the lock than PostgreSQL took to run it.
# The township comes along (every service checks the actor's scope against it); only the row is locked.
def _locking(**lookup):
    return Application.objects.filter(**lookup).select_for_update(of=("self",)).select_related("township")


_LOCK_BY_ID = PreparedFirst("approvals_lock_by_id", lambda pk: _locking(pk=pk), lambda pk: {"pk": pk}, (STAND_IN_ID,))
_LOCK_BY_NUMBER = PreparedFirst(
    "approvals_lock_by_number",
    lambda number: _locking(number=number),
    lambda number: {"number": number},
    (STAND_IN_CODE,),
)


def _lock(application: Application | Readable) -> Application:
    """Lock and read the application's row. Given a `Readable`, one the caller may not read raises
    `Application.DoesNotExist` (the API's 404) and the transaction the service runs in is rolled back."""
    if isinstance(application, Readable):
        app = _LOCK_BY_NUMBER.get(application.number)
        if not selectors.may_read_application(application.reader, app):
            raise Application.DoesNotExist
        return app
    return _LOCK_BY_ID.get(application.pk)


def _reason_required(reason: str, message) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(message, code="reason_required")
    return reason


def _move(app: Application, target: str, *, actor, action: str, fields=(), reason: str = "", data=None) -> None:
    """Check the table, change the status, save the named fields and write the audit entry."""
    check_transition(TRANSITIONS, app.status, target)
    old = app.status
    app.status = target
    log_action(
        f"approvals.application.{action}",
        before=update_of(app, ["status", "updated_at", *fields]),  # the row and its entry in one round trip
        actor=actor,
        obj=app,
        from_state=old,
        to_state=target,
        reason=reason,
        data=data,
    )


def _touch(app: Application, fields, *, actor, action: str, reason: str = "", data=None) -> None:
    """Save a change that is not a change of status (extension, materials) and audit it."""
    log_action(
        f"approvals.application.{action}",
        before=update_of(app, ["updated_at", *fields]),
        actor=actor,
        obj=app,
        from_state=app.status,
        to_state=app.status,
        reason=reason,
        data=data,
    )


def _stop_all_clocks(app: Application, at) -> None:
    for kind in CLOCK_KINDS:
        if kind != CLOCK_PLEDGE:
            clocks.stop_clock(app, kind, at=at)


def _mark_if_late(app: Application, kind: str, at) -> bool:
    """Stop the clock; remember on the application if it ran over (for the on-time rate)."""
    clock = clocks.stop_clock(app, kind, at=at)
    if clock is not None and at >= clock.due_at and not app.overdue:
        app.overdue = True
        return True
    return False


def application_link(app: Application) -> str:
    try:
        return reverse("approvals:detail", args=[app.number])
    except NoReverseMatch:
        return ""


def _after_commit(fn) -> None:
    transaction.on_commit(fn)


def next_number(township, day: datetime.date) -> str:
    """Township code + date + sequence, e.g. 320623100-20261122-0007.

    The sequence is one upsert (INSERT ... ON CONFLICT DO UPDATE ... RETURNING): PostgreSQL serialises
    concurrent receipts on the counter row, so two clerks never get the same number.
    """
    return _draw_number(township, day)[0]


def _draw_number(township, day: datetime.date) -> tuple[str, int]:
    """`next_number`, and the new application's id drawn from its sequence in the same statement."""
    table = ApplicationSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (township_id, day, last) VALUES (%s, %s, 1) "
            f"ON CONFLICT (township_id, day) DO UPDATE SET last = {table}.last + 1 "
            "RETURNING last, nextval(pg_get_serial_sequence(%s, 'id'))",
            [township.pk, day, Application._meta.db_table],
        )
        sequence, application_id = cursor.fetchone()
    return f"{township.code[:9]}-{day:%Y%m%d}-{sequence:04d}", application_id


def _limits(item) -> tuple[int, int]:
    legal = item.legal_time_limit or DEFAULT_DECISION_DAYS
    promised = item.promised_time_limit or legal
    return legal, min(promised, legal)


def _checklist(item, provided) -> list[dict]:
    provided = set(provided or [])
    names = {m["name"] for m in item.materials}
    unknown = provided - names
    if unknown:
        raise ValidationError(
            _("以下材料不在该事项的材料清单中: %(names)s。"),
            code="materials",
            params={"names": "、".join(sorted(unknown))},
        )
    return [
        {
            "name": m["name"],
            "form": m.get("form", "original"),
            "copies": m.get("copies", 1),
            "mandatory": m.get("mandatory", True),
            "provided": m["name"] in provided,
        }
        for m in item.materials
    ]


def is_pledge_item(item) -> bool:
    return PledgeEligibleItem.objects.filter(lineage=item.lineage).exists()


# --- receive ------------------------------------------------------------------------------------------


def receive_application(
    *,
    township,
    item,
    applicant_kind: str,
    applicant_name: str,
    applicant_id_number: str,
    applicant_phone: str,
    actor,
    channel: str = Channel.WINDOW,
    materials_provided=(),
    contact_name: str = "",
    address: str = "",
    received_at=None,
    pledge: bool = False,
    joint_handling: bool = False,
    scans=(),
) -> Application:
    """Record an application at a window, proxy point, terminal or online, and start the notice clock.

    The item must be one the township holds on the day (its own power list, an empowerment, or a town-
    or village-level service item); otherwise the applicant is told which department does hold it.
    """
    _require(actor, township, FRONT_DESK)
    if township.level != Level.TOWNSHIP:
        raise ValidationError(_("申请必须提交到乡镇(街道)。"), code="township")
    received_at = received_at or timezone.now()
    day = timezone.localtime(received_at).date()
    errors = {}
    if applicant_kind not in ApplicantKind.values:
        errors["applicant_kind"] = [_("申请人类型无效。")]
    else:
        try:
            applicant_id_number = validate_applicant_id(applicant_kind, applicant_id_number)
        except ValidationError as error:
            errors["applicant_id_number"] = error.messages
    if not (applicant_name or "").strip():
        errors["applicant_name"] = [_("请填写申请人。")]
    phone = (applicant_phone or "").strip()
    if not (phone.isdigit() and 7 <= len(phone) <= 20):
        errors["applicant_phone"] = [_("请填写有效的联系电话(仅数字)。")]
    if channel not in Channel.values:
        errors["channel"] = [_("办理渠道无效。")]
    if errors:
        raise ValidationError(errors)
    if not selectors.applicable(item):
        raise ValidationError(
            {"item": [_("“%(item)s”是执法类事项,不受理申请。") % {"item": item.name}]}, code="item_not_applicable"
        )
    if not selectors.holds_item(township, item, day):
        holder = getattr(item, "department", None) or getattr(item, "deciding_office", "") or _("县级主管部门")
        raise ValidationError(
            {
                "item": [
                    _("%(township)s 在 %(day)s 不承接事项“%(item)s”,请向 %(holder)s 申请。")
                    % {"township": township.name, "day": day, "item": item.name, "holder": holder}
                ]
            },
            code="item_not_held",
        )
    if pledge and not is_pledge_item(item):
        raise ValidationError({"pledge": [_("该事项未实行告知承诺制。")]}, code="pledge_item")
    legal, promised = _limits(item)
    if joint_handling:
        # The statute's 45 working days replace the item's limit; nothing shorter has been promised for it.
        legal = promised = JOINT_DECISION_DAYS
    materials = _checklist(item, materials_provided)
    department = item.department if isinstance(item, PowerItem) else None
    # The checks above only read. The writes are one transaction, which nested in the caller's (the API's
    # idempotency key, the page's grid hand-over) needs no savepoint of its own, two statements fewer: only a
    # database error, which aborts the caller's transaction anyway, can end it early. A refused scan can
    # too, so with scans the savepoint stays and a caller catching the refusal keeps a usable transaction.
    with transaction.atomic(savepoint=bool(scans)):
        number, application_id = _draw_number(township, day)
        app = Application(
            id=application_id,
            number=number,
            township=township,
            power_item=item if isinstance(item, PowerItem) else None,
            service_item=None if isinstance(item, PowerItem) else item,
            item_code=item.code,
            item_name=item.name,
            deciding_office=getattr(item, "deciding_office", "") or getattr(item, "department", "") or "",
            department=department,
            legal_limit=legal,
            promised_limit=promised,
            channel=channel,
            applicant_kind=applicant_kind,
            applicant_name=applicant_name.strip(),
            applicant_id_number=applicant_id_number,
            applicant_phone=phone,
            contact_name=contact_name,
            address=address,
            materials=materials,
            received_at=received_at,
            received_by=actor,
            pledge=pledge,
            joint_handling=bool(joint_handling),
        )
        log_action(
            "approvals.application.received",
            before=insert_of(app),  # the application and its audit entry in one round trip
            actor=actor,
            obj=app,
            to_state=app.status,
            data={"item": item.code, "channel": channel, **({"joint_handling": True} if joint_handling else {})},
        )
        for upload in scans:
            # Size and type are checked by the kernel; a bad file refuses the whole receipt.
            attach_file(obj=app, upload=upload, actor=actor, description=_("收件扫描件"))
        clocks.start_clock(
            app,
            CLOCK_NOTICE,
            start=received_at,
            unit=Unit.WORKING_DAYS,
            amount=NOTICE_DAYS,
            division=township,
            fresh=True,
        )
    return app


# --- front desk ---------------------------------------------------------------------------------------


def _start_decision_clock(app: Application, start) -> None:
    """The decision clock starts on acceptance, and the notice clock stops (in the same UPDATE)."""
    clocks.start_clock(
        app,
        CLOCK_DECISION,
        start=start,
        unit=Unit.WORKING_DAYS,
        amount=app.promised_limit,
        legal_amount=app.legal_limit,
        division=app.township,
        also_stop=[CLOCK_NOTICE],
        stopped_at=start,
    )


@transaction.atomic
def accept_application(*, application: Application, actor) -> Application:
    """受理 (ALL Art 32): all mandatory materials present; written, dated acceptance; decision clock starts."""
    app = _lock(application)
    _require(actor, app.township, FRONT_DESK)
    check_transition(TRANSITIONS, app.status, Status.ACCEPTED)
    missing = app.missing_materials()
    if missing:
        raise ValidationError(
            _("缺少必需材料: %(names)s。请出具一次性告知书。"),
            code="materials_missing",
            params={"names": "、".join(m["name"] for m in missing)},
        )
    now = timezone.now()
    app.accepted_at = now
    _move(app, Status.ACCEPTED, actor=actor, action="accepted", fields=["accepted_at"])
    _start_decision_clock(app, now)
    return app


@transaction.atomic
def refuse_application(*, application: Application, reason: str, actor, competent_department: str = "") -> Application:
    """不予受理 (ALL Art 32): in writing, with the reason; a matter outside the township's powers names the
    department that holds it."""
    app = _lock(application)
    _require(actor, app.township, FRONT_DESK)
    reason = _reason_required(reason, _("不予受理必须说明理由。"))
    now = timezone.now()
    app.refusal_reason = reason
    app.competent_department = (competent_department or "").strip()
    app.closed_at = now
    _move(
        app,
        Status.REFUSED,
        actor=actor,
        action="refused",
        fields=["refusal_reason", "competent_department", "closed_at"],
        reason=reason,
        data={"competent_department": app.competent_department} if app.competent_department else None,
    )
    _stop_all_clocks(app, now)
    return app


@transaction.atomic
def give_material_notice(*, application: Application, actor, note: str = "", extra=()) -> MaterialNotice:
    """一次性告知 (ALL Art 32): one written notice listing everything missing, on the spot or within 5
    working days. The notice clock stops; supplementing restarts the check."""
    app = _lock(application)
    _require(actor, app.township, FRONT_DESK)
    check_transition(TRANSITIONS, app.status, Status.NOTICE_GIVEN)
    missing = [m["name"] for m in app.missing_materials()] + [e.strip() for e in extra if e and e.strip()]
    if not missing:
        raise ValidationError(_("材料齐全,无需告知补正;请直接受理。"), code="nothing_missing")
    now = timezone.now()
    clocks.stop_clock(app, CLOCK_NOTICE, at=now)
    notice = MaterialNotice.objects.create(application=app, missing=missing, note=note, issued_by=actor, issued_at=now)
    _move(app, Status.NOTICE_GIVEN, actor=actor, action="notice_given", data={"missing": missing})
    return notice


@transaction.atomic
def supplement_materials(*, application: Application, provided, actor) -> Application:
    """The applicant brings what was missing: the check starts again, with a new 5-working-day clock."""
    app = _lock(application)
    _require(actor, app.township, FRONT_DESK)
    check_transition(TRANSITIONS, app.status, Status.RECEIVED)
    provided = set(provided or [])
    names = {m["name"] for m in app.materials}
    if provided - names:
        raise ValidationError(
            _("以下材料不在该事项的材料清单中: %(names)s。"),
            code="materials",
            params={"names": "、".join(sorted(provided - names))},
        )
    if not provided:
        raise ValidationError(_("请勾选补正的材料。"), code="materials")
    app.materials = [{**m, "provided": m["provided"] or m["name"] in provided} for m in app.materials]
    now = timezone.now()
    MaterialNotice.objects.filter(application=app, supplemented_at__isnull=True).update(supplemented_at=now)
    _move(
        app,
        Status.RECEIVED,
        actor=actor,
        action="supplemented",
        fields=["materials"],
        data={"provided": sorted(provided)},
    )
    clocks.start_clock(app, CLOCK_NOTICE, start=now, unit=Unit.WORKING_DAYS, amount=NOTICE_DAYS, division=app.township)
    return app


def _selection(applications) -> tuple[str, list]:
    """SQL selecting the ids of `applications` (a queryset of them, or ids) and its parameters, so the bulk
    services below run as one statement each without fetching the rows first."""
    if isinstance(applications, QuerySet):
        sql, params = applications.order_by().values("pk").query.sql_with_params()
        return sql, list(params)
    return "SELECT unnest(%s::bigint[])", [sorted({int(pk) for pk in applications})]


@transaction.atomic
def deem_accepted(*, applications, at=None) -> list[int]:
    """ALL Art 32: no notice within 5 working days means the application counts as accepted from the day
    it was received. Called by the deadline sweep for every notice clock that ran out (`applications`: a
    queryset or ids), set-based: a fixed number of statements whatever the number of applications.

    Only applications still `received` move, each through the transition table, each with one audit
    entry, each with its decision clock counted from the day of receipt; the clerk, the township's
    approvers and its leader in charge are told once. Returns the ids that moved.

    An application a clerk has locked at this moment is skipped, not waited for: the clerk's service locks
    the application and then its notice clock, which the sweep already holds, so waiting would deadlock.
    A clerk who accepts, notices or refuses wins; otherwise the caller re-arms the clock for the next sweep.
    """
    check_transition(TRANSITIONS, Status.RECEIVED, Status.ACCEPTED)
    selection, params = _selection(applications)
    at = at or timezone.now()
    # The decision limits per day of receipt, from the kernel calendar: a handful of distinct rows.
    limits = (
        Application.objects.filter(pk__in=RawSQL(selection, params), status=Status.RECEIVED)
        .annotate(day=TruncDate("received_at", tzinfo=timezone.get_default_timezone()))
        .values_list("day", "promised_limit", "legal_limit")
        .distinct()
        .order_by()
    )
    clock_columns = _decision_clock_columns(list(limits))
    app_type = ContentType.objects.get_for_model(Application)
    deadline_table = clocks.Deadline._meta.db_table
    with connection.cursor() as cursor:
        # One statement moves the applications, writes their audit entries and stops their notice clocks
        # (writable CTEs): all of it happens or none.
        cursor.execute(
            f"""
            WITH moved AS (
                UPDATE {Application._meta.db_table}
                   SET status = %s, accepted_at = received_at, deemed_accepted = true, updated_at = %s
                 WHERE id IN (SELECT id FROM {Application._meta.db_table} WHERE id IN ({selection}) AND status = %s
                              ORDER BY id FOR UPDATE SKIP LOCKED)
                RETURNING id, number, item_name
            ), audit AS (
                INSERT INTO {AuditEntry._meta.db_table} (created_at, actor_id, action, content_type_id,
                    object_id, object_repr, from_state, to_state, reason, data, ip)
                SELECT %s, NULL, 'approvals.application.deemed_accepted', %s, m.id::text,
                       left(m.number || ' ' || m.item_name, 200), %s, %s, %s, '{{}}'::jsonb, %s
                  FROM moved m
            ), stopped AS (
                UPDATE {deadline_table} SET status = %s, stopped_at = %s
                 WHERE content_type_id = %s AND kind = %s AND status <> %s AND object_id IN (SELECT id FROM moved)
            )
            SELECT id FROM moved ORDER BY id
            """,
            [
                Status.ACCEPTED,
                at,
                *params,
                Status.RECEIVED,
                at,
                app_type.pk,
                Status.RECEIVED,
                Status.ACCEPTED,
                _("收件后5个工作日内未告知补正,依法自收到申请之日起即为受理。"),
                current_ip(),
                clocks.ClockStatus.STOPPED,
                at,
                app_type.pk,
                CLOCK_NOTICE,
                clocks.ClockStatus.STOPPED,
            ],
        )
        moved = [row[0] for row in cursor.fetchall()]
        if not moved:
            return []
        # The bulk form of _start_decision_clock: counted from the day of receipt (start_clock's own dates).
        cursor.execute(
            f"""
            INSERT INTO {deadline_table} (content_type_id, object_id, kind, division_id, unit, amount,
                legal_amount, started_at, yellow_at, due_at, hard_due_at, status, level, extended)
            SELECT %s, a.id, %s, a.township_id, %s, a.promised_limit, a.legal_limit, a.received_at, c.yellow,
                   c.due, c.hard, %s, %s, 0
              FROM {Application._meta.db_table} a
              JOIN unnest(%s::date[], %s::int[], %s::int[], %s::timestamptz[], %s::timestamptz[],
                          %s::timestamptz[]) AS c(day, promised, legal, yellow, due, hard)
                ON c.day = (a.received_at AT TIME ZONE %s)::date AND c.promised = a.promised_limit
                   AND c.legal = a.legal_limit
             WHERE a.id = ANY(%s)
            """,
            [
                app_type.pk,
                CLOCK_DECISION,
                Unit.WORKING_DAYS,
                clocks.ClockStatus.RUNNING,
                clocks.Level.GREEN,
                *clock_columns,
                settings.TIME_ZONE,
                moved,
            ],
        )
    tell_responsible(
        moved,
        title=_("%(number)s 已视为受理"),
        body=_("5个工作日内未出具一次性告知书,依法视为自收件之日起受理。"),
        key="deemed",
        leaders=True,
    )
    return moved


def _decision_clock_columns(limits) -> list[list]:
    """(day, promised, legal) -> the columns (day, promised, legal, yellow, due, hard) of the decision clocks
    started on that day, computed as start_clock computes them."""
    share = settings.CLOCK_YELLOW_SHARE
    columns: list[list] = [[], [], [], [], [], []]
    for day, promised, legal in limits:
        due = clocks.compute_due(day, Unit.WORKING_DAYS, promised)
        yellow = clocks.compute_yellow(day, Unit.WORKING_DAYS, promised, due, share)
        hard = clocks.compute_due(day, Unit.WORKING_DAYS, legal) if legal > promised else None
        for column, value in zip(columns, (day, promised, legal, yellow, due, hard), strict=True):
            column.append(value)
    return columns


def tell_responsible(applications, *, title, key: str, body=None, leaders: bool = False) -> int:
    """Notify, for each of `applications` (a queryset or ids), the clerk who received it and the township's
    approvers (with `leaders` also its leader in charge), once per `key`: the deadline sweep's bulk path.

    `title` is formatted with the application's number; `body` follows the item's name. A fixed number of
    statements whatever the number of applications: the townships, their staff, one INSERT ... SELECT.
    """
    selection, params = _selection(applications)
    townships = Application.objects.filter(pk__in=RawSQL(selection, params)).values_list("township_id", flat=True)
    roles = [Role.APPROVER, Role.LEADER] if leaders else [Role.APPROVER]
    staff = selectors.staff_by_township(set(townships.distinct().order_by()), roles)
    pairs = [(township, user) for township, users in staff.items() for user in sorted(users)]
    placeholder = "0-APPLICATION-NUMBER"
    link = application_link(Application(number=placeholder))
    return notify_select(
        f"""
        WITH apps AS (
            SELECT id, number, item_name, township_id, received_by_id
              FROM {Application._meta.db_table} WHERE id IN ({selection})
        ), staff AS (
            SELECT * FROM unnest(%s::bigint[], %s::bigint[]) AS s(township_id, user_id)
        ), recipients AS (
            SELECT id, received_by_id AS user_id FROM apps
            UNION
            SELECT apps.id, staff.user_id FROM apps JOIN staff USING (township_id)
        )
        SELECT r.user_id, replace(%s, '%%(number)s', a.number),
               CASE WHEN %s = '' THEN a.item_name ELSE a.item_name || ': ' || %s END,
               replace(%s, %s, a.number), 'approvals:' || a.id || ':' || %s
          FROM recipients r JOIN apps a ON a.id = r.id
        """,
        [
            *params,
            [p[0] for p in pairs],
            [p[1] for p in pairs],
            str(title),
            str(body or ""),
            str(body or ""),
            link,
            placeholder,
            key,
        ],
    )


def record_overruns(*, applications, clock_kind: str) -> int:
    """Remember on each open application (a queryset or ids) that a clock ran over its limit: the on-time
    rate counts it even while the case is still open. One audit entry the first time; one statement."""
    selection, params = _selection(applications)
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH marked AS (
                UPDATE {Application._meta.db_table} SET overdue = true, updated_at = %s
                 WHERE id IN ({selection}) AND status = ANY(%s) AND NOT overdue
                RETURNING id, number, item_name, status
            )
            INSERT INTO {AuditEntry._meta.db_table} (created_at, actor_id, action, content_type_id, object_id,
                object_repr, from_state, to_state, reason, data, ip)
            SELECT %s, NULL, 'approvals.application.overdue', %s, m.id::text,
                   left(m.number || ' ' || m.item_name, 200), m.status, m.status, %s,
                   jsonb_build_object('clock', %s::text), %s
              FROM marked m
            """,
            [
                now,
                *params,
                list(OPEN_STATUSES),
                now,
                ContentType.objects.get_for_model(Application).pk,
                _("已超过承诺时限。"),
                clock_kind,
                current_ip(),
            ],
        )
        return cursor.rowcount


@transaction.atomic
def send_to_back_office(*, application: Application, actor) -> Application:
    """Hand the accepted application to the deciding department named in the catalog."""
    app = _lock(application)
    _require(actor, app.township, FRONT_DESK)
    app.sent_at = timezone.now()
    _move(app, Status.IN_REVIEW, actor=actor, action="sent_to_back_office", fields=["sent_at"])
    recipients = list(selectors.approvers_of(app.township))
    _after_commit(
        lambda: notify(
            recipients,
            title=_("新的待审批件 %(number)s") % {"number": app.number},
            body=app.item_name,
            link=application_link(app),
            key=f"approvals:{app.pk}:sent",
        )
    )
    return app


# --- back office --------------------------------------------------------------------------------------


def _check_second_reviewer(app: Application, actor, second_reviewer) -> None:
    """ALL Art 34: verifying the substance of the materials takes two staff."""
    if second_reviewer is None or second_reviewer.pk == actor.pk:
        raise ValidationError(
            {"second_reviewer": [_("实质审查须由两名工作人员进行,请选择另一名审批人员。")]}, code="two_staff"
        )
    if not second_reviewer.is_active or not (
        second_reviewer.is_superuser
        or (has_role(second_reviewer, Role.APPROVER) and in_scope(second_reviewer, app.township))
    ):
        raise ValidationError({"second_reviewer": [_("第二审查人必须是本乡镇(街道)的审批人员。")]}, code="two_staff")


@transaction.atomic
def decide_application(
    *, application: Application, approve: bool, reasons: str, actor, second_reviewer=None
) -> Decision:
    """准予 / 不予许可 (ALL Art 38): a written decision with reasons; the issuance clock starts (Art 44)."""
    app = _lock(application)
    _require(actor, app.township, BACK_OFFICE)
    target = Status.APPROVED if approve else Status.DENIED
    check_transition(TRANSITIONS, app.status, target)
    reasons = _reason_required(reasons, _("审批决定必须说明理由。"))
    _check_second_reviewer(app, actor, second_reviewer)
    now = timezone.now()
    _mark_if_late(app, CLOCK_DECISION, now)
    app.decided_at = now
    decision = Decision.objects.create(
        application=app,
        outcome=Outcome.APPROVED if approve else Outcome.DENIED,
        reasons=reasons,
        decided_by=actor,
        second_reviewer=second_reviewer,
        decided_at=now,
        certificate_number=f"{app.number}-Z" if approve else "",
    )
    _move(
        app,
        target,
        actor=actor,
        action="approved" if approve else "denied",
        fields=["decided_at", "overdue"],
        reason=reasons,
        data={"second_reviewer": second_reviewer.pk},
    )
    _start_issuance_clock(app, now)
    clerk = app.received_by
    _after_commit(
        lambda: notify(
            [clerk],
            title=_("%(number)s 已作出决定,请出件") % {"number": app.number},
            body=app.get_status_display(),
            link=application_link(app),
            key=f"approvals:{app.pk}:decided",
        )
    )
    return decision


def _start_issuance_clock(app: Application, start) -> None:
    clocks.start_clock(
        app, CLOCK_ISSUANCE, start=start, unit=Unit.WORKING_DAYS, amount=ISSUANCE_DAYS, division=app.township
    )


@transaction.atomic
def extend_decision(*, application: Application, reason: str, actor) -> Application:
    """ALL Art 42: the decision limit may be extended once, by 10 working days (15 under joint handling),
    with the reason told to the applicant: the extension notice (documents, kind "extension") carries it."""
    app = _lock(application)
    _require(actor, app.township, BACK_OFFICE)
    if app.status not in (Status.IN_REVIEW, Status.SUSPENDED):
        raise ValidationError(_("只有审查中的申请可以延期。"), code="illegal_transition")
    if app.extended:
        raise ValidationError(_("审批期限只能延长一次。"), code="extended_once")
    reason = _reason_required(reason, _("延期必须说明理由,并告知申请人。"))
    days = JOINT_EXTENSION_DAYS if app.joint_handling else EXTENSION_DAYS
    clocks.extend_clock(app, CLOCK_DECISION, amount=days)
    app.extended = True
    app.extension_reason = reason
    _touch(app, ["extended", "extension_reason"], actor=actor, action="extended", reason=reason, data={"days": days})
    return app


@transaction.atomic
def suspend_review(*, application: Application, kind: str, reason: str, actor) -> Suspension:
    """ALL Art 45: hearings, testing, inspection and expert review do not count towards the limit."""
    app = _lock(application)
    _require(actor, app.township, BACK_OFFICE)
    if kind not in SuspensionKind.values:
        raise ValidationError({"kind": [_("中止计时事由无效。")]}, code="suspension_kind")
    reason = _reason_required(reason, _("中止计时必须说明理由。"))
    check_transition(TRANSITIONS, app.status, Status.SUSPENDED)
    now = timezone.now()
    clocks.suspend_clock(app, CLOCK_DECISION, at=now)
    suspension = Suspension.objects.create(application=app, kind=kind, reason=reason, started_at=now, started_by=actor)
    _move(app, Status.SUSPENDED, actor=actor, action="suspended", reason=reason, data={"kind": kind})
    return suspension


@transaction.atomic
def resume_review(*, application: Application, actor) -> Application:
    app = _lock(application)
    _require(actor, app.township, BACK_OFFICE)
    check_transition(TRANSITIONS, app.status, Status.IN_REVIEW)
    now = timezone.now()
    clocks.resume_clock(app, CLOCK_DECISION, at=now)
    Suspension.objects.filter(application=app, ended_at__isnull=True).update(ended_at=now, ended_by=actor)
    _move(app, Status.IN_REVIEW, actor=actor, action="resumed")
    return app


# --- issuance, pledge, withdrawal ---------------------------------------------------------------------


@transaction.atomic
def issue_result(*, application: Application, delivery: str, actor, delivery_detail: str = "") -> Issuance:
    """Unified issuance under the township's single seal, within 10 working days of the decision (Art 44)."""
    app = _lock(application)
    _require(actor, app.township, FRONT_DESK)
    check_transition(TRANSITIONS, app.status, Status.ISSUED)
    if delivery not in Delivery.values:
        raise ValidationError({"delivery": [_("送达方式无效。")]}, code="delivery")
    if delivery in (Delivery.POSTED, Delivery.ELECTRONIC) and not (delivery_detail or "").strip():
        raise ValidationError({"delivery_detail": [_("邮寄请填写单号,电子送达请填写送达地址。")]}, code="delivery")
    now = timezone.now()
    _mark_if_late(app, CLOCK_ISSUANCE, now)
    issuance = Issuance.objects.create(
        application=app, delivery=delivery, delivery_detail=delivery_detail, issued_by=actor, issued_at=now
    )
    app.issued_at = now
    app.closed_at = now
    _move(
        app,
        Status.ISSUED,
        actor=actor,
        action="issued",
        fields=["issued_at", "closed_at", "overdue"],
        data={"delivery": delivery},
    )
    return issuance


@transaction.atomic
def approve_on_pledge(*, application: Application, pledge_text: str, actor) -> Decision:
    """告知承诺制: the applicant signs a pledge and is approved on the spot; verification follows, and a
    false pledge revokes the approval (`verify_pledge`)."""
    app = _lock(application)
    _require(actor, app.township, FRONT_DESK)
    if not app.pledge:
        raise ValidationError(_("该申请未选择告知承诺制。"), code="pledge_item")
    check_transition(TRANSITIONS, app.status, Status.APPROVED)
    pledge_text = _reason_required(pledge_text, _("请填写申请人签署的承诺内容。"))
    now = timezone.now()
    clocks.stop_clock(app, CLOCK_NOTICE, at=now)
    Pledge.objects.create(application=app, text=pledge_text, signed_at=now)
    decision = Decision.objects.create(
        application=app,
        outcome=Outcome.APPROVED,
        reasons=_("申请人书面承诺符合条件,依告知承诺制当场准予。"),
        decided_by=actor,
        decided_at=now,
        on_pledge=True,
        certificate_number=f"{app.number}-Z",
    )
    app.accepted_at = now
    app.decided_at = now
    _move(app, Status.APPROVED, actor=actor, action="approved_on_pledge", fields=["accepted_at", "decided_at"])
    _start_issuance_clock(app, now)
    clocks.start_clock(
        app, CLOCK_PLEDGE, start=now, unit=Unit.WORKING_DAYS, amount=pledge_check_days(), division=app.township
    )
    return decision


@transaction.atomic
def verify_pledge(*, application: Application, truthful: bool, findings: str, actor) -> Pledge:
    app = _lock(application)
    _require(actor, app.township, (Role.APPROVER, Role.WINDOW_CLERK))
    pledge = Pledge.objects.select_for_update().filter(application=app).first()
    if pledge is None:
        raise ValidationError(_("该申请没有告知承诺书。"), code="no_pledge")
    target = PledgeStatus.TRUE if truthful else PledgeStatus.FALSE
    check_transition(PLEDGE_TRANSITIONS, pledge.status, target)
    findings = _reason_required(findings, _("请填写核查情况。"))
    now = timezone.now()
    old = pledge.status
    pledge.status, pledge.findings, pledge.verified_by, pledge.verified_at = target, findings, actor, now
    pledge.save(update_fields=["status", "findings", "verified_by", "verified_at"])
    log_action("approvals.pledge.verified", actor=actor, obj=app, from_state=old, to_state=target, reason=findings)
    clocks.stop_clock(app, CLOCK_PLEDGE, at=now)
    if not truthful:
        app.closed_at = now
        _move(app, Status.REVOKED, actor=actor, action="revoked", fields=["closed_at"], reason=findings)
        _stop_all_clocks(app, now)
    return pledge


@transaction.atomic
def withdraw_application(*, application: Application, reason: str, actor) -> Application:
    """The applicant withdraws, at any point before the decision."""
    app = _lock(application)
    _require(actor, app.township, FRONT_DESK)
    if app.status not in BEFORE_DECISION:
        raise ValidationError(_("已作出决定的申请不能撤回。"), code="illegal_transition")
    reason = _reason_required(reason, _("请填写撤回理由。"))
    now = timezone.now()
    app.withdrawal_reason = reason
    app.closed_at = now
    _move(
        app, Status.WITHDRAWN, actor=actor, action="withdrawn", fields=["withdrawal_reason", "closed_at"], reason=reason
    )
    _stop_all_clocks(app, now)
    return app


# --- ratings ------------------------------------------------------------------------------------------


@transaction.atomic
def rate_application(*, application: Application, level: int, actor, comment: str = "") -> Rating:
    """好差评 after issuance; a bad rating opens a follow-up with its own working-day deadline."""
    app = _lock(application)
    _require(actor, app.township, FRONT_DESK)
    if app.status != Status.ISSUED:
        raise ValidationError(_("出件后才能评价。"), code="not_issued")
    if level not in RatingLevel.values:
        raise ValidationError({"level": [_("评价等级无效。")]}, code="rating_level")
    if Rating.objects.filter(application=app).exists():
        raise ValidationError(_("该申请已评价。"), code="rated")
    now = timezone.now()
    rating = Rating.objects.create(application=app, level=level, comment=comment, rated_at=now)
    _touch(app, [], actor=actor, action="rated", data={"level": level})
    if rating.is_bad:
        followup = RatingFollowUp.objects.create(rating=rating)
        clocks.start_clock(
            followup, CLOCK_FOLLOWUP, start=now, unit=Unit.WORKING_DAYS, amount=followup_days(), division=app.township
        )
        log_action("approvals.followup.opened", actor=actor, obj=followup, to_state=followup.status)
        recipients = [app.received_by, *selectors.approvers_of(app.township)]
        _after_commit(
            lambda: notify(
                recipients,
                title=_("差评待核实整改: %(number)s") % {"number": app.number},
                body=comment,
                link=application_link(app),
                key=f"approvals:{app.pk}:bad_rating",
            )
        )
    return rating


@transaction.atomic
def close_followup(
    *, followup: RatingFollowUp, founded: bool, findings: str, actor, rectification: str = ""
) -> RatingFollowUp:
    followup = RatingFollowUp.objects.select_for_update().select_related("rating__application").get(pk=followup.pk)
    township = followup.rating.application.township
    _require(actor, township, (Role.WINDOW_CLERK, Role.APPROVER))
    target = FollowUpStatus.RECTIFIED if founded else FollowUpStatus.UNFOUNDED
    check_transition(FOLLOWUP_TRANSITIONS, followup.status, target)
    findings = _reason_required(findings, _("请填写核实情况。"))
    if founded:
        rectification = _reason_required(rectification, _("差评属实的,请填写整改情况。"))
    now = timezone.now()
    old = followup.status
    followup.status, followup.findings, followup.rectification = target, findings, rectification or ""
    followup.closed_by, followup.closed_at = actor, now
    followup.save(update_fields=["status", "findings", "rectification", "closed_by", "closed_at"])
    clocks.stop_clock(followup, CLOCK_FOLLOWUP, at=now)
    log_action("approvals.followup.closed", actor=actor, obj=followup, from_state=old, to_state=target, reason=findings)
    return followup
