"""Reads of approvals: permission filtering, select_related, fixed query counts, and the catalog question
"which items may this township receive applications for on this day".
"""

import datetime
import functools
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Page, Paginator
from django.db.models import Avg, Case, Count, F, JSONField, OuterRef, Q, Subquery, Value, When, Window
from django.db.models.functions import JSONObject
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from approvals.models import BAD_RATINGS, CLOCK_DECISION, CLOCK_ISSUANCE, CLOCK_NOTICE, Application
from approvals.states import OPEN_STATUSES, Status
from catalogs import selectors as catalog_selectors
from catalogs.models import (
    AdjustmentAction,
    CatalogKind,
    Category,
    PowerItem,
    ServiceItem,
    ServiceLevel,
)
from ruian import prepared
from ruian.audit import AuditEntry
from ruian.clocks import ClockStatus, Deadline
from ruian.divisions import Division, Level
from ruian.permissions import in_scope, scope_filter
from ruian.staff import Role, has_role

# `catalogs.selectors.powers_of_township` answers for empowerment only; a township also holds the items of
# the county's published township power list in force (those listing it, or listing no township) and the
# town- and village-level public service items. This combines the three.


def power_items_held(township, on: datetime.date, **narrow):
    """The power items the township holds on `on`. `narrow` (e.g. code=..., pk=...) filters inside both
    halves of the question, so asking about one item looks up that item instead of building the whole
    held list first (a query of 10 ms on a county's list, under 1 ms for the item).

    Narrowed, the empowerment half asks each candidate item for its own latest entry (an index lookup)
    rather than `powers_of_township`'s list of everything delegated to the township: a province's
    townships hold thousands of delegated powers, and building that list took 13 ms of a receipt."""
    county = township.parent
    items = PowerItem.objects.all()
    if narrow:
        items = items.alias(latest_action=catalog_selectors.latest_empowerment_action(township, on))
        condition = Q(latest_action=AdjustmentAction.GRANT)
    else:
        condition = Q(pk__in=catalog_selectors.powers_of_township(township, on).values("pk"))
    if county is not None:
        version = catalog_selectors.version_in_force_id(county, CatalogKind.POWER, on)
        listed = catalog_selectors.filter_power_items(
            PowerItem.objects.filter(version=version, is_active=True, **narrow), township=township
        ).values("pk")
        condition |= Q(pk__in=listed)
    return items.filter(condition, **narrow).select_related("department", "version")


# Enforcement powers are held but never applied for: a penalty or a coercive measure is not an application.
NOT_APPLIED_FOR = (Category.PENALTY, Category.COERCION, Category.INSPECTION)


def applicable(item) -> bool:
    return not (isinstance(item, PowerItem) and item.category in NOT_APPLIED_FOR)


def service_items_held(township, on: datetime.date):
    county = township.parent
    if county is None:
        return ServiceItem.objects.none()
    version = catalog_selectors.version_in_force_id(county, CatalogKind.PUBLIC_SERVICE, on)
    return ServiceItem.objects.filter(version=version, level__in=[ServiceLevel.TOWN, ServiceLevel.VILLAGE])


def items_held(township, on: datetime.date) -> list:
    """Every item the township may receive applications for on `on`: power items (own list and
    empowerment, enforcement powers left out) and town/village public service items."""
    powers = power_items_held(township, on).exclude(category__in=NOT_APPLIED_FOR).order_by("code")
    return [*powers, *service_items_held(township, on).order_by("code")]


def holds_item(township, item, on: datetime.date) -> bool:
    if getattr(item, "held_by", None) == (township.pk, on):
        return True  # found by `held_item` for this township and day, in this request
    if isinstance(item, PowerItem):
        return power_items_held(township, on, pk=item.pk).exists()
    return service_items_held(township, on).filter(pk=item.pk).exists()


def _held_parameters(township, on: datetime.date, code: str) -> dict:
    """The values the one-item questions below are asked with. The county's code is derived from the
    township's code as `catalogs.selectors.filter_power_items` derives it (a query made otherwise from a
    stand-in fails to prepare: ruian.prepared.UnmappedParameter)."""
    return {
        "township": township.pk,
        "county": township.parent_id,
        "county_code": township.code[:6] + "000000",
        "on": on,
        "code": code,
    }


def _stand_in_township():
    county = Division(pk=prepared.STAND_IN_COUNTY_ID, code="")
    return Division(pk=prepared.STAND_IN_TOWNSHIP_ID, code=prepared.STAND_IN_TOWNSHIP_CODE, parent=county)


# `held_item` runs on every receipt over the API: the ORM querysets below stay the statement of the rule, compiled
# once per process and prepared once per connection (ruian/prepared.py); a township without a county asks
# the querysets themselves.
_HELD_POWER_ITEM = prepared.PreparedFirst(
    "approvals_held_power_item",
    lambda township, on, code: power_items_held(township, on, code=code),
    _held_parameters,
    (_stand_in_township(), prepared.STAND_IN_DAY, prepared.STAND_IN_CODE),
)
_HELD_SERVICE_ITEM = prepared.PreparedFirst(
    "approvals_held_service_item",
    lambda township, on, code: service_items_held(township, on).filter(code=code),
    _held_parameters,
    (_stand_in_township(), prepared.STAND_IN_DAY, prepared.STAND_IN_CODE),
)


_TOWNSHIP = prepared.PreparedFirst(
    "approvals_township_by_code",
    lambda code: Division.objects.filter(code=code, level=Level.TOWNSHIP).select_related("parent"),
    lambda code: {"code": code},
    (prepared.STAND_IN_CODE,),
)


def township_by_code(code: str) -> Division | None:
    """The township of that division code with its county (`parent`), or None: an API receipt names it by
    code. A prepared statement, as `held_item`: the ORM spent more building the lookup than it took."""
    return _TOWNSHIP.first(code)


def held_item(township, code: str, on: datetime.date):
    """The item of that code the township holds on `on` (a power item first, then a service item), or None.
    The item remembers it was found so (`holds_item` answers for it without asking the database again)."""
    if township.parent_id is None:
        item = power_items_held(township, on, code=code).first()
        item = item or service_items_held(township, on).filter(code=code).first()
    else:
        item = _HELD_POWER_ITEM.first(township, on, code) or _HELD_SERVICE_ITEM.first(township, on, code)
    if item is not None:
        item.held_by = (township.pk, on)
    return item


def search_items(township, text: str = "", on: datetime.date | None = None, limit: int = 20) -> list:
    """Items the township holds matching a name, a code or the pinyin initials of the name.

    Nothing is searched without a text: the whole list of held items is one expensive query (empowerment,
    the township power list and the service list), and the clerk looks an item up by typing anyway."""
    on = on or timezone.localdate()
    text = (text or "").strip()
    if not text:
        return []
    results = []
    powers = power_items_held(township, on).exclude(category__in=NOT_APPLIED_FOR)
    for qs in (powers, service_items_held(township, on)):
        if text:
            qs = qs.filter(Q(name__icontains=text) | Q(code__icontains=text))
        results.extend(qs.order_by("code")[:limit])
    if text and len(results) < limit and text.isascii() and text.isalpha():
        results.extend(_by_initials(township, text.lower(), on, limit - len(results), {i.code for i in results}))
    for item in results:
        item.ref = f"{'p' if isinstance(item, PowerItem) else 's'}-{item.pk}"
    return results[:limit]


@functools.lru_cache(maxsize=20_000)
def _name_initials(name: str) -> str | None:
    """The pinyin initials of a name, lower case (None without pypinyin). A pure function of the name, kept
    in the process: a search by initials reads every held item's name, each keystroke again."""
    try:
        from pypinyin import Style, lazy_pinyin
    except ImportError:
        return None
    return "".join(p[0] for p in lazy_pinyin(name, style=Style.FIRST_LETTER) if p).lower()


def _by_initials(township, initials: str, on, limit: int, seen: set) -> list:
    if _name_initials("") is None:  # pinyin search is a convenience; the name and code search still work
        return []
    found = []
    powers = power_items_held(township, on).exclude(category__in=NOT_APPLIED_FOR)
    for qs in (powers, service_items_held(township, on)):
        # the results show the code and the name and link by id: only those columns are read
        for item in qs.select_related(None).only("id", "code", "name").order_by("code"):
            if item.code in seen:
                continue
            if initials in _name_initials(item.name):
                found.append(item)
                if len(found) >= limit:
                    return found
    return found


# --- applications -------------------------------------------------------------------------------------


# Who reads applications (the applicant's ID number and phone among them): the window, the back office and
# the leader in charge, and REST clients (whose token must hold the approvals scope). Other staff of the
# township (grid workers, operators, enforcement, county editors) see none.
READERS = (Role.WINDOW_CLERK, Role.APPROVER, Role.LEADER, Role.API_CLIENT)


def may_read_applications(user) -> bool:
    return user.is_authenticated and (user.is_superuser or has_role(user, *READERS))


def applications_for(user):
    qs = scope_filter(Application.objects.all(), user, "township").select_related("township", "received_by")
    return qs if may_read_applications(user) else qs.none()


def may_read_application(user, app: Application) -> bool:
    """What `applications_for` selects, for one application read with its township."""
    return may_read_applications(user) and in_scope(user, app.township)


def may_read(user, obj) -> bool:
    """Whether the user may read `obj` of this app (an attachment's owner): an application they may read."""
    if isinstance(obj, Application):
        return applications_for(user).filter(pk=obj.pk).exists()
    return may_read_applications(user)


def application_by_number(user, number: str) -> Application | None:
    return applications_for(user).filter(number=number).first()


def attach_clocks(applications: list[Application]) -> list[Application]:
    """Give each application its open clocks (`app.clocks[kind]`) and the one it shows (`app.clock`): one query."""
    ids = [a.pk for a in applications]
    by_app: dict[int, dict[str, Deadline]] = {pk: {} for pk in ids}
    if ids:
        content_type = ContentType.objects.get_for_model(Application)
        for clock in Deadline.objects.filter(content_type=content_type, object_id__in=ids).exclude(
            status=ClockStatus.STOPPED
        ):
            by_app[clock.object_id][clock.kind] = clock
    for app in applications:
        app.clocks = by_app.get(app.pk, {})
        app.clock = next(
            (app.clocks[k] for k in (CLOCK_NOTICE, CLOCK_DECISION, CLOCK_ISSUANCE) if k in app.clocks), None
        )
    return applications


def service_handovers(user, *, limit: int = 20) -> list:
    """Service needs the grid handed over to the township's window (网格转办), still waiting for a clerk.
    The grids app keeps the hand-over; receiving an application for it links the two both ways."""
    from grids.selectors import handovers_for

    # Only what the workbench lists: the grid's boundary, the hand-over's author and the event's other
    # columns (its reporter among them) stay in the database.
    waiting = (
        handovers_for(user, kind="service", status="pending")
        .select_related(None)
        .select_related("event__category", "event__grid")
        .only(
            "note",
            "created_at",
            "event__number",
            "event__description",
            "event__category__name",
            "event__grid__name",
        )
    )
    return list(waiting[:limit])


def service_handover(user, pk):
    """One waiting service hand-over of the user's township, or None."""
    from grids.selectors import handovers_for

    if not str(pk).isdigit():
        return None
    return handovers_for(user, kind="service", status="pending").filter(pk=pk).first()


# A queue shows one page at a time: the desk works from the top, and a page of hundreds of rows costs the
# clerk half a second of rendering on every visit.
QUEUE_PAGE_SIZE = 50


# Queue statuses: the front desk's work, what waits for issuance, what the back office reviews.
CLERK_WAITING = (Status.RECEIVED, Status.NOTICE_GIVEN, Status.ACCEPTED)
CLERK_NOT_WAITING = tuple(status for status in Status.values if status not in CLERK_WAITING)
ISSUANCE_WAITING = (Status.APPROVED, Status.DENIED)
REVIEW_WAITING = (Status.IN_REVIEW, Status.SUSPENDED)
# The columns the queue pages show (number, item, status, the materials for the notice button, the office).
QUEUE_FIELDS = (
    "id",
    "number",
    "item_name",
    "deciding_office",
    "status",
    "materials",
    "received_at",
    "decided_at",
    "sent_at",
)


def _queue_applications(user):
    """The applications of the user's scope, for a queue, reading only the columns a queue shows.

    The kernel's scope filter selects by division id (`township_id IN (...)`) for any scope short of a
    city: the planner then answers the clerk queue's `status IN ... OR received_at >= today` with a
    BitmapOr on the (township, status, received_at) index (0.5 ms). Joined on the division codes instead, it
    read the whole table (20 ms at small scale: a township holding most open cases skews its estimate)."""
    if not may_read_applications(user):
        return Application.objects.none()
    return scope_filter(Application.objects.only(*QUEUE_FIELDS), user, "township")


def _queue_page(qs, page) -> Page:
    """One page of a queue, its applications carrying the clock they show (`app.clock`): one query (the rows
    with the total as `COUNT(*) OVER ()` and each row's clock) whatever the size. As `Paginator.get_page`:
    a page number out of range gives the last page (then the count and the rows are read apart), a bad one
    the first."""
    paginator = Paginator(qs, QUEUE_PAGE_SIZE)
    try:
        number = int(page)
    except (TypeError, ValueError):
        number = 1
    rows = []
    if number >= 1:
        bottom = (number - 1) * QUEUE_PAGE_SIZE
        rows = list(_with_shown_clock(qs).annotate(queue_total=Window(Count("*")))[bottom : bottom + QUEUE_PAGE_SIZE])
    if rows:
        paginator.__dict__["count"] = rows[0].queue_total  # Paginator.count is a cached property
        page = Page(rows, number, paginator)
    else:
        page = paginator.get_page(number)
        page.object_list = list(_with_shown_clock(page.object_list))
    for app in page.object_list:
        app.clock = _shown_clock(app.shown_clock)
    return page


# The clock a queue row shows: the first open one of these kinds (as `attach_clocks` chooses `app.clock`).
SHOWN_CLOCKS = (CLOCK_NOTICE, CLOCK_DECISION, CLOCK_ISSUANCE)


def _with_shown_clock(qs):
    """Each application with the fields of the clock it shows (or None) as JSON, read in the same query:
    a queue page then needs no query of its own for the clocks."""
    content_type = ContentType.objects.get_for_model(Application)
    priority = Case(*(When(kind=kind, then=Value(rank)) for rank, kind in enumerate(SHOWN_CLOCKS)))
    shown = (
        Deadline.objects.filter(content_type=content_type, object_id=OuterRef("pk"), kind__in=SHOWN_CLOCKS)
        .exclude(status=ClockStatus.STOPPED)
        .order_by(priority)
        .values(
            json=JSONObject(
                kind="kind",
                status="status",
                unit="unit",
                due_at="due_at",
                yellow_at="yellow_at",
                stopped_at="stopped_at",
            )
        )[:1]
    )
    return qs.annotate(shown_clock=Subquery(shown, output_field=JSONField()))


def _moment(text):
    return None if text is None else datetime.datetime.fromisoformat(text)


class ShownClock:
    """What a queue row's badge reads of its clock: the kernel's own `Deadline.colour` and `due_date` over
    the fields `_with_shown_clock` reads (a model instance per row would cost more than the row)."""

    __slots__ = ("kind", "status", "unit", "due_at", "yellow_at", "stopped_at")
    colour = Deadline.colour
    due_date = Deadline.due_date

    def __init__(self, fields: dict):
        self.kind = fields["kind"]
        self.status = fields["status"]
        self.unit = fields["unit"]
        self.due_at = _moment(fields["due_at"])
        self.yellow_at = _moment(fields["yellow_at"])
        self.stopped_at = _moment(fields["stopped_at"])


def _shown_clock(fields) -> ShownClock | None:
    return ShownClock(fields) if fields else None


def clerk_queue(user, *, day: datetime.date | None = None, page=1) -> Page:
    """The front desk's work: everything received today plus everything still waiting at the desk
    (to accept, to notice, to send on, to issue), oldest first, with clock colours."""
    day = day or timezone.localdate()
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    # "Received today" names the other statuses so that both halves are ranges of the (township, status,
    # received_at) index: by received_at alone, it read every application the township ever received.
    received_today = Q(status__in=CLERK_NOT_WAITING, received_at__gte=start)
    qs = _queue_applications(user).filter(Q(status__in=CLERK_WAITING) | received_today)
    return _queue_page(qs.order_by("received_at", "id"), page)


def issuance_queue(user, *, page=1) -> Page:
    qs = _queue_applications(user).filter(status__in=ISSUANCE_WAITING).order_by("decided_at", "id")
    return _queue_page(qs, page)


def approver_queue(user, *, page=1) -> Page:
    qs = _queue_applications(user).filter(status__in=REVIEW_WAITING).order_by("sent_at", "id")
    return _queue_page(qs, page)


def history(application: Application):
    return AuditEntry.objects.for_object(application).select_related("actor").order_by("created_at", "id")


ACTION_LABELS = {
    "approvals.application.received": _("收件"),
    "approvals.application.accepted": _("受理"),
    "approvals.application.deemed_accepted": _("视为受理"),
    "approvals.application.refused": _("不予受理"),
    "approvals.application.notice_given": _("一次性告知"),
    "approvals.application.supplemented": _("补正材料"),
    "approvals.application.sent_to_back_office": _("转后台审批"),
    "approvals.application.approved": _("准予许可"),
    "approvals.application.denied": _("不予许可"),
    "approvals.application.approved_on_pledge": _("告知承诺当场准予"),
    "approvals.application.extended": _("延长审批期限"),
    "approvals.application.suspended": _("中止计时"),
    "approvals.application.resumed": _("恢复计时"),
    "approvals.application.issued": _("出件"),
    "approvals.application.withdrawn": _("撤回"),
    "approvals.application.revoked": _("撤销许可"),
    "approvals.application.rated": _("评价"),
    "approvals.application.overdue": _("超过时限"),
    "approvals.pledge.verified": _("承诺核查"),
    "ruian.attachment.uploaded": _("上传扫描件"),
}


def labelled_history(application) -> list:
    entries = list(history(application))
    for entry in entries:
        entry.label = ACTION_LABELS.get(entry.action, entry.action)
    return entries


def approvers_of(township):
    """Back-office approvers working in the township (the people the decision clock warns)."""
    return get_user_model().objects.filter(
        is_active=True, groups__name=Role.APPROVER, staff__organisation__division__code__startswith=township.prefix
    )


def staff_by_township(township_ids, roles) -> dict[int, set[int]]:
    """{township id: ids of the active users with one of `roles` working in it}, in two queries whatever
    the number of townships: the sweep's recipients (approvers, the leader in charge) for a whole batch.

    "Working in it" as `approvers_of`: the user's organisation sits in the township or a village under it.
    """
    townships = list(Division.objects.filter(pk__in=set(township_ids)).only("code", "level"))
    if not townships:
        return {}
    by_prefix: dict[str, set[int]] = defaultdict(set)
    lengths = {len(t.prefix) for t in townships}
    users = (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=list(roles), staff__organisation__division__isnull=False)
        .values_list("pk", "staff__organisation__division__code")
        .distinct()
    )
    for user_id, code in users:
        for length in lengths:
            by_prefix[code[:length]].add(user_id)
    return {t.pk: by_prefix.get(t.prefix, set()) for t in townships}


def sync_queryset(user, updated_since=None):
    qs = applications_for(user).select_related("decision", "issuance")
    if updated_since is not None:
        qs = qs.filter(updated_at__gte=updated_since)
    return qs


# --- dashboard ----------------------------------------------------------------------------------------


def dashboard(user, township, today: datetime.date | None = None) -> dict:
    """Counts for a township today and this month, the on-time rate and the ratings.

    The on-time rate counts decided applications that stayed within their limits, over those decided plus
    those still open and already overdue: an overdue case cannot hide by staying undecided.
    """
    today = today or timezone.localdate()
    day_start = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    month_start = timezone.make_aware(datetime.datetime.combine(today.replace(day=1), datetime.time.min))
    qs = Application.objects.filter(township=township)

    def counts(since):
        return qs.aggregate(
            received=Count("id", filter=Q(received_at__gte=since)),
            accepted=Count("id", filter=Q(accepted_at__gte=since)),
            decided=Count("id", filter=Q(decided_at__gte=since)),
            issued=Count("id", filter=Q(issued_at__gte=since)),
        )

    decided = qs.filter(decided_at__isnull=False)
    totals = decided.aggregate(n=Count("id"), late=Count("id", filter=Q(overdue=True)))
    open_overdue = qs.filter(status__in=OPEN_STATUSES, decided_at__isnull=True, overdue=True).count()
    denominator = totals["n"] + open_overdue
    on_time = totals["n"] - totals["late"]
    used = _average_working_days(decided.exclude(accepted_at__isnull=True))
    ratings = qs.filter(rating__isnull=False).aggregate(
        n=Count("id"), bad=Count("id", filter=Q(rating__level__in=BAD_RATINGS)), avg=Avg("rating__level")
    )
    return {
        "today": counts(day_start),
        "month": counts(month_start),
        "on_time_rate": (on_time / denominator) if denominator else None,
        "on_time": on_time,
        "denominator": denominator,
        "open_overdue": open_overdue,
        "average_days_used": used["used"],
        "average_legal_limit": used["legal"],
        "ratings": ratings,
    }


def _average_working_days(qs) -> dict:
    from ruian.workdays import working_days_between

    rows = list(qs.values("accepted_at", "decided_at", legal=F("legal_limit"))[:2000])
    if not rows:
        return {"used": None, "legal": None}
    used = [
        working_days_between(timezone.localtime(r["accepted_at"]).date(), timezone.localtime(r["decided_at"]).date())
        for r in rows
    ]
    return {"used": round(sum(used) / len(used), 1), "legal": round(sum(r["legal"] for r in rows) / len(rows), 1)}
