"""Every write in the grids app: lock, check, transition, save, audit, and queue follow-ups on commit.

Pages, API views, Open311, imports, the demo and the deadline sweep call these functions and nothing
else, so no entry point can skip the role check, the transition table, the upward-only rule or the audit.

Clocks (ruian.clocks) per event: `grids.dispatch` (register → dispatch, hours), `grids.handle` (dispatch →
feedback, the category's unit); per whistle call: `grids.whistle` (acknowledgement, hours). The sweep
handlers at the end act on clocks that crossed a threshold; the sweep's level column makes a second run a
no-op, and the one-escalation-per-level constraint guards the escalation itself.
"""

import datetime
import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grids import conf
from grids.models import (
    DepartmentalGrid,
    Escalation,
    EscalationReason,
    Event,
    EventCategory,
    EventGridMove,
    EventHandover,
    Grid,
    GridChange,
    GridChangeKind,
    GridKind,
    GridWorker,
    Handover,
    Satisfaction,
    Source,
    TimeUnit,
    Whistle,
    WhistleCall,
)
from grids.selectors import grid_for_point, possible_duplicates
from grids.states import OPEN_STATUSES, EventStatus, WhistleCallStatus, check_transition
from ruian import clocks
from ruian.audit import AuditEntry, log_action
from ruian.divisions import LEVEL_ORDER, Division, Level
from ruian.notifications import notify, notify_many, notify_select
from ruian.organisations import Organisation, OrgKind
from ruian.permissions import in_scope
from ruian.prepared import STAND_IN_ID, PreparedFirst, insert_new, update_of
from ruian.staff import Role, has_role

log = logging.getLogger(__name__)

DISPATCH_CLOCK = "grids.dispatch"
HANDLE_CLOCK = "grids.handle"
WHISTLE_CLOCK = "grids.whistle"


# --- who may do what --------------------------------------------------------------------------------


def _is_admin(user) -> bool:
    return bool(getattr(user, "is_superuser", False))


def can_operate(user, event: Event) -> bool:
    """A command-centre operator whose scope covers the level that handles the event now.

    A township operator loses the event once it is escalated to the county: the county's code is not
    under the township's prefix. That is the upward-only rule seen from the lower level.
    """
    if _is_admin(user):
        return True
    return has_role(user, Role.OPERATOR) and in_scope(user, event.handling_division)


def _require_operator(user, event: Event) -> None:
    if not can_operate(user, event):
        raise PermissionDenied(_("只有当前处置层级的指挥中心坐席可以办理此事件。"))


def organisation_of(user) -> Organisation | None:
    profile = getattr(user, "staff", None)
    return profile.organisation if profile is not None else None


def _require_unit_member(user, event: Event) -> None:
    if _is_admin(user):
        return
    if event.unit_id is None or organisation_of(user) != event.unit:
        raise PermissionDenied(_("只有责任单位的工作人员可以办理此步骤。"))


def _require_grid_worker(user, event: Event) -> None:
    """The grid worker verifies: a grid worker of the event's township (the grid's own worker in practice)."""
    if _is_admin(user):
        return
    if not (has_role(user, Role.GRID_WORKER) and in_scope(user, event.division)):
        raise PermissionDenied(_("只有本镇(街道)的网格员可以核查事件。"))


def _operators_of(division: Division):
    return get_user_model().objects.filter(
        groups__name=Role.OPERATOR,
        is_active=True,
        staff__organisation__kind=OrgKind.COMMAND_CENTRE,
        staff__organisation__division=division,
    )


def _staff_of(organisation: Organisation):
    return get_user_model().objects.filter(staff__organisation=organisation, is_active=True)


def _event_link(event: Event) -> str:
    return f"/grids/events/{event.pk}/"


def _notify_users(users, *, title, body="", link="") -> None:
    """`notify` for the users of a queryset, as one INSERT ... SELECT in the caller's transaction: it commits
    (or rolls back) with the change it tells of, without reading the recipients first."""
    from ruian.notifications import notify_select

    sql, params = users.values("pk").query.sql_with_params()
    notify_select(f"SELECT u.id, %s, %s, %s, '' FROM ({sql}) AS u(id)", [str(title), str(body), str(link), *params])


def _switch_clock(event: Event, kind: str, *, start, unit: str, amount: int, division, stop=()) -> None:
    """Stop the event's open clocks of `kind` and of the kinds in `stop`, and start its `kind` clock."""
    clocks.start_clock(event, kind, start=start, unit=unit, amount=amount, division=division, also_stop=stop)


# An event's every step locks it first: a prepared statement compiled once per process from this queryset
# (ruian/prepared.py; the ORM spent more building the lock than PostgreSQL took to run it).
_LOCK = PreparedFirst(
    "grids_lock_event",
    lambda pk: (
        Event.objects.filter(pk=pk)
        .select_for_update(of=("self",))
        .select_related("handling_division__parent", "division", "category")
    ),
    lambda pk: {"pk": pk},
    (STAND_IN_ID,),
)


def _lock(event: Event) -> Event:
    return _LOCK.get(event.pk)


def _move(event: Event, target: str, *, actor, action: str, reason: str = "", data=None, fields=()) -> None:
    check_transition(event.status, target)
    old = event.status
    event.status = target
    log_action(  # the row and its audit entry in one round trip
        f"grids.event.{action}",
        before=update_of(event, ["status", "updated_at", *fields]),
        actor=actor,
        obj=event,
        from_state=old,
        to_state=target,
        reason=reason,
        data=data,
    )


# --- grids ------------------------------------------------------------------------------------------


def _require_grid_admin(actor, division: Division) -> None:
    if actor is None or _is_admin(actor):
        return  # None: the demo loader and management commands
    if not (has_role(actor, Role.OPERATOR) and in_scope(actor, division)):
        raise PermissionDenied(_("只有本镇(街道)指挥中心可以维护网格。"))


def _next_sequence(division: Division) -> int:
    current = Grid.objects.filter(division=division).aggregate(top=Max("sequence"))["top"] or 0
    if current + 1 >= 10 ** conf.sequence_width():
        raise ValidationError(_("%(division)s 的网格序号已用完。"), params={"division": division}, code="grid_sequence")
    return current + 1


@transaction.atomic
def create_grid(
    *,
    division: Division,
    name: str,
    boundary: dict,
    kind: str = GridKind.COMPREHENSIVE,
    dedicated_type: str = "",
    households: int = 0,
    population: int = 0,
    sequence: int | None = None,
    actor=None,
) -> Grid:
    _require_grid_admin(actor, division)
    # Lock the division so two concurrent creations do not take the same sequence number.
    Division.objects.select_for_update().get(pk=division.pk)
    grid = Grid(
        division=division,
        name=name,
        kind=kind,
        dedicated_type=dedicated_type,
        households=households,
        population=population,
        sequence=sequence or _next_sequence(division),
    )
    grid.set_boundary(boundary)
    grid.full_clean(exclude=["code"])
    grid.save()
    log_action("grids.grid.created", actor=actor, obj=grid, data={"code": grid.code, "kind": kind})
    return grid


@transaction.atomic
def update_grid(*, grid: Grid, actor=None, boundary: dict | None = None, **fields) -> Grid:
    grid = Grid.objects.select_for_update().get(pk=grid.pk)
    _require_grid_admin(actor, grid.division)
    allowed = {"name", "households", "population", "dedicated_type", "kind"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(_("不能修改字段: %(fields)s"), params={"fields": ", ".join(sorted(unknown))})
    for name, value in fields.items():
        setattr(grid, name, value)
    if boundary is not None:
        grid.set_boundary(boundary)
    grid.full_clean(exclude=["code"])
    grid.save()
    log_action("grids.grid.updated", actor=actor, obj=grid, data={k: str(v) for k, v in fields.items()})
    return grid


@transaction.atomic
def add_grid_worker(*, grid: Grid, name: str, phone: str, employment: str, user=None, actor=None) -> GridWorker:
    _require_grid_admin(actor, grid.division)
    worker, created = GridWorker.objects.update_or_create(
        grid=grid, name=name, phone=phone, defaults={"employment": employment, "user": user, "is_active": True}
    )
    worker.full_clean()
    log_action("grids.worker.added" if created else "grids.worker.updated", actor=actor, obj=worker)
    return worker


@transaction.atomic
def record_departmental_grid(*, department: str, code: str, name: str, merged_into: Grid, actor=None):
    """Record an old departmental grid (党建、综治、城管 ...) and the comprehensive grid that replaced it."""
    _require_grid_admin(actor, merged_into.division)
    if merged_into.kind != GridKind.COMPREHENSIVE:
        raise ValidationError(_("条线网格只能并入综合网格。"), code="merge_target")
    old, _created = DepartmentalGrid.objects.update_or_create(
        department=department, code=code, defaults={"name": name, "merged_into": merged_into}
    )
    old.full_clean()
    log_action("grids.departmental_grid.merged", actor=actor, obj=old, to_state=merged_into.code)
    return old


def _retire(grids: list[Grid], successor_for, change: GridChange, actor) -> None:
    """Retire grids; their open events, workers and departmental grids follow to the successor."""
    for old in grids:
        successor = successor_for(old)
        old.is_active = False
        old.successor = successor
        old.save(update_fields=["is_active", "successor", "updated_at"])
        for event in Event.objects.select_for_update().filter(grid=old, status__in=OPEN_STATUSES):
            target = successor_for(old, event)
            EventGridMove.objects.create(event=event, from_grid=old, to_grid=target, change=change)
            event.grid = target
            event.save(update_fields=["grid", "updated_at"])
            log_action("grids.event.grid_changed", actor=actor, obj=event, from_state=old.code, to_state=target.code)
        GridWorker.objects.filter(grid=old).update(grid=successor)
        DepartmentalGrid.objects.filter(merged_into=old).update(merged_into=successor)


@transaction.atomic
def merge_grids(*, grids: list[Grid], name: str, actor=None, reason: str = "") -> Grid:
    """Merge grids of one village or community into a new comprehensive grid (its boundary is the union)."""
    from shapely.geometry import mapping, shape
    from shapely.ops import unary_union

    grids = list(Grid.objects.select_for_update().filter(pk__in=[g.pk for g in grids]).order_by("pk"))
    if len(grids) < 2:
        raise ValidationError(_("合并至少需要两个网格。"), code="merge_count")
    if len({g.division_id for g in grids}) != 1 or not all(g.is_active for g in grids):
        raise ValidationError(_("只能合并同一村(社区)内在用的网格。"), code="merge_division")
    division = grids[0].division
    _require_grid_admin(actor, division)
    kinds = {(g.kind, g.dedicated_type) for g in grids}
    # Dedicated grids of one type merge into one of that type; anything mixed becomes a comprehensive grid.
    kind, dedicated_type = kinds.pop() if len(kinds) == 1 else (GridKind.COMPREHENSIVE, "")
    union = unary_union([shape(g.boundary) for g in grids])
    merged = create_grid(
        division=division,
        name=name,
        kind=kind,
        dedicated_type=dedicated_type,
        boundary=mapping(union),
        households=sum(g.households for g in grids),
        population=sum(g.population for g in grids),
        actor=actor,
    )
    change = GridChange.objects.create(kind=GridChangeKind.MERGE, reason=reason, actor=_user_or_none(actor))
    change.retired.set(grids)
    change.resulting.set([merged])
    _retire(grids, lambda old, event=None: merged, change, actor)
    log_action(
        "grids.grid.merged",
        actor=actor,
        obj=merged,
        reason=reason,
        data={"retired": [g.code for g in grids], "change": change.pk},
    )
    return merged


@transaction.atomic
def split_grid(*, grid: Grid, parts: list[dict], actor=None, reason: str = "") -> list[Grid]:
    """Split a grid into parts (each a dict of name, boundary, households, population).

    Open events go to the part that holds their point (the first part when none does).
    """
    from shapely.geometry import Point, shape

    grid = Grid.objects.select_for_update().get(pk=grid.pk)
    _require_grid_admin(actor, grid.division)
    if not grid.is_active:
        raise ValidationError(_("该网格已撤销。"), code="grid_retired")
    if len(parts) < 2:
        raise ValidationError(_("拆分至少需要两个部分。"), code="split_count")
    new = [
        create_grid(division=grid.division, actor=actor, kind=grid.kind, dedicated_type=grid.dedicated_type, **p)
        for p in parts
    ]
    shapes = [(g, shape(g.boundary)) for g in new]

    def successor_for(old, event=None):
        if event is not None:
            point = Point(event.lng, event.lat)
            for part, geometry in shapes:
                if geometry.covers(point):
                    return part
        return new[0]

    change = GridChange.objects.create(kind=GridChangeKind.SPLIT, reason=reason, actor=_user_or_none(actor))
    change.retired.set([grid])
    change.resulting.set(new)
    _retire([grid], successor_for, change, actor)
    log_action(
        "grids.grid.split",
        actor=actor,
        obj=grid,
        reason=reason,
        data={"parts": [g.code for g in new], "change": change.pk},
    )
    return new


PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}


def check_photos(photos) -> None:
    """Photos of an event: at most `conf.max_photos()`, each a JPEG, PNG or WEBP by its content (the kernel's
    sniffing of the leading bytes) and no larger than `conf.photo_max_bytes()`.

    Checked before anything is written, so a bad photo leaves neither an event nor a stray file behind.
    """
    from django.template.defaultfilters import filesizeformat

    from ruian.attachments import validate_upload

    if len(photos) > conf.max_photos():
        raise _field_error("photos", _("一次最多上传 %(n)s 张照片。") % {"n": conf.max_photos()}, "too_many_photos")
    limit = conf.photo_max_bytes()
    for photo in photos:
        if photo.size > limit:
            raise _field_error(
                "photos",
                _("照片“%(name)s”大小为 %(size)s,超过了 %(limit)s 的上限。")
                % {"name": photo.name, "size": filesizeformat(photo.size), "limit": filesizeformat(limit)},
                "photo_too_large",
            )
        try:
            content_type = validate_upload(photo)
        except ValidationError as error:
            raise ValidationError({"photos": error.error_list}) from None
        if content_type not in PHOTO_TYPES:
            raise _field_error(
                "photos",
                _("“%(name)s”不是照片:只接受 JPEG、PNG、WEBP 图片。") % {"name": photo.name},
                "photo_type",
            )


def _field_error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _user_or_none(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


# --- events -----------------------------------------------------------------------------------------


def _number(day: datetime.date, pk: int) -> str:
    """An event's number: SJ, the local date it was reported on, its id."""
    return f"SJ{day:%Y%m%d}{pk:08d}"


def _next_event_id() -> int:
    """The id the next event takes, drawn from the table's own sequence (as an INSERT without one would)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [Event._meta.db_table])
        return cursor.fetchone()[0]


def report_event(
    *,
    category: EventCategory,
    lng: float,
    lat: float,
    description: str,
    source: str,
    actor=None,
    address: str = "",
    reporter_name: str = "",
    reporter_phone: str = "",
    photos=(),
) -> tuple[Event, list[Event]]:
    """Report an event at a point; the point finds its grid. Returns the event and possible duplicates."""
    if not category.is_active:
        raise _field_error("category", _("事件类别“%(name)s”已停用。") % {"name": category.name}, "category_inactive")
    if source in (Source.GRID_WORKER, Source.HOTLINE) and not (
        _is_admin(actor) or has_role(actor, Role.GRID_WORKER, Role.OPERATOR)
    ):
        raise PermissionDenied(_("只有网格员或指挥中心坐席可以以此来源上报。"))
    if not description.strip():
        raise ValidationError({"description": _("请描述事件。")})
    photos = list(photos)
    check_photos(photos)
    grid = grid_for_point(lng, lat)
    if grid is None:
        raise _field_error(
            "location",
            _("位置(经度 %(lng)s,纬度 %(lat)s)不在任何网格之内。") % {"lng": lng, "lat": lat},
            "outside_grids",
        )
    if actor is not None and getattr(actor, "is_authenticated", False) and source != Source.OPEN311:
        if not in_scope(actor, grid.division):
            raise PermissionDenied(_("该位置不在您的辖区之内。"))
    township = grid.division.township
    duplicates = possible_duplicates(category=category, lng=lng, lat=lat)
    # Every refusal above comes before the first write, so the writes need no savepoint of their own: inside a
    # caller's transaction (the API's idempotency key) an error from here on rolls the caller back with them,
    # and the SAVEPOINT and RELEASE were two more round trips for every report.
    with transaction.atomic(savepoint=False):
        event = Event(
            category=category,
            grid=grid,
            division=grid.division,
            handling_division=township,
            description=description.strip(),
            address=address,
            lng=lng,
            lat=lat,
            source=source,
            reporter=_user_or_none(actor),
            reporter_name=reporter_name,
            reporter_phone=reporter_phone,
        )
        _insert_numbered(event)
        log_action(
            "grids.event.reported",
            actor=actor,
            obj=event,
            to_state=EventStatus.REPORTED,
            data={"grid": grid.code, "source": source, "possible_duplicates": [d.number for d in duplicates]},
        )
        if photos:
            from ruian.attachments import attach_file

            for photo in photos:
                attach_file(obj=event, upload=photo, actor=actor, description=_("现场照片"))
        _notify_users(
            _operators_of(township),
            title=_("新事件待立案: %(number)s") % {"number": event.number},
            link=_event_link(event),
        )
    return event, duplicates


def _insert_numbered(event: Event) -> None:
    """Insert a new event with its number.

    The id is drawn from the sequence first so that the number goes in with the row: writing it afterwards
    was an UPDATE of the new row and of every index of the table. The INSERT stamps `reported_at` itself;
    should local midnight fall between the two readings of the clock, the number follows the stamped date."""
    event.pk = _next_event_id()
    event.number = _number(timezone.localdate(), event.pk)
    insert_new(event)
    stamped = _number(timezone.localdate(event.reported_at), event.pk)
    if event.number != stamped:
        event.number = stamped
        event.save(update_fields=["number"])


@transaction.atomic
def register_event(*, event: Event, actor) -> Event:
    """立案: the command centre accepts the event as a matter for the grid; the dispatch clock starts."""
    event = _lock(event)
    _require_operator(actor, event)
    event.registered_at = timezone.now()
    _move(event, EventStatus.REGISTERED, actor=actor, action="registered", fields=["registered_at"])
    _switch_clock(
        event,
        DISPATCH_CLOCK,
        start=event.registered_at,
        unit=clocks.Unit.HOURS,
        amount=event.category.dispatch_limit_hours,
        division=event.handling_division,
    )
    return event


@transaction.atomic
def reject_event(*, event: Event, actor, reason: str, duplicate_of: Event | None = None) -> Event:
    """不予立案: not a grid matter, or a duplicate of an open event (which then carries on alone)."""
    event = _lock(event)
    _require_operator(actor, event)
    if not reason.strip():
        raise _field_error("reason", _("不予立案必须说明理由。"), "reason_missing")
    if duplicate_of is not None and (duplicate_of.pk == event.pk or not duplicate_of.is_open):
        raise ValidationError({"duplicate_of": _("只能标记为另一件未结事件的重复。")})
    event.duplicate_of = duplicate_of
    event.last_reason = reason
    event.closed_at = timezone.now()
    _move(
        event,
        EventStatus.REJECTED,
        actor=actor,
        action="rejected",
        reason=reason,
        fields=["duplicate_of", "last_reason", "closed_at"],
    )
    return event


def _territorial_department(event: Event) -> Organisation | None | bool:
    """What the county's published territorial-management list (属地管理清单) says for the category's matter:
    the county department that bears the primary responsibility, False when the township does, None when
    the list does not name the matter (or the catalogs app has no such list)."""
    from django.apps import apps
    from django.core.exceptions import FieldError

    code = event.category.territorial_matter_code
    county = event.division.parent.parent if event.division.parent else None
    if not code or county is None:
        return None
    try:
        model = apps.get_model("catalogs", "TerritorialMatter")
        matter = model.objects.filter(code=code, version__status="published", version__county=county).first()
    except (LookupError, FieldError):
        return None
    if matter is None:
        return None
    if getattr(matter, "primary_level", "county") == "township":
        return False
    return Organisation.objects.filter(
        division=county, kind=OrgKind.COUNTY_DEPARTMENT, name=getattr(matter, "county_department", ""), is_active=True
    ).first()


def suggested_unit(event: Event) -> Organisation | None:
    """The unit to dispatch to by default, if one is named.

    The territorial-management list decides first where it names the category's matter: a county-primary
    matter goes to that county department. Otherwise the category's defaults: at township level the
    township's unit of the category's kind or the stationed unit of the named county department; at county
    level and above the named county department.
    """
    category = event.category
    level = event.handling_division
    territorial = _territorial_department(event)
    if isinstance(territorial, Organisation):
        return territorial
    if level.level == Level.TOWNSHIP:
        qs = Organisation.objects.filter(division=level, is_active=True)
        if category.default_department:
            unit = qs.filter(
                kind=OrgKind.STATIONED_UNIT, home_department__short_code=category.default_department
            ).first()
            if unit:
                return unit
        if category.default_unit_kind:
            return qs.filter(kind=category.default_unit_kind).first()
    if category.default_department:
        return Organisation.objects.filter(
            division__code__startswith=level.prefix,
            kind=OrgKind.COUNTY_DEPARTMENT,
            short_code=category.default_department,
        ).first()
    return None


def _check_unit(event: Event, unit: Organisation) -> None:
    """The unit must exist at the event's level or above: a higher level never hands an event back down."""
    if unit is None or not unit.is_active:
        raise _field_error("unit", _("责任单位不存在或已停用。"), "unit_missing")
    if unit.kind in (OrgKind.WINDOW, OrgKind.SERVICE_CENTRE, OrgKind.PROXY_POINT, OrgKind.COMMAND_CENTRE):
        raise _field_error("unit", _("“%(unit)s”不是可派遣的责任单位。") % {"unit": unit}, "unit_kind")
    handling = event.handling_division
    unit_level = unit.division.level
    if LEVEL_ORDER.index(unit_level) < LEVEL_ORDER.index(handling.level):
        raise _field_error(
            "unit",
            _("事件已上提到%(level)s,不得再转交下级单位处置。") % {"level": handling.get_level_display()},
            "downward_dispatch",
        )
    if not unit.division.code.startswith(handling.prefix) and not handling.code.startswith(unit.division.prefix):
        raise _field_error("unit", _("责任单位不在事件所在辖区。"), "unit_scope")


@transaction.atomic
def dispatch_event(*, event: Event, unit: Organisation, actor, note: str = "") -> Event:
    """派遣 (and re-dispatch after a send-back) to a responsible unit; the handling clock starts."""
    event = _lock(event)
    _require_operator(actor, event)
    _check_unit(event, unit)
    redispatch = event.status == EventStatus.SENT_BACK
    event.unit = unit
    event.dispatched_at = timezone.now()
    event.last_reason = note
    _move(
        event,
        EventStatus.DISPATCHED,
        actor=actor,
        action="redispatched" if redispatch else "dispatched",
        reason=note,
        data={"unit": unit.pk, "unit_name": unit.name},
        fields=["unit", "dispatched_at", "last_reason"],
    )
    category = event.category
    _switch_clock(
        event,
        HANDLE_CLOCK,
        stop=[DISPATCH_CLOCK],
        start=event.dispatched_at,
        unit=clocks.Unit.WORKING_DAYS if category.handle_unit == TimeUnit.WORKING_DAYS else clocks.Unit.HOURS,
        amount=category.handle_limit,
        division=event.handling_division,
    )
    _notify_users(_staff_of(unit), title=_("派遣事件: %(number)s") % {"number": event.number}, link=_event_link(event))
    return event


@transaction.atomic
def accept_event(*, event: Event, actor) -> Event:
    """签收: the responsible unit takes the event on."""
    event = _lock(event)
    _require_unit_member(actor, event)
    _move(event, EventStatus.HANDLING, actor=actor, action="accepted")
    return event


@transaction.atomic
def send_back_event(*, event: Event, actor, reason: str) -> Event:
    """退回: the unit says the event is not theirs, with reasons; the operator re-dispatches it."""
    event = _lock(event)
    _require_unit_member(actor, event)
    if not reason.strip():
        raise _field_error("reason", _("退回必须说明理由。"), "reason_missing")
    event.last_reason = reason
    _move(event, EventStatus.SENT_BACK, actor=actor, action="sent_back", reason=reason, fields=["last_reason"])
    # The operator must re-dispatch within the category's dispatch limit again.
    _switch_clock(
        event,
        DISPATCH_CLOCK,
        stop=[HANDLE_CLOCK],
        start=timezone.now(),
        unit=clocks.Unit.HOURS,
        amount=event.category.dispatch_limit_hours,
        division=event.handling_division,
    )
    _notify_users(
        _operators_of(event.handling_division),
        title=_("事件被退回: %(number)s") % {"number": event.number},
        body=reason,
    )
    return event


@transaction.atomic
def feed_back_event(*, event: Event, actor, result: str) -> Event:
    """反馈: the unit reports what it did; the handling clock stops and the grid worker verifies."""
    event = _lock(event)
    _require_unit_member(actor, event)
    if not result.strip():
        raise ValidationError({"result": _("请填写处置结果。")})
    clock = clocks.stop_clock(event, HANDLE_CLOCK)
    event.result = result
    event.fed_back_at = timezone.now()
    if clock is not None:
        event.handled_on_time = event.fed_back_at <= clock.due_at
    _move(
        event,
        EventStatus.FED_BACK,
        actor=actor,
        action="fed_back",
        reason=result,
        fields=["result", "fed_back_at", "handled_on_time"],
    )
    return event


@transaction.atomic
def verify_event(*, event: Event, actor, ok: bool, note: str = "") -> Event:
    """核查 by the grid worker on the spot: solved → verified; not solved → back to the unit."""
    event = _lock(event)
    _require_grid_worker(actor, event)
    event.verified_ok = ok
    event.last_reason = note
    if ok:
        _move(
            event,
            EventStatus.VERIFIED,
            actor=actor,
            action="verified",
            reason=note,
            fields=["verified_ok", "last_reason"],
        )
    else:
        if not note.strip():
            raise ValidationError({"note": _("核查不通过必须说明原因。")})
        _move(
            event,
            EventStatus.HANDLING,
            actor=actor,
            action="verify_failed",
            reason=note,
            fields=["verified_ok", "last_reason"],
        )
    return event


@transaction.atomic
def close_event(*, event: Event, actor) -> Event:
    event = _lock(event)
    _require_operator(actor, event)
    event.closed_at = timezone.now()
    _move(event, EventStatus.CLOSED, actor=actor, action="closed", fields=["closed_at"])
    # Units called by a whistle stay until the event is solved; now they may leave.
    WhistleCall.objects.filter(whistle__event=event, status=WhistleCallStatus.REPORTED).update(
        status=WhistleCallStatus.RELEASED
    )
    for call in WhistleCall.objects.filter(whistle__event=event, status=WhistleCallStatus.WAITING):
        clocks.stop_clock(call, WHISTLE_CLOCK)
        call.status = WhistleCallStatus.RELEASED
        call.save(update_fields=["status"])
    Whistle.objects.filter(event=event, is_open=True).update(is_open=False, updated_at=timezone.now())
    return event


@transaction.atomic
def evaluate_event(*, event: Event, actor, satisfaction: int, note: str = "") -> Event:
    event = _lock(event)
    _require_operator(actor, event)
    if satisfaction not in Satisfaction.values:
        raise ValidationError({"satisfaction": _("评价必须是 1-5。")})
    event.satisfaction = satisfaction
    _move(event, EventStatus.EVALUATED, actor=actor, action="evaluated", reason=note, fields=["satisfaction"])
    return event


# --- escalation: one way, upward ------------------------------------------------------------------


def _escalate_locked(
    event: Event, *, reason: str, actor=None, note: str = "", whistle_call=None, crossed=None, operators=None
) -> Escalation | None:
    """Move a locked event one level up the division tree. None when it is already at the top.

    From the sweep, `crossed` is the clock that ran out and `operators` a cache of each level's operators.
    """
    current = event.handling_division
    target = current.parent
    if target is None:
        log.warning("event %s cannot go above %s", event.number, current)
        return None
    try:
        with transaction.atomic():
            escalation = Escalation.objects.create(
                event=event,
                from_division=current,
                to_division=target,
                reason=reason,
                note=note,
                actor=_user_or_none(actor),
                whistle_call=whistle_call,
            )
    except IntegrityError:
        return None  # already escalated into that level: a rerun of the same sweep
    event.handling_division = target
    event.save(update_fields=["handling_division", "updated_at"])
    log_action(
        "grids.event.escalated",
        actor=actor,
        obj=event,
        from_state=current.level,
        to_state=target.level,
        reason=note or reason,
        data={"from": current.code, "to": target.code, "reason": reason},
    )
    # The clock that is running follows the event up, so the higher level gets a fresh limit. From the sweep it
    # counts from the moment the lower level's limit ran out, so a late sweep does not give extra time.
    running = (
        [crossed] if crossed is not None else [clocks.open_clock(event, k) for k in (DISPATCH_CLOCK, HANDLE_CLOCK)]
    )
    for clock in running:
        if clock is not None and clock.kind in (DISPATCH_CLOCK, HANDLE_CLOCK):
            start = clock.due_at if crossed is not None else timezone.now()
            clocks.start_clock(event, clock.kind, start=start, unit=clock.unit, amount=clock.amount, division=target)
    if operators is None:
        operators = {}
    if target.pk not in operators:
        operators[target.pk] = list(_operators_of(target))
    notify(
        operators[target.pk],
        title=_("事件上提: %(number)s") % {"number": event.number},
        body=EscalationReason(reason).label,
        link=_event_link(event),
        key=f"grids.escalation.{escalation.pk}",
    )
    return escalation


@transaction.atomic
def escalate_event(*, event: Event, actor, to_division: Division | None = None, note: str = "") -> Escalation:
    """上提 by an operator: only to the level directly above. Downward moves are refused, always."""
    event = _lock(event)
    _require_operator(actor, event)
    if not event.is_open:
        raise ValidationError(_("已办结的事件不能上提。"), code="event_closed")
    current = event.handling_division
    if to_division is not None:
        if LEVEL_ORDER.index(to_division.level) <= LEVEL_ORDER.index(current.level):
            raise _field_error(
                "to_division",
                _("只能向上一级上提,不能下转或平转(当前在%(level)s)。") % {"level": current.get_level_display()},
                "downward_escalation",
            )
        if to_division != current.parent:
            raise _field_error("to_division", _("只能逐级上提到直接上级。"), "skip_escalation")
    escalation = _escalate_locked(event, reason=EscalationReason.MANUAL, actor=actor, note=note)
    if escalation is None:
        raise ValidationError(_("没有更高的层级可以上提。"), code="top_level")
    return escalation


# --- whistle and report (吹哨报到) ------------------------------------------------------------------


@transaction.atomic
def blow_whistle(*, event: Event, organisations: list[Organisation], actor, reason: str) -> Whistle:
    """The operator names the units that must come (1+4+N); each must acknowledge within the limit."""
    event = _lock(event)
    _require_operator(actor, event)
    if not event.is_open or event.status == EventStatus.REPORTED:
        raise ValidationError(_("只能对已立案、未结案的事件吹哨。"), code="whistle_state")
    if not organisations:
        raise ValidationError({"organisations": _("请选择需要报到的单位。")})
    if not reason.strip():
        raise ValidationError({"reason": _("请说明吹哨事由。")})
    for organisation in organisations:
        _check_unit(event, organisation)
    whistle = Whistle.objects.create(event=event, blown_by=_user_or_none(actor), reason=reason)
    now = timezone.now()
    for organisation in {o.pk: o for o in organisations}.values():
        call = WhistleCall.objects.create(whistle=whistle, organisation=organisation)
        clocks.start_clock(
            call,
            WHISTLE_CLOCK,
            start=now,
            unit=clocks.Unit.HOURS,
            amount=conf.whistle_ack_hours(),
            division=event.handling_division,
        )
        staff = list(_staff_of(organisation))
        transaction.on_commit(
            lambda staff=staff: notify(
                staff,
                title=_("吹哨报到: %(number)s") % {"number": event.number},
                body=reason,
                link=_event_link(event),
            )
        )
    log_action(
        "grids.whistle.blown",
        actor=actor,
        obj=event,
        reason=reason,
        data={"whistle": whistle.pk, "organisations": [o.pk for o in organisations]},
    )
    Event.objects.filter(pk=event.pk).update(updated_at=now)
    return whistle


@transaction.atomic
def acknowledge_whistle(*, call: WhistleCall, actor, note: str = "") -> WhistleCall:
    """报到: the unit acknowledges and stays on the event until it is closed."""
    call = WhistleCall.objects.select_for_update().select_related("whistle__event", "organisation").get(pk=call.pk)
    if not (_is_admin(actor) or organisation_of(actor) == call.organisation):
        raise PermissionDenied(_("只有被点名的单位可以报到。"))
    if call.status != WhistleCallStatus.WAITING:
        raise ValidationError(_("该单位已报到或已超时上提(%(status)s)。") % {"status": call.get_status_display()})
    clocks.stop_clock(call, WHISTLE_CLOCK)
    call.status = WhistleCallStatus.REPORTED
    call.acknowledged_at = timezone.now()
    call.acknowledged_by = actor
    call.note = note
    call.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "note"])
    Whistle.objects.filter(pk=call.whistle_id).update(updated_at=timezone.now())
    log_action(
        "grids.whistle.acknowledged",
        actor=actor,
        obj=call.whistle.event,
        from_state=WhistleCallStatus.WAITING,
        to_state=WhistleCallStatus.REPORTED,
        data={"whistle": call.whistle_id, "organisation": call.organisation_id},
    )
    return call


# --- hand-over to enforcement and approvals -------------------------------------------------------

# kind -> receiver(event, handover) returning (app label, model name, object id) of what it created.
_handover_receivers: dict[str, Callable] = {}


def register_handover_receiver(kind: str):
    """Extension point for the enforcement app (kind "enforcement": create a lead) and the approvals app
    (kind "service": create a service request). Register in the receiving app's `ready()`; the receiver
    runs after the hand-over commits, in its own transaction, and returns (app, model, id)."""

    def decorator(fn):
        _handover_receivers[kind] = fn
        return fn

    return decorator


@transaction.atomic
def hand_over_event(*, event: Event, actor, kind: str | None = None, note: str = "") -> EventHandover:
    """A violation becomes an enforcement lead; a service need becomes an approval/service request.

    A violation is dispatched to the township's enforcement squad at the same time, so the event's own
    flow (feedback, verification, closure) carries on while the squad works the lead.
    """
    event = _lock(event)
    _require_operator(actor, event)
    kind = kind or event.category.handover
    if kind not in (Handover.ENFORCEMENT, Handover.SERVICE):
        raise ValidationError({"kind": _("移交类型必须是 enforcement 或 service。")})
    if event.status not in (EventStatus.REGISTERED, EventStatus.SENT_BACK):
        raise ValidationError(_("只有已立案待派遣的事件可以移交。"), code="handover_state")
    if EventHandover.objects.filter(event=event).exists():
        raise ValidationError(_("该事件已经移交。"), code="handover_twice")
    handover = EventHandover.objects.create(event=event, kind=kind, note=note, handed_over_by=_user_or_none(actor))
    event.handover = kind
    event.save(update_fields=["handover", "updated_at"])
    log_action(
        "grids.event.handed_over", actor=actor, obj=event, to_state=kind, reason=note, data={"handover": handover.pk}
    )
    if kind == Handover.ENFORCEMENT:
        squad = Organisation.objects.filter(
            division=event.handling_division, kind=OrgKind.ENFORCEMENT_SQUAD, is_active=True
        ).first()
        if squad is not None:
            dispatch_event(event=event, unit=squad, actor=actor, note=_("违法行为移交综合执法"))
    transaction.on_commit(lambda: deliver_handover(handover.pk))
    return handover


def deliver_handover(handover_id: int) -> bool:
    """Give a pending hand-over to the receiving app's receiver, if one is registered; idempotent."""
    with transaction.atomic():
        handover = EventHandover.objects.select_for_update().select_related("event").get(pk=handover_id)
        receiver = _handover_receivers.get(handover.kind)
        if handover.status != EventHandover.Status.PENDING or receiver is None:
            return False
        app, model, object_id = receiver(handover.event, handover)
        _mark_received(handover, app, model, object_id, actor=None)
        return True


def _mark_received(handover: EventHandover, app: str, model: str, object_id, *, actor) -> None:
    handover.target_app, handover.target_model, handover.target_id = app, model, str(object_id)
    handover.status = EventHandover.Status.RECEIVED
    handover.received_at = timezone.now()
    handover.received_by = _user_or_none(actor)
    handover.save()
    log_action(
        "grids.event.handover_received",
        actor=actor,
        obj=handover.event,
        from_state=EventHandover.Status.PENDING,
        to_state=f"{app}.{model}:{object_id}",
        data={"handover": handover.pk},
    )


# What a receiving app may link a hand-over to, by kind: the link is checked to exist before it is stored.
HANDOVER_TARGETS = {
    Handover.ENFORCEMENT: {("enforcement", "lead"), ("enforcement", "case")},
    Handover.SERVICE: {("approvals", "application")},
}


@transaction.atomic
def receive_handover(*, handover: EventHandover, target, actor) -> EventHandover:
    """The receiving side took a pending hand-over by hand (a clerk opened an application for the service
    need, a squad leader registered the lead): record what it became, so the event and it link both ways.

    `target` is the model instance the receiving app created (an enforcement Lead or Case, an approvals
    Application); its app and model must fit the hand-over's kind, and it must belong to the event's township.
    """
    handover = EventHandover.objects.select_for_update().select_related("event__division").get(pk=handover.pk)
    meta = getattr(target, "_meta", None)
    if meta is None or target.pk is None:
        raise _field_error("target", _("接收对象不存在。"), "target_missing")
    if (meta.app_label, meta.model_name) not in HANDOVER_TARGETS.get(handover.kind, set()):
        raise _field_error(
            "target",
            _("“%(kind)s”类移交不能关联到 %(model)s。")
            % {"kind": Handover(handover.kind).label, "model": meta.verbose_name},
            "target_kind",
        )
    township = handover.event.scope_division
    if not _is_admin(actor):
        if actor is None or not in_scope(actor, township):
            raise PermissionDenied(_("只有本镇(街道)的工作人员可以接收此移交。"))
        receiving_roles = (
            (Role.SQUAD_LEADER, Role.OFFICER)
            if handover.kind == Handover.ENFORCEMENT
            else (Role.WINDOW_CLERK, Role.APPROVER)
        )
        if not has_role(actor, *receiving_roles):
            raise PermissionDenied(_("您的角色不能接收此类移交。"))
    if getattr(target, "scope_division", township) != township:
        raise _field_error("target", _("接收对象不属于事件所在的乡镇(街道)。"), "target_scope")
    if handover.status != EventHandover.Status.PENDING:
        raise ValidationError(_("该移交已被接收。"), code="handover_received")
    _mark_received(handover, meta.app_label, meta.model_name, target.pk, actor=actor)
    return handover


# --- the sweep: what happens when a clock crosses a threshold -----------------------------------
#
# The handlers are set-based: for the N clocks a sweep hands them they run a fixed number of statements
# (lock the events, insert the escalations, one UPDATE of the events, stop and insert the clocks, insert the
# notifications and the audit entries), not N times a handful. The dispatch and handling clocks' handlers
# keep the events in PostgreSQL (joined to the crossed clocks through a temporary table, the clock ids sent
# once as an array); the whistle handler, whose calls are few, reads its calls and events.


def _operators_by_division(division_ids) -> dict[int, list[int]]:
    """Ids of each division's command-centre operators, in one query."""
    rows = (
        get_user_model()
        .objects.filter(
            groups__name=Role.OPERATOR,
            is_active=True,
            staff__organisation__kind=OrgKind.COMMAND_CENTRE,
            staff__organisation__division_id__in=set(division_ids),
        )
        .values_list("staff__organisation__division_id", "pk")
        .distinct()
    )
    operators: dict[int, list[int]] = {}
    for division_id, user_id in rows:
        operators.setdefault(division_id, []).append(user_id)
    return operators


def _staff_by_organisation(organisation_ids) -> dict[int, list[int]]:
    rows = (
        get_user_model()
        .objects.filter(staff__organisation_id__in=set(organisation_ids), is_active=True)
        .values_list("staff__organisation_id", "pk")
    )
    staff: dict[int, list[int]] = {}
    for organisation_id, user_id in rows:
        staff.setdefault(organisation_id, []).append(user_id)
    return staff


def _restart_clocks(restarts, event_ct, now) -> None:
    """`restarts`: (event id, kind, start, unit, amount, division id). Stop the open clock of that kind and
    start the next level's one, as clocks.start_clock does one at a time (a kernel-free bulk form)."""
    if not restarts:
        return
    by_kind: dict[str, list[int]] = {}
    for event_id, kind, *_rest in restarts:
        by_kind.setdefault(kind, []).append(event_id)
    for kind, event_ids in by_kind.items():
        clocks.Deadline.objects.filter(content_type=event_ct, object_id__in=event_ids, kind=kind).exclude(
            status=clocks.ClockStatus.STOPPED
        ).update(status=clocks.ClockStatus.STOPPED, stopped_at=now)
    share = settings.CLOCK_YELLOW_SHARE
    computed: dict[tuple, tuple] = {}
    names = ("id", "kind", "division", "unit", "amount", "start", "yellow", "due")
    columns: dict[str, list] = {name: [] for name in names}
    for event_id, kind, start, unit, amount, division_id in restarts:
        marks = computed.get((start, unit, amount))
        if marks is None:
            due_at = clocks.compute_due(start, unit, amount)
            marks = computed[(start, unit, amount)] = (
                due_at,
                clocks.compute_yellow(start, unit, amount, due_at, share),
            )
        for name, value in zip(
            columns, (event_id, kind, division_id, unit, amount, start, marks[1], marks[0]), strict=True
        ):
            columns[name].append(value)
    # One INSERT ... SELECT over arrays, with the defaults of a new running clock (green, not suspended):
    # the same rows clocks.start_clock writes, without a model instance per clock.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {clocks.Deadline._meta.db_table} (content_type_id, object_id, kind, division_id, unit, "
            "amount, legal_amount, started_at, yellow_at, due_at, hard_due_at, status, level, suspended_at, "
            "stopped_at, extended) "
            "SELECT %s, x.id, x.kind, x.division, x.unit, x.amount, NULL, x.start, x.yellow, x.due, NULL, %s, %s, "
            "NULL, NULL, 0 FROM unnest(%s::bigint[], %s::text[], %s::bigint[], %s::text[], %s::integer[], "
            "%s::timestamptz[], %s::timestamptz[], %s::timestamptz[]) "
            "AS x(id, kind, division, unit, amount, start, yellow, due)",
            [event_ct.pk, clocks.ClockStatus.RUNNING, clocks.Level.GREEN, *columns.values()],
        )


def _escalate_many(items, *, reason: str) -> int:
    """Move locked events one level up, set-based. `items`: (event, note, whistle call id, crossed clock or None).

    An event already escalated into the level above (a rerun) or at the top is left alone. Returns how many moved.
    """
    now = timezone.now()
    candidates = [item for item in items if item[0].handling_division.parent_id is not None]
    for event, *_rest in items:
        if event.handling_division.parent_id is None:
            log.warning("event %s cannot go above %s", event.number, event.handling_division)
    if not candidates:
        return 0
    done = set(
        Escalation.objects.filter(
            event_id__in=[event.pk for event, *_rest in candidates],
            to_division_id__in={event.handling_division.parent_id for event, *_rest in candidates},
        ).values_list("event_id", "to_division_id")
    )
    candidates = [item for item in candidates if (item[0].pk, item[0].handling_division.parent_id) not in done]
    if not candidates:
        return 0
    event_ids = [event.pk for event, *_rest in candidates]
    notes = [note for _event, note, _call, _crossed in candidates]
    call_ids = [call_id for _event, _note, call_id, _crossed in candidates]
    event_ct = ContentType.objects.get_for_model(Event)
    # The escalation rows and their audit entries are written by PostgreSQL from the events and divisions
    # themselves (INSERT ... SELECT over the arrays), not built as Python objects: a backlog of thousands of
    # crossed clocks then costs three statements, not thousands of model instances. Both run before the
    # UPDATE, while each event still names the level it leaves.
    picked = (
        "FROM unnest(%s::bigint[], %s::text[], %s::bigint[]) AS x(event_id, note, call_id) "
        f"JOIN {Event._meta.db_table} AS e ON e.id = x.event_id "
        f"JOIN {Division._meta.db_table} AS d ON d.id = e.handling_division_id "
        f"JOIN {Division._meta.db_table} AS p ON p.id = d.parent_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Escalation._meta.db_table} "
            "(event_id, from_division_id, to_division_id, reason, note, whistle_call_id, actor_id, created_at) "
            f"SELECT x.event_id, d.id, p.id, %s, x.note, x.call_id, NULL, %s {picked} RETURNING event_id, id",
            [reason, now, event_ids, notes, call_ids],
        )
        escalation_of = dict(cursor.fetchall())
        cursor.execute(
            f"INSERT INTO {AuditEntry._meta.db_table} (created_at, actor_id, action, content_type_id, object_id, "
            "object_repr, from_state, to_state, reason, data, ip) "
            "SELECT %s, NULL, 'grids.event.escalated', %s, x.event_id::text, left(e.number, 200), d.level, p.level, "
            "COALESCE(NULLIF(x.note, ''), %s), jsonb_build_object('from', d.code, 'to', p.code, 'reason', %s), NULL "
            f"{picked} ORDER BY x.event_id",
            [now, event_ct.pk, reason, reason, event_ids, notes, call_ids],
        )
        # One UPDATE for all: each event goes to its own division's parent (upward only, by construction).
        cursor.execute(
            f"UPDATE {Event._meta.db_table} AS e SET handling_division_id = d.parent_id, updated_at = %s "
            f"FROM {Division._meta.db_table} AS d WHERE d.id = e.handling_division_id AND e.id = ANY(%s) "
            "AND d.parent_id IS NOT NULL",
            [now, event_ids],
        )
    escalations = [escalation_of[event.pk] for event, *_rest in candidates]
    # The running clock follows the event up, so the higher level gets a fresh limit. It counts from the moment
    # the lower level's limit ran out, so a late sweep gives no extra time; after an unanswered whistle, from now.
    restarts = []
    whistled = [event.pk for event, _note, _call, crossed in candidates if crossed is None]
    open_clocks: dict[int, list] = {}
    if whistled:
        for clock in clocks.Deadline.objects.filter(
            content_type=event_ct, object_id__in=whistled, kind__in=(DISPATCH_CLOCK, HANDLE_CLOCK)
        ).exclude(status=clocks.ClockStatus.STOPPED):
            open_clocks.setdefault(clock.object_id, []).append(clock)
    for event, _note, _call, crossed in candidates:
        target_id = event.handling_division.parent_id
        if crossed is not None:
            if crossed.kind in (DISPATCH_CLOCK, HANDLE_CLOCK):
                restarts.append((event.pk, crossed.kind, crossed.due_at, crossed.unit, crossed.amount, target_id))
        else:
            for clock in open_clocks.get(event.pk, []):
                restarts.append((event.pk, clock.kind, now, clock.unit, clock.amount, target_id))
    _restart_clocks(restarts, event_ct, now)
    operators = _operators_by_division({event.handling_division.parent_id for event, *_rest in candidates})
    notify_many(
        (
            operators.get(event.handling_division.parent_id, []),
            _("事件上提: %(number)s") % {"number": event.number},
            str(EscalationReason(reason).label),
            _event_link(event),
            f"grids.escalation.{escalation_id}",
        )
        for (event, *_rest), escalation_id in zip(candidates, escalations, strict=True)
    )
    return len(candidates)


# What the sweep handlers read of an event: the rest stays in PostgreSQL (thousands of events per backlog).
SWEEP_EVENT_FIELDS = (
    "id",
    "number",
    "status",
    "handling_division",
    "handling_division__name",
    "handling_division__code",
    "handling_division__level",
    "handling_division__parent",
)


def _operators_sql() -> tuple[str, list]:
    """(division id, user id) of every division's command-centre operators, as SQL to join to: the
    recipients `_operators_by_division` reads, without reading them into Python."""
    sql, params = (
        get_user_model()
        .objects.filter(groups__name=Role.OPERATOR, is_active=True, staff__organisation__kind=OrgKind.COMMAND_CENTRE)
        .values_list("staff__organisation__division_id", "pk")
        .distinct()
        .query.sql_with_params()
    )
    return f"({sql}) AS op(division_id, user_id)", list(params)


def _split_title(template: str) -> tuple[str, str]:
    """A translated title with a `%(number)s` in it, as the text before and after the number (for SQL)."""
    marker = "\x00"
    before, _sep, after = (template % {"number": marker}).partition(marker)
    return before, after


def _clock_marks(deadline_ids: list[int]) -> tuple[list, ...]:
    """The next level's limits for the crossed clocks, computed by the kernel's calendar once per distinct
    (unit, amount, local day the old limit ran out) instead of once per clock: for an hour limit the offsets
    of the due and yellow moments from the start, for a day limit the moments themselves."""
    share = settings.CLOCK_YELLOW_SHARE
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT unit, amount, CASE WHEN unit = %s THEN NULL ELSE (due_at AT TIME ZONE %s)::date END "
            f"FROM {clocks.Deadline._meta.db_table} WHERE id = ANY(%s::bigint[])",
            [clocks.Unit.HOURS, settings.TIME_ZONE, deadline_ids],
        )
        distinct = cursor.fetchall()
    marks: tuple[list, ...] = ([], [], [], [], [], [], [])
    for unit, amount, day in distinct:
        if unit == clocks.Unit.HOURS:
            due_offset = datetime.timedelta(hours=amount)
            row = (unit, amount, None, due_offset, due_offset * share, None, None)
        else:
            start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))  # any moment of that day
            due_at = clocks.compute_due(start, unit, amount)
            row = (unit, amount, day, None, None, due_at, clocks.compute_yellow(start, unit, amount, due_at, share))
        for column, value in zip(marks, row, strict=True):
            column.append(value)
    return marks


CROSSED = "grids_crossed_events"  # the sweep's temporary table of the events whose clocks crossed


def _escalate_overdue(deadline_ids: list[int], *, reason: str, note: str) -> int:
    """Move the open events whose clocks (`deadline_ids`) ran out one level up, set-based in PostgreSQL.

    The crossed clocks are joined to their events once, into a temporary table of the events to move (locked,
    open, below the top, not yet escalated into the level above: a rerun moves nothing); every write is then
    one statement joined to that table: the escalations, their audit entries, the events, the old clocks
    stopped and the next level's started (counting from the moment the lower level's limit ran out, so a late
    sweep gives no extra time), the notices to the higher level's operators. A backlog of 100,000 crossed clocks
    costs the same dozen statements as one, and never becomes Python objects. Returns how many moved.
    """
    now = timezone.now()
    event_ct = ContentType.objects.get_for_model(Event)
    deadline, event, division = clocks.Deadline._meta.db_table, Event._meta.db_table, Division._meta.db_table
    marks = _clock_marks(deadline_ids)
    operators, operator_params = _operators_sql()
    before, after = _split_title(_("事件上提: %(number)s"))
    with connection.cursor() as cursor:
        # Lock the events first (in id order, as every other writer of several events does), then read them.
        cursor.execute(
            f"SELECT count(*) FROM (SELECT e.id FROM {event} e JOIN {deadline} d ON d.object_id = e.id "
            "WHERE d.id = ANY(%s::bigint[]) AND d.content_type_id = %s ORDER BY e.id FOR UPDATE OF e) AS locked",
            [deadline_ids, event_ct.pk],
        )
        cursor.execute(f"DROP TABLE IF EXISTS {CROSSED}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {CROSSED} ON COMMIT DROP AS "
            "SELECT e.id AS event_id, e.number, d.id AS from_id, d.code AS from_code, d.level AS from_level, "
            "p.id AS to_id, p.code AS to_code, p.level AS to_level, c.kind, c.unit, c.amount, c.due_at, "
            "NULL::bigint AS escalation_id, "
            f"p.id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {Escalation._meta.db_table} x "
            "WHERE x.event_id = e.id AND x.to_division_id = p.id) AS go "
            f"FROM {deadline} c JOIN {event} e ON e.id = c.object_id "
            f"JOIN {division} d ON d.id = e.handling_division_id LEFT JOIN {division} p ON p.id = d.parent_id "
            "WHERE c.id = ANY(%s::bigint[]) AND c.content_type_id = %s AND e.status = ANY(%s::text[])",
            [deadline_ids, event_ct.pk, [str(status) for status in OPEN_STATUSES]],
        )
        cursor.execute(f"SELECT number, from_code FROM {CROSSED} WHERE to_id IS NULL ORDER BY event_id")
        for number, code in cursor.fetchall():
            log.warning("event %s cannot go above %s", number, code)
        cursor.execute(
            f"WITH made AS (INSERT INTO {Escalation._meta.db_table} "
            "(event_id, from_division_id, to_division_id, reason, note, whistle_call_id, actor_id, created_at) "
            f"SELECT event_id, from_id, to_id, %s, %s, NULL, NULL, %s FROM {CROSSED} WHERE go ORDER BY event_id "
            f"RETURNING id, event_id) UPDATE {CROSSED} AS c SET escalation_id = made.id FROM made "
            "WHERE c.event_id = made.event_id",
            [reason, note, now],
        )
        moved = cursor.rowcount
        if moved:
            cursor.execute(
                f"INSERT INTO {AuditEntry._meta.db_table} (created_at, actor_id, action, content_type_id, object_id, "
                "object_repr, from_state, to_state, reason, data, ip) "
                "SELECT %s, NULL, 'grids.event.escalated', %s, event_id::text, left(number, 200), from_level, "
                "to_level, COALESCE(NULLIF(%s, ''), %s), "
                f"jsonb_build_object('from', from_code, 'to', to_code, 'reason', %s), NULL FROM {CROSSED} "
                "WHERE go ORDER BY event_id",
                [now, event_ct.pk, note, reason, reason],
            )
            # Each event goes to its own division's parent (upward only, by construction).
            cursor.execute(
                f"UPDATE {event} AS e SET handling_division_id = c.to_id, updated_at = %s FROM {CROSSED} c "
                "WHERE e.id = c.event_id AND c.go",
                [now],
            )
            cursor.execute(
                f"UPDATE {deadline} AS d SET status = %s, stopped_at = %s FROM {CROSSED} c "
                "WHERE c.go AND d.content_type_id = %s AND d.object_id = c.event_id AND d.kind = c.kind "
                "AND d.status <> %s",
                [clocks.ClockStatus.STOPPED, now, event_ct.pk, clocks.ClockStatus.STOPPED],
            )
            # The rows clocks.start_clock writes (running, green), the limits from `_clock_marks`.
            cursor.execute(
                f"INSERT INTO {deadline} (content_type_id, object_id, kind, division_id, unit, amount, legal_amount, "
                "started_at, yellow_at, due_at, hard_due_at, status, level, suspended_at, stopped_at, extended) "
                "SELECT %s, c.event_id, c.kind, c.to_id, c.unit, c.amount, NULL, c.due_at, "
                "COALESCE(m.yellow_at, c.due_at + m.yellow_offset), COALESCE(m.due_at, c.due_at + m.due_offset), "
                f"NULL, %s, %s, NULL, NULL, 0 FROM {CROSSED} c JOIN unnest(%s::text[], %s::integer[], %s::date[], "
                "%s::interval[], %s::interval[], %s::timestamptz[], %s::timestamptz[]) "
                "AS m(unit, amount, day, due_offset, yellow_offset, due_at, yellow_at) "
                "ON m.unit = c.unit AND m.amount = c.amount "
                "AND m.day IS NOT DISTINCT FROM CASE WHEN c.unit = %s THEN NULL "
                "ELSE (c.due_at AT TIME ZONE %s)::date END "
                "WHERE c.go ORDER BY c.event_id",
                [
                    event_ct.pk,
                    clocks.ClockStatus.RUNNING,
                    clocks.Level.GREEN,
                    *marks,
                    clocks.Unit.HOURS,
                    settings.TIME_ZONE,
                ],
            )
            notify_select(
                "SELECT op.user_id, %s || c.number || %s, %s, '/grids/events/' || c.event_id || '/', "
                f"'grids.escalation.' || c.escalation_id FROM {CROSSED} c JOIN {operators} "
                "ON op.division_id = c.to_id WHERE c.go",
                [before, after, str(EscalationReason(reason).label), *operator_params],
            )
        cursor.execute(f"DROP TABLE {CROSSED}")
    return moved


def _warn_overdue(deadline_ids: list[int], *, reason: str, label) -> None:
    """The yellow notice to the operators of each open event's handling level, one INSERT ... SELECT."""
    operators, operator_params = _operators_sql()
    before, after = _split_title(_("%(label)s即将超时: %(number)s") % {"label": label, "number": "%(number)s"})
    notify_select(
        "SELECT op.user_id, %s || e.number || %s, '', '/grids/events/' || e.id || '/', "
        "%s || '.yellow.' || e.id || '.' || e.handling_division_id "
        f"FROM {clocks.Deadline._meta.db_table} d JOIN {Event._meta.db_table} e ON e.id = d.object_id "
        f"JOIN {operators} ON op.division_id = e.handling_division_id "
        "WHERE d.id = ANY(%s::bigint[]) AND d.content_type_id = %s AND e.status = ANY(%s::text[])",
        [
            before,
            after,
            str(reason),
            *operator_params,
            deadline_ids,
            ContentType.objects.get_for_model(Event).pk,
            [str(status) for status in OPEN_STATUSES],
        ],
    )


def _overdue_handler(reason: str, label: str):
    def handler(deadline_ids: list[int], level: int) -> None:
        if level == clocks.Level.YELLOW:
            _warn_overdue(deadline_ids, reason=reason, label=label)
        else:
            _escalate_overdue(deadline_ids, reason=reason, note=str(label))

    return handler


handle_dispatch_clock = _overdue_handler(EscalationReason.DISPATCH_OVERDUE, gettext_lazy("派遣"))
handle_handle_clock = _overdue_handler(EscalationReason.HANDLE_OVERDUE, gettext_lazy("处置"))


def handle_whistle_clock(deadline_ids: list[int], level: int) -> None:
    """Unanswered whistle calls: remind at yellow; when overdue mark them and move each event up once."""
    call_ids = clocks.Deadline.objects.filter(pk__in=deadline_ids).values_list("object_id", flat=True)
    calls = list(
        WhistleCall.objects.select_for_update(of=("self",))
        .select_related("organisation", "whistle")
        .filter(pk__in=list(call_ids), status=WhistleCallStatus.WAITING)
        .order_by("pk")
    )
    if level == clocks.Level.YELLOW:
        staff = _staff_by_organisation({call.organisation_id for call in calls})
        notify_many(
            (
                staff.get(call.organisation_id, []),
                _("吹哨报到即将超时"),
                "",
                f"/grids/whistles/{call.whistle_id}/",
                f"grids.whistle.yellow.{call.pk}",
            )
            for call in calls
        )
        return
    if not calls:
        return
    by_event: dict[int, list[WhistleCall]] = {}
    for call in calls:
        by_event.setdefault(call.whistle.event_id, []).append(call)
    events = list(
        Event.objects.select_for_update(of=("self",))
        .select_related("handling_division")
        .only(*SWEEP_EVENT_FIELDS)
        .filter(pk__in=list(by_event))
        .order_by("pk")
    )
    WhistleCall.objects.filter(pk__in=[call.pk for call in calls]).update(status=WhistleCallStatus.ESCALATED)
    Whistle.objects.filter(pk__in={call.whistle_id for call in calls}).update(updated_at=timezone.now())
    # Several units missing the same whistle still move the event up one level, not several.
    items = []
    for event in events:
        if event.is_open:
            event_calls = by_event[event.pk]
            names = "、".join(c.organisation.name for c in event_calls)
            items.append((event, names, event_calls[0].pk, None))
    _escalate_many(items, reason=EscalationReason.WHISTLE_UNANSWERED)


def register_sweep_handlers() -> None:
    clocks.register_handler(DISPATCH_CLOCK)(handle_dispatch_clock)
    clocks.register_handler(HANDLE_CLOCK)(handle_handle_clock)
    clocks.register_handler(WHISTLE_CLOCK)(handle_whistle_clock)


# --- drills (联调联试) --------------------------------------------------------------------------------
#
# A drill copies a past event or case into Drill/DrillTask rows, never into Event, Whistle or a case: every
# count the portal reports (command centre, dashboards, sync, Open311, assessment) reads those, so a drill
# cannot be counted as real work. Response times are the moments each unit acknowledged and handled its copy.

DRILL_UNIT_KINDS = (
    OrgKind.TOWNSHIP_OFFICE,
    OrgKind.ENFORCEMENT_SQUAD,
    OrgKind.STATIONED_UNIT,
    OrgKind.COUNTY_DEPARTMENT,
)


def _drill_units(township: Division, unit_ids) -> list[Organisation]:
    """The named units, each existing, active, dispatchable and at the township or above it."""
    ids = []
    for value in unit_ids:
        try:
            ids.append(int(getattr(value, "pk", value)))
        except (TypeError, ValueError):
            raise _field_error("units", _("单位编号“%(id)s”无效。") % {"id": value}, "unit_missing") from None
    found = {o.pk: o for o in Organisation.objects.filter(pk__in=ids).select_related("division")}
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise _field_error("units", _("演练单位不存在: %(ids)s。") % {"ids": ", ".join(missing)}, "unit_missing")
    units = []
    for unit in found.values():
        if not unit.is_active or unit.kind not in DRILL_UNIT_KINDS:
            raise _field_error("units", _("“%(unit)s”不是可派单的责任单位。") % {"unit": unit}, "unit_kind")
        if not township.code.startswith(unit.division.prefix):
            raise _field_error("units", _("“%(unit)s”不在本镇(街道)或其上级。") % {"unit": unit}, "unit_scope")
        units.append(unit)
    return units


def _drill_source(township: Division, source: str, rng):
    """A random past event (closed or evaluated) or case of the township, with the units it concerned."""
    since = timezone.now() - datetime.timedelta(days=conf.drill_candidates_days())
    if source == "event":
        candidates = list(
            Event.objects.filter(
                division__code__startswith=township.prefix,
                status__in=(EventStatus.CLOSED, EventStatus.EVALUATED),
                reported_at__gte=since,
            ).values_list("pk", flat=True)
        )
        if not candidates:
            raise ValidationError(_("本镇(街道)近期没有已结案的事件可供演练。"), code="drill_no_source")
        event = Event.objects.select_related("category").get(pk=rng.choice(sorted(candidates)))
        concerned = {event.unit_id} if event.unit_id else set()
        concerned |= set(WhistleCall.objects.filter(whistle__event=event).values_list("organisation_id", flat=True))
        return {
            "source_id": event.pk,
            "source_number": event.number,
            "category": event.category,
            "title": f"{event.category.name}: {event.address or event.grid.name}"[:300],
            "description": event.description,
        }, concerned
    if source == "case":
        from django.apps import apps

        try:
            case_model = apps.get_model("enforcement", "Case")
        except LookupError:
            raise ValidationError(_("执法应用不可用,不能以案件演练。"), code="drill_no_source") from None
        candidates = list(
            case_model.objects.filter(township=township, created_at__gte=since).values_list("pk", flat=True)
        )
        if not candidates:
            raise ValidationError(_("本镇(街道)没有执法案件可供演练。"), code="drill_no_source")
        case = case_model.objects.select_related("squad").get(pk=rng.choice(sorted(candidates)))
        concerned = {case.squad.organisation_id} if getattr(case, "squad", None) is not None else set()
        if not concerned:
            concerned = set(
                Organisation.objects.filter(
                    division=township, kind=OrgKind.ENFORCEMENT_SQUAD, is_active=True
                ).values_list("pk", flat=True)
            )
        return {
            "source_id": case.pk,
            "source_number": case.number,
            "category": None,
            "title": case.title[:300],
            "description": getattr(case, "facts", ""),
        }, concerned
    raise _field_error("source", _("演练来源必须是 event 或 case。"), "drill_source")


@transaction.atomic
def start_drill(*, township: Division, actor, source: str = "event", unit_ids=None, rng=None):
    """联调联试: pick a random past event (or case) of the township and send a drill copy to each unit
    concerned (the unit it was dispatched to and the units whistled to), or to the units named.

    A named unit that does not exist, is not a dispatchable unit or lies below or beside the township
    refuses the whole drill: nothing is saved.
    """
    import random

    from grids.models import Drill, DrillTask

    if not (_is_admin(actor) or has_role(actor, Role.OPERATOR)):
        raise PermissionDenied(_("只有本镇(街道)指挥中心坐席可以组织演练。"))
    if township is None or township.level != Level.TOWNSHIP:
        raise _field_error("township", _("演练由乡镇(街道)指挥中心组织。"), "drill_township")
    if not (_is_admin(actor) or in_scope(actor, township)):
        raise PermissionDenied(_("只有本镇(街道)指挥中心坐席可以组织演练。"))
    named = _drill_units(township, unit_ids) if unit_ids else None
    snapshot, concerned = _drill_source(township, source, rng or random.SystemRandom())
    if named is not None:
        units = named
    else:
        units = list(
            Organisation.objects.filter(pk__in=concerned, is_active=True, kind__in=DRILL_UNIT_KINDS).order_by("pk")
        )
    if not units:
        raise _field_error("units", _("所选事件没有可派单的单位,请指定演练单位。"), "drill_no_units")
    now = timezone.now()
    drill = Drill.objects.create(
        township=township, source=source, started_by=_user_or_none(actor), started_at=now, **snapshot
    )
    DrillTask.objects.bulk_create(DrillTask(drill=drill, organisation=unit, dispatched_at=now) for unit in units)
    log_action(
        "grids.drill.started",
        actor=actor,
        obj=drill,
        to_state=drill.status,
        data={"source": source, "source_number": drill.source_number, "units": [u.pk for u in units]},
    )
    recipients = list(get_user_model().objects.filter(staff__organisation__in=units, is_active=True))
    transaction.on_commit(
        lambda: notify(
            recipients,
            title=_("【演练】联调联试派单: %(title)s") % {"title": drill.title},
            body=_("这是一次演练,请尽快响应并处置。"),
            link=f"/grids/drills/{drill.pk}/",
        )
    )
    return drill


def _lock_task(task):
    from grids.models import DrillTask

    return DrillTask.objects.select_for_update(of=("self",)).select_related("drill", "organisation").get(pk=task.pk)


def can_answer_drill_task(actor, task) -> bool:
    """The unit the drill copy went to (its staff) answers it."""
    return _is_admin(actor) or organisation_of(actor) == task.organisation


def _require_task_unit(actor, task) -> None:
    if not can_answer_drill_task(actor, task):
        raise PermissionDenied(_("只有被派单的单位可以响应演练。"))


def _move_task(task, target: str, *, actor, action: str, fields=(), reason: str = "") -> None:
    from grids.states import DRILL_TASK_TRANSITIONS, DrillStatus

    if task.drill.status != DrillStatus.RUNNING:
        raise ValidationError(_("演练已结束。"), code="drill_finished")
    check_transition(task.status, target, DRILL_TASK_TRANSITIONS)
    old = task.status
    task.status = target
    task.save(update_fields=["status", "updated_at", *fields])
    log_action(
        f"grids.drill.{action}",
        actor=actor,
        obj=task.drill,
        from_state=old,
        to_state=target,
        reason=reason,
        data={"task": task.pk, "organisation": task.organisation_id},
    )


@transaction.atomic
def acknowledge_drill_task(*, task, actor):
    """The unit answers the drill copy: its response time is taken now."""
    from grids.states import DrillTaskStatus

    task = _lock_task(task)
    _require_task_unit(actor, task)
    task.acknowledged_at = timezone.now()
    task.acknowledged_by = _user_or_none(actor)
    _move_task(
        task,
        DrillTaskStatus.ACKNOWLEDGED,
        actor=actor,
        action="acknowledged",
        fields=["acknowledged_at", "acknowledged_by"],
    )
    return task


@transaction.atomic
def handle_drill_task(*, task, actor, result: str):
    """The unit reports the drill handled: its handling time is taken now."""
    from grids.states import DrillTaskStatus

    task = _lock_task(task)
    _require_task_unit(actor, task)
    if not result.strip():
        raise _field_error("result", _("请填写演练处置情况。"), "result_missing")
    task.handled_at = timezone.now()
    task.handled_by = _user_or_none(actor)
    task.result = result
    _move_task(
        task,
        DrillTaskStatus.HANDLED,
        actor=actor,
        action="handled",
        reason=result,
        fields=["handled_at", "handled_by", "result"],
    )
    return task


@transaction.atomic
def finish_drill(*, drill, actor):
    """The command centre ends the drill; units that had not finished are recorded as missed."""
    from grids.models import Drill, DrillTask
    from grids.states import DrillStatus, DrillTaskStatus

    drill = Drill.objects.select_for_update().select_related("township").get(pk=drill.pk)
    if not (_is_admin(actor) or (has_role(actor, Role.OPERATOR) and in_scope(actor, drill.township))):
        raise PermissionDenied(_("只有本镇(街道)指挥中心坐席可以结束演练。"))
    if drill.status != DrillStatus.RUNNING:
        raise ValidationError(_("演练已结束。"), code="drill_finished")
    missed = list(
        DrillTask.objects.select_for_update()
        .filter(drill=drill)
        .exclude(status__in=(DrillTaskStatus.HANDLED, DrillTaskStatus.MISSED))
        .values_list("pk", flat=True)
    )
    DrillTask.objects.filter(pk__in=missed).update(status=DrillTaskStatus.MISSED, updated_at=timezone.now())
    drill.status = DrillStatus.FINISHED
    drill.finished_at = timezone.now()
    drill.save(update_fields=["status", "finished_at", "updated_at"])
    log_action(
        "grids.drill.finished",
        actor=actor,
        obj=drill,
        from_state=DrillStatus.RUNNING,
        to_state=DrillStatus.FINISHED,
        data={"missed": missed},
    )
    return drill
