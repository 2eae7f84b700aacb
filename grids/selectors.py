"""Reads in the grids app: data scope applied, related rows fetched in a fixed number of queries."""

from django.db import connection
from django.db.models import BooleanField, Count, Prefetch, Q
from django.db.models.expressions import RawSQL

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
    from shapely.geometry import Point, shape

    candidates = Grid.objects.filter(is_active=True)
    if connection.vendor == "postgresql":
        # Reads the GiST index of migration 0002 (the expression must match it exactly).
        # `box @> point` is not a GiST box operator; a zero-size box at the point is.
        holds = RawSQL(f"{BOX} @> box(point(%s, %s), point(%s, %s))", (lng, lat, lng, lat), output_field=BooleanField())
        candidates = candidates.filter(holds)
    else:
        candidates = candidates.filter(min_lng__lte=lng, max_lng__gte=lng, min_lat__lte=lat, max_lat__gte=lat)
    candidates = candidates.select_related("division__parent")
    point = Point(lng, lat)
    found = [grid for grid in candidates if shape(grid.boundary).covers(point)]
    if not found:
        return None
    # Dedicated grids (schools, parks, enterprises) lie inside comprehensive ones: the smaller, specific one.
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
