"""Reads in the grids app: data scope applied, related rows fetched in a fixed number of queries."""

from django.db import connection
from django.db.models import Count, Prefetch, Q

from grids import conf
from grids.models import Escalation, Event, EventCategory, Grid, GridWorker, Whistle, WhistleCall, distance_metres
from grids.states import OPEN_STATUSES, WhistleCallStatus
from ruian.permissions import scope_q

BOX = "box(point(min_lng, min_lat), point(max_lng, max_lat))"
# One degree of latitude is ~111 km everywhere; a degree of longitude shrinks with cos(latitude).
METRES_PER_DEGREE = 111_320


def grid_for_point(lng: float, lat: float) -> Grid | None:
    """The active grid whose boundary holds the point; a dedicated grid wins over the comprehensive one
    around it. Candidates come from the bounding-box index, the exact test from shapely."""
    import json

    from shapely.geometry import Point, shape

    point = Point(lng, lat)
    if connection.vendor == "postgresql":
        # One plain statement on the GiST index of migration 0002 (the expression must match it exactly;
        # `box @> point` is not a GiST box operator, a zero-size box at the point is). Plain SQL because the
        # ORM's compilation cost more than the index scan itself; the winner is then read with its village.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, kind, boundary, (max_lng - min_lng) * (max_lat - min_lat), code "
                f"FROM {Grid._meta.db_table} WHERE is_active AND {BOX} @> box(point(%s, %s), point(%s, %s))",
                [lng, lat, lng, lat],
            )
            rows = cursor.fetchall()
        found = [
            (kind != "dedicated", area, code, pk)
            for pk, kind, boundary, area, code in rows
            if shape(json.loads(boundary) if isinstance(boundary, str) else boundary).covers(point)
        ]
        if not found:
            return None
        # Dedicated grids (schools, parks, enterprises) lie inside comprehensive ones: the smaller, specific one.
        return Grid.objects.select_related("division__parent").get(pk=min(found)[3])
    candidates = Grid.objects.filter(
        is_active=True, min_lng__lte=lng, max_lng__gte=lng, min_lat__lte=lat, max_lat__gte=lat
    ).select_related("division__parent")
    found = [grid for grid in candidates if shape(grid.boundary).covers(point)]
    if not found:
        return None
    found.sort(key=lambda g: (g.kind != "dedicated", (g.max_lng - g.min_lng) * (g.max_lat - g.min_lat), g.code))
    return found[0]


def possible_duplicates(*, category: EventCategory, lng: float, lat: float, exclude=None) -> list[Event]:
    """Open events of the same category within the configured distance, nearest first."""
    import math

    metres = conf.duplicate_metres()
    dlat = metres / METRES_PER_DEGREE
    dlng = metres / (METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
    qs = Event.objects.filter(
        category=category,
        status__in=OPEN_STATUSES,
        lat__range=(lat - dlat, lat + dlat),
        lng__range=(lng - dlng, lng + dlng),
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    near = [(distance_metres(lng, lat, e.lng, e.lat), e) for e in qs[:50]]
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


def clocks_by_event(events) -> dict:
    """The open clock of each event ({event id: Deadline}) in one query."""
    from django.contrib.contenttypes.models import ContentType

    from ruian.clocks import ClockStatus, Deadline

    ids = [e.pk for e in events]
    if not ids:
        return {}
    rows = Deadline.objects.filter(
        content_type=ContentType.objects.get_for_model(Event),
        object_id__in=ids,
        kind__in=["grids.dispatch", "grids.handle"],
    ).exclude(status=ClockStatus.STOPPED)
    return {row.object_id: row for row in rows}


def command_centre(user, *, limit: int = 200) -> dict:
    """Everything the command-centre page shows, in a fixed number of queries."""
    events = list(events_for(user).filter(status__in=OPEN_STATUSES).order_by("grid__code", "status", "id")[:limit])
    deadlines = clocks_by_event(events)
    for event in events:
        clock = deadlines.get(event.pk)
        event.clock_colour = clock.colour() if clock else ""
        event.clock_due = clock.due_at if clock else None
    waiting = list(
        WhistleCall.objects.filter(scope_q(user, "whistle__event__division"), status=WhistleCallStatus.WAITING)
        .select_related("organisation", "whistle__event")
        .order_by("whistle__created_at", "pk")[:limit]
    )
    escalations = list(
        Escalation.objects.filter(scope_q(user, "event__division"))
        .select_related("event", "from_division", "to_division")
        .order_by("-created_at", "-id")[:50]
    )
    by_state = dict(
        events_for(user).filter(status__in=OPEN_STATUSES).values_list("status").annotate(n=Count("id")).order_by()
    )
    return {"events": events, "waiting_calls": waiting, "escalations": escalations, "by_state": by_state}


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
