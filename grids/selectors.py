"""Reads in the grids app: data scope applied, related rows fetched in a fixed number of queries."""

import json
from types import SimpleNamespace

from django.db import connection
from django.db.models import Count, Prefetch, Q
from django.utils.safestring import mark_safe

from grids import conf
from grids.geometry import covers
from grids.models import Escalation, Event, EventCategory, Grid, GridWorker, Whistle, WhistleCall, distance_metres
from grids.states import OPEN_STATUSES, WhistleCallStatus
from ruian.permissions import scope_q
from ruian.selectors import choice_labels

BOX = "box(point(min_lng, min_lat), point(max_lng, max_lat))"
# One degree of latitude is ~111 km everywhere; a degree of longitude shrinks with cos(latitude).
METRES_PER_DEGREE = 111_320


def _located_sql(with_workers: bool) -> str:
    """The point lookup's one statement: the candidate grids of the bounding-box index, each whole with its
    village and township (and, `with_workers`, its active workers' public fields as JSON)."""
    from ruian.divisions import Division

    division = Division._meta.db_table
    columns = [f"g.{f.column}" for f in Grid._meta.concrete_fields]
    columns += [f"d.{f.column}" for f in Division._meta.concrete_fields]
    columns += [f"p.{f.column}" for f in Division._meta.concrete_fields]
    if with_workers:
        # Ordered as the prefetch of `grids_for` reads them.
        columns.append(
            "(SELECT json_agg(json_build_object('id', w.id, 'name', w.name, 'phone', w.phone, "
            f"'employment', w.employment) ORDER BY w.name, w.id) FROM {GridWorker._meta.db_table} w "
            "WHERE w.grid_id = g.id AND w.is_active)"
        )
    return (
        f"SELECT {', '.join(columns)} FROM {Grid._meta.db_table} g "
        f"JOIN {division} d ON d.id = g.division_id LEFT JOIN {division} p ON p.id = d.parent_id "
        f"WHERE g.is_active AND {BOX} @> box(point(%s, %s), point(%s, %s))"
    )


def _from_row(row, with_workers: bool, boundary) -> Grid:
    """The grid of one row of `_located_sql`, its village, township (and workers) in the ORM's caches."""
    from ruian.divisions import Division

    grid_names = [f.attname for f in Grid._meta.concrete_fields]
    division_names = [f.attname for f in Division._meta.concrete_fields]
    n, m = len(grid_names), len(division_names)
    values = list(row[:n])
    values[grid_names.index("boundary")] = boundary
    grid = Grid.from_db(connection.alias, grid_names, values)
    village = Division.from_db(connection.alias, division_names, row[n : n + m])
    township = Division.from_db(connection.alias, division_names, row[n + m : n + 2 * m]) if row[n + m] else None
    village._state.fields_cache["parent"] = township
    grid._state.fields_cache["division"] = village
    if with_workers:
        workers = row[n + 2 * m]
        workers = json.loads(workers) if isinstance(workers, str) else workers or []
        names = ["id", "name", "phone", "employment"]
        found = []
        for worker in workers:
            instance = GridWorker.from_db(connection.alias, names, [worker[name] for name in names])
            instance.grid_id = grid.pk
            instance._state.fields_cache["grid"] = grid
            found.append(instance)
        # What prefetch_related("workers") leaves behind: `grid.workers.all()` answers from it.
        cached = grid.workers.get_queryset()
        cached._result_cache, cached._prefetch_done = found, True
        grid._prefetched_objects_cache = {"workers": cached}
    return grid


def grid_for_point(lng: float, lat: float, *, with_workers: bool = False) -> Grid | None:
    """The active grid whose boundary holds the point; a dedicated grid wins over the comprehensive one
    around it. Candidates come from the bounding-box index, the exact test from `geometry.covers`. The grid comes
    with its village and township loaded, and with `with_workers` its active workers (as `public_grids`
    prefetches them: id, name, phone, employment), all in one statement."""
    if connection.vendor == "postgresql":
        # One plain statement on the GiST index of migration 0002 (the expression must match it exactly;
        # `box @> point` is not a GiST box operator, a zero-size box at the point is). Plain SQL because the
        # ORM's compilation cost more than the index scan itself; the winner is built from its row.
        with connection.cursor() as cursor:
            cursor.execute(_located_sql(with_workers), [lng, lat, lng, lat])
            rows = cursor.fetchall()
        at = {f.attname: i for i, f in enumerate(Grid._meta.concrete_fields)}
        found = []
        for row in rows:
            boundary = row[at["boundary"]]
            boundary = json.loads(boundary) if isinstance(boundary, str) else boundary
            if covers(boundary, lng, lat):
                area = (row[at["max_lng"]] - row[at["min_lng"]]) * (row[at["max_lat"]] - row[at["min_lat"]])
                found.append(((row[at["kind"]] != "dedicated", area, row[at["code"]]), row, boundary))
        if not found:
            return None
        # Dedicated grids (schools, parks, enterprises) lie inside comprehensive ones: the smaller, specific one.
        _key, row, boundary = min(found, key=lambda item: item[0])
        return _from_row(row, with_workers, boundary)
    candidates = Grid.objects.filter(
        is_active=True, min_lng__lte=lng, max_lng__gte=lng, min_lat__lte=lat, max_lat__gte=lat
    ).select_related("division__parent")
    found = [grid for grid in candidates if covers(grid.boundary, lng, lat)]
    if not found:
        return None
    found.sort(key=lambda g: (g.kind != "dedicated", (g.max_lng - g.min_lng) * (g.max_lat - g.min_lat), g.code))
    if with_workers:
        return public_grids().get(pk=found[0].pk)
    return found[0]


# What `possible_duplicates` loads of each event: the callers show the number, the distance needs the point.
DUPLICATE_FIELDS = ("id", "number", "lng", "lat")


def possible_duplicates(*, category: EventCategory, lng: float, lat: float, exclude=None) -> list[Event]:
    """Open events of the same category within the configured distance, nearest first: of the 50 newest in
    the box around the point (the `event_nearby` index), those within the distance.

    The events come with their id, number and point only (any other field loads on access). Every report
    runs this: plain SQL and four columns, because compiling the query and building whole events cost a report
    several times what PostgreSQL spends on the index scan."""
    import math

    metres = conf.duplicate_metres()
    dlat = metres / METRES_PER_DEGREE
    dlng = metres / (METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
    columns = [Event._meta.get_field(name).column for name in DUPLICATE_FIELDS]
    params = [category.pk, *(str(status) for status in OPEN_STATUSES)]
    params += [lat - dlat, lat + dlat, lng - dlng, lng + dlng]
    excluded = ""
    if exclude is not None:
        excluded, params = " AND id <> %s", [*params, exclude.pk]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(columns)} FROM {Event._meta.db_table} "
            f"WHERE category_id = %s AND status IN ({', '.join(['%s'] * len(OPEN_STATUSES))}) "
            f"AND lat BETWEEN %s AND %s AND lng BETWEEN %s AND %s{excluded} "
            "ORDER BY reported_at DESC, id DESC LIMIT 50",  # Event's default ordering
            params,
        )
        rows = cursor.fetchall()
    events = [Event.from_db(connection.alias, DUPLICATE_FIELDS, row) for row in rows]
    near = [(distance_metres(lng, lat, e.lng, e.lat), e) for e in events]
    return [e for d, e in sorted(near, key=lambda pair: pair[0]) if d <= metres]


def grids_for(user):
    return (
        Grid.objects.filter(scope_q(user, "division"))
        .select_related("division__parent")
        .prefetch_related(Prefetch("workers", queryset=GridWorker.objects.filter(is_active=True).order_by("name")))
    )


def public_grids():
    """Grids with their boundary and worker name and phone are public (网格公示)."""
    return (
        Grid.objects.filter(is_active=True)
        .select_related("division__parent")
        .prefetch_related(Prefetch("workers", queryset=GridWorker.objects.filter(is_active=True).order_by("name")))
    )


def workers_for(user):
    return GridWorker.objects.filter(scope_q(user, "grid__division")).select_related("grid", "grid__division")


def events_for(user):
    return Event.objects.filter(scope_q(user, "division")).select_related(
        "category", "grid", "division", "handling_division", "unit", "handover_record"
    )


def whistles_for(user):
    return (
        Whistle.objects.filter(scope_q(user, "event__division"))
        .select_related("event", "event__category", "event__grid")
        .prefetch_related(Prefetch("calls", queryset=WhistleCall.objects.select_related("organisation").order_by("pk")))
    )


def event_photos(event):
    """The photos reported with an event (kernel attachments), oldest first."""
    from ruian.attachments import Attachment

    return Attachment.objects.filter(
        content_type__app_label="grids", content_type__model="event", object_id=str(event.pk)
    ).order_by("uploaded_at", "id")


def event_timeline(event):
    from ruian.audit import AuditEntry

    return AuditEntry.objects.for_object(event).select_related("actor").order_by("created_at", "id")


def _grids_in_scope(user):
    """The grids whose code extends a code prefix of the user's scope, in code order (all grids for a superuser).
    A grid's code extends its village's code and an event's grid is in the event's village, so their events are
    no fewer than the events of the scope (which the page filters by as well)."""
    from ruian.permissions import scope_prefixes

    prefixes = scope_prefixes(user)
    codes = Q()
    for prefix in prefixes or []:
        codes |= Q(code__startswith=prefix)
    if prefixes == []:
        codes = Q(pk__in=[])
    return Grid.objects.filter(codes).order_by("code")


def _open_event_ids_sql(user, offset: int, limit: int) -> tuple[str, list]:
    """One statement: the ids of the open events in the scope at (offset, offset + limit) in the order (grid code,
    status, id), read grid after grid in code order.

    Each grid's events come from a LATERAL subquery in (status, id) order, cut at offset + limit (no later row of a
    grid can be on the page), so PostgreSQL sorts each grid's few rows (an incremental sort on the grid's code) and
    stops at the grid that completes the page. The plain join sorted every open event of the scope for each page:
    PostgreSQL estimates one open event per grid (the scope's divisions and the grid are correlated), and a
    township of the province had 20,000 of them."""
    grids_sql, grids_params = _grids_in_scope(user).values("id", "code").query.sql_with_params()
    from django.db.models.expressions import RawSQL

    events = (
        Event.objects.filter(scope_q(user, "division"), status__in=OPEN_STATUSES, grid_id=RawSQL("g.id", []))
        .order_by("status", "id")
        .values("id", "status")[: offset + limit]
    )
    events_sql, events_params = events.query.sql_with_params()
    sql = (
        f"SELECT e.id FROM ({grids_sql}) g CROSS JOIN LATERAL ({events_sql}) e "
        "ORDER BY g.code, e.status, e.id LIMIT %s OFFSET %s"
    )
    return sql, [*grids_params, *events_params, limit, offset]


class _OpenEventsPages:
    """The object list the command centre's Paginator slices (its count is set from the counts by state): a slice
    is the page's rows, read by `rows(offset, limit)`."""

    def __init__(self, rows):
        self.rows = rows

    def __getitem__(self, part: slice):
        return self.rows(part.start, part.stop - part.start)


COMMAND_CENTRE_PAGE = 50  # rows of each list of the command-centre page


def _clock_badges():
    """The command centre's clock badge of each colour, (css class, label), translated once for the page."""
    from django.utils.translation import gettext as _

    return {
        "red": ("text-bg-danger", _("超期")),
        "yellow": ("text-bg-warning", _("临近")),
        "grey": ("text-bg-secondary", _("暂停")),
        "green": ("text-bg-success", _("正常")),
    }


def _clock_badge(clock, now, badges) -> str:
    """The clock cell of a command-centre row as HTML (colour, label, due moment), worked out once per row in
    Python: the template's tags for it cost more per row than the row's data."""
    from django.utils import timezone
    from django.utils.html import format_html

    from ruian.clocks import Deadline

    if clock is None:
        return _NO_CLOCK
    colour = Deadline.colour(clock, now)  # on the row's columns: a Deadline instance per row costs more
    css, label = badges[colour]
    if clock.due_at:
        label = format_html("{} · {}", label, timezone.localtime(clock.due_at).strftime("%m-%d %H:%M"))
    return format_html('<span class="badge clock-{} {}" data-clock="{}">{}</span>', colour, css, colour, label)


_NO_CLOCK = mark_safe('<span class="text-body-secondary">—</span>')


def command_centre(user, *, page=None, per_page: int = COMMAND_CENTRE_PAGE) -> dict:
    """Everything the command-centre page shows, in a fixed number of queries whatever the backlog.

    The open events come a page at a time (`page`, `per_page` rows, by grid); the counts by state are over
    all of them (and give the pager its total, so no COUNT of its own). The waiting whistle calls are the
    oldest `per_page` with the number of all of them; the escalations the latest `per_page`. Rows are plain
    dicts with what the page prints, labels and links included.
    """
    from django.core.exceptions import EmptyResultSet
    from django.core.paginator import Paginator
    from django.db.models import Window
    from django.db.models.expressions import RawSQL
    from django.urls import reverse
    from django.utils import timezone

    from grids.models import EscalationReason
    from grids.services import DISPATCH_CLOCK, HANDLE_CLOCK
    from grids.states import EventStatus
    from ruian import clocks
    from ruian.divisions import Division, Level
    from ruian.organisations import Organisation

    now = timezone.now()
    link = reverse("grids:event_detail", args=[0])[: -len("0/")]  # + "<id>/": one reverse for every row
    by_state = dict(
        Event.objects.filter(scope_q(user, "division"), status__in=OPEN_STATUSES)
        .values_list("status")
        .annotate(n=Count("*"))  # not of a column: an index-only scan of (division, status) answers it
        .order_by()
    )
    # The grid is joined (the page is in its order); the other names are scalar subqueries of the event's row:
    # PostgreSQL plans a six-table join for longer than it runs it.
    event_table = Event._meta.db_table
    # The open dispatch or handling clock: its status and (yellow, due) moments, for Deadline.colour.
    open_clock = clocks.open_clock_columns(Event, kinds=[DISPATCH_CLOCK, HANDLE_CLOCK], newest=True)

    def open_events(offset: int, limit: int):
        try:
            page_ids = RawSQL(*_open_event_ids_sql(user, offset, limit))
        except EmptyResultSet:  # a user without a scope
            return []
        return list(
            Event.objects.filter(pk__in=page_ids)
            .order_by("grid__code", "status", "id")
            .values(
                "id",
                "number",
                "status",
                "grid__name",
                category_name=RawSQL(
                    f"SELECT c.name FROM {EventCategory._meta.db_table} c WHERE c.id = {event_table}.category_id", []
                ),
                level=RawSQL(
                    f"SELECT d.level FROM {Division._meta.db_table} d WHERE d.id = {event_table}.handling_division_id",
                    [],
                ),
                unit_name=RawSQL(
                    f"SELECT o.name FROM {Organisation._meta.db_table} o WHERE o.id = {event_table}.unit_id", []
                ),
                **open_clock,
            )
        )

    paginator = Paginator(_OpenEventsPages(open_events), per_page)
    paginator.count = sum(by_state.values())  # the counts above are over the same rows
    events_page = paginator.get_page(page)
    events = list(events_page.object_list)
    # Labels translated once for the page (a choice's .label translates again for every row).
    statuses, levels, badges = choice_labels(EventStatus), choice_labels(Level), _clock_badges()
    for row in events:
        row["url"] = f"{link}{row['id']}/"
        row["status_label"] = statuses[row["status"]]
        row["level_label"] = levels.get(row["level"], "")
        status, times = row.pop("clock_status"), row.pop("clock_times")
        clock = SimpleNamespace(status=status, yellow_at=times[0], due_at=times[1]) if status else None
        row["clock"] = _clock_badge(clock, now, badges)
    events_page.object_list = events
    waiting = list(
        WhistleCall.objects.filter(scope_q(user, "whistle__event__division"), status=WhistleCallStatus.WAITING)
        .order_by("whistle__created_at", "pk")
        .annotate(total=Window(Count("id")))  # all waiting calls, before the LIMIT
        .values("organisation__name", "whistle__event_id", "whistle__event__number", "total")[:per_page]
    )
    for row in waiting:
        row["url"] = f"{link}{row['whistle__event_id']}/"
    escalations = list(
        Escalation.objects.filter(scope_q(user, "event__division"))
        .order_by("-created_at", "-id")
        .values("event_id", "event__number", "from_division__name", "to_division__name", "reason", "created_at")[
            :per_page
        ]
    )
    reasons = choice_labels(EscalationReason)
    for row in escalations:
        row["url"] = f"{link}{row['event_id']}/"
        row["reason_label"] = reasons[row["reason"]]
        row["when"] = timezone.localtime(row["created_at"]).strftime("%m-%d %H:%M")
    return {
        "events": events,
        "events_page": events_page,
        "open_total": paginator.count,
        "waiting_calls": waiting,
        "waiting_total": waiting[0]["total"] if waiting else 0,
        "escalations": escalations,
        "by_state": by_state,
    }


def map_features(user) -> dict:
    """GeoJSON FeatureCollection of the user's grids with their count of open events, one query."""
    grids = (
        Grid.objects.filter(scope_q(user, "division"), is_active=True)
        .annotate(open_events=Count("events", filter=Q(events__status__in=OPEN_STATUSES)))
        .only("code", "name", "kind", "boundary")
        .order_by("code")
    )
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": g.code,
                "geometry": g.boundary,
                "properties": {"code": g.code, "name": g.name, "kind": g.kind, "open_events": g.open_events},
            }
            for g in grids
        ],
    }


DISPATCHABLE_KINDS = ["township_office", "enforcement_squad", "stationed_unit", "county_department"]


def dispatchable_units(event):
    """Units the event may go to at its current level: that level's own units and those above it, never
    below (a higher level does not hand an event back down)."""
    from ruian.organisations import Organisation

    divisions, division = [], event.handling_division
    while division is not None:
        divisions.append(division.pk)
        division = division.parent
    return (
        Organisation.objects.filter(kind__in=DISPATCHABLE_KINDS, is_active=True, division__in=divisions)
        .select_related("division")
        .order_by("-division__code", "kind", "name")
    )


# --- merged departmental grids --------------------------------------------------------------------


def current_grid(grid: Grid) -> Grid:
    """The active grid that now covers a grid's area, following merges and splits (a split hands a retired
    grid's departmental grids and workers to its first part; `covering_grids` lists all parts)."""
    seen = set()
    while not grid.is_active and grid.successor_id is not None and grid.pk not in seen:
        seen.add(grid.pk)
        grid = Grid.objects.select_related("division__parent").get(pk=grid.successor_id)
    return grid


def departmental_grids(*, department: str = "", code: str = "", query: str = ""):
    """Old departmental grids with the comprehensive grid each was merged into (public, like the grids)."""
    from grids.models import DepartmentalGrid

    qs = DepartmentalGrid.objects.select_related("merged_into__division__parent", "merged_into__successor")
    if department:
        qs = qs.filter(department=department)
    if code:
        qs = qs.filter(code__iexact=code.strip())
    if query:
        qs = qs.filter(Q(code__icontains=query) | Q(name__icontains=query))
    return qs.order_by("department", "code")


def covering_grids(old) -> list[Grid]:
    """ "Which grid covers my old grid G": the active grid(s) that cover a departmental grid's area now.

    Usually the one comprehensive grid it was merged into; if that grid was later split, every active part.
    """
    from grids.models import GridChange, GridChangeKind

    grid = current_grid(old.merged_into)
    split = (
        GridChange.objects.filter(kind=GridChangeKind.SPLIT, resulting=grid)
        .prefetch_related("resulting__division__parent")
        .order_by("-created_at")
        .first()
    )
    if split is not None:
        parts = [g for g in split.resulting.all() if g.is_active]
        if grid in parts:
            return sorted(parts, key=lambda g: g.code)
    return [grid]


def grid_changes_for(user, *, limit: int = 50):
    from grids.models import GridChange

    return (
        GridChange.objects.filter(Q(pk__in=GridChange.objects.filter(scope_q(user, "retired__division")).values("pk")))
        .select_related("actor")
        .prefetch_related("retired", "resulting")
        .order_by("-created_at", "-id")[:limit]
    )


# --- hand-overs -----------------------------------------------------------------------------------


def handovers_for(user, *, kind: str = "", status: str = ""):
    """Hand-overs of the user's township, for the receiving side to pick up (and for the operator)."""
    from grids.models import EventHandover

    qs = EventHandover.objects.filter(scope_q(user, "event__division")).select_related(
        "event", "event__category", "event__grid", "handed_over_by"
    )
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def event_handed_over_as(target) -> Event | None:
    """The grid event a lead, case or application came from (the link back), or None."""
    from grids.models import EventHandover

    meta = target._meta
    handover = (
        EventHandover.objects.filter(target_app=meta.app_label, target_model=meta.model_name, target_id=str(target.pk))
        .select_related("event")
        .first()
    )
    return handover.event if handover else None


# --- drills (联调联试) --------------------------------------------------------------------------------


def drills_for(user):
    from grids.models import Drill, DrillTask

    return (
        Drill.objects.filter(scope_q(user, "township"))
        .select_related("township", "category", "started_by")
        .prefetch_related(Prefetch("tasks", queryset=DrillTask.objects.select_related("organisation").order_by("pk")))
    )


def drill_tasks_of_unit(user):
    """Drill copies sent to the user's unit (the unit answers them)."""
    from grids.models import DrillTask

    profile = getattr(user, "staff", None)
    if profile is None or profile.organisation_id is None:
        return DrillTask.objects.none()
    return (
        DrillTask.objects.filter(organisation_id=profile.organisation_id)
        .select_related("drill", "organisation")
        .order_by("-dispatched_at", "-id")
    )


def drill_response_times(*, start, end, township=None, organisations=None, drills=None) -> dict:
    """Each unit's drill response times for drills started from `start` to `end` (dates, both included, in
    the portal's time zone), optionally only a township's drills, only some units (ids or instances), or
    only the drills of a queryset (e.g. `drills_for(user)` for a user's scope).

    Returns {organisation id: {"organisation_id", "organisation_name", "tasks", "acknowledged", "handled",
    "missed", "mean_acknowledge_seconds", "mean_handle_seconds"}}; a mean is None when nothing was timed.
    Acknowledge and handle times count from the moment the drill copy was dispatched. One query.
    """
    import datetime

    from django.db.models import Avg, DurationField, ExpressionWrapper, F
    from django.utils import timezone

    from grids.models import DrillTask
    from grids.states import DrillTaskStatus

    tz = timezone.get_current_timezone()
    since = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    until = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    qs = DrillTask.objects.filter(drill__started_at__gte=since, drill__started_at__lt=until)
    if township is not None:
        qs = qs.filter(drill__township=township)
    if organisations is not None:
        qs = qs.filter(organisation__in=organisations)
    if drills is not None:
        qs = qs.filter(drill__in=drills.values("pk"))
    rows = (
        qs.values("organisation_id", "organisation__name")
        .annotate(
            tasks=Count("id"),
            acknowledged=Count("id", filter=Q(acknowledged_at__isnull=False)),
            handled=Count("id", filter=Q(status=DrillTaskStatus.HANDLED)),
            missed=Count("id", filter=Q(status=DrillTaskStatus.MISSED)),
            mean_ack=Avg(ExpressionWrapper(F("acknowledged_at") - F("dispatched_at"), output_field=DurationField())),
            mean_handle=Avg(ExpressionWrapper(F("handled_at") - F("dispatched_at"), output_field=DurationField())),
        )
        .order_by("organisation__name")
    )
    return {
        row["organisation_id"]: {
            "organisation_id": row["organisation_id"],
            "organisation_name": row["organisation__name"],
            "tasks": row["tasks"],
            "acknowledged": row["acknowledged"],
            "handled": row["handled"],
            "missed": row["missed"],
            "mean_acknowledge_seconds": row["mean_ack"].total_seconds() if row["mean_ack"] is not None else None,
            "mean_handle_seconds": row["mean_handle"].total_seconds() if row["mean_handle"] is not None else None,
        }
        for row in rows
    }
