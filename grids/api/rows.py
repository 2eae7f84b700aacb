"""Plain-dict rows for the events list (and sync), built from `values()`.

DRF's ModelSerializer costs far more per row than the query does (a field object per column, a related
object per foreign key); `event_rows` gives the same JSON as `GridEventSerializer`, key for key and in the
same order (tests/grids/test_rows.py compares them). The serializer stays the API's documentation (OpenAPI
schema) and answers single events.
"""

from ruian.api.rows import datetime_formatter

# The event's own columns a row shows.
EVENT_COLUMNS = (
    "id",
    "number",
    "status",
    "description",
    "address",
    "lng",
    "lat",
    "source",
    "unit_id",
    "last_reason",
    "result",
    "verified_ok",
    "satisfaction",
    "handover",
    "handled_on_time",
    "reported_at",
    "registered_at",
    "dispatched_at",
    "fed_back_at",
    "closed_at",
    "updated_at",
)


def _related() -> dict:
    """What a row shows of the event's related rows, each a scalar subquery of the event's own row.

    Not joins: PostgreSQL planned the eight-table join of a sync page for ~50 ms and ran it in 1 ms; one table
    and a subquery per related value plans in well under a millisecond (and reads the same rows by key).
    """
    from django.db.models.expressions import RawSQL

    from grids.models import Event, EventCategory, EventHandover, Grid
    from ruian.divisions import Division
    from ruian.organisations import Organisation

    event = Event._meta.db_table
    return {
        "category_pair": RawSQL(
            f"SELECT ARRAY[c.code, c.name] FROM {EventCategory._meta.db_table} c WHERE c.id = {event}.category_id", []
        ),
        "grid_code": RawSQL(f"SELECT g.code FROM {Grid._meta.db_table} g WHERE g.id = {event}.grid_id", []),
        "handling_pair": RawSQL(
            f"SELECT ARRAY[d.code, d.level] FROM {Division._meta.db_table} d WHERE d.id = {event}.handling_division_id",
            [],
        ),
        "unit_name_value": RawSQL(
            f"SELECT o.name FROM {Organisation._meta.db_table} o WHERE o.id = {event}.unit_id", []
        ),
        "duplicate_number": RawSQL(f"SELECT x.number FROM {event} x WHERE x.id = {event}.duplicate_of_id", []),
        # What the receiving side created ("app.model:id"), once it did.
        "handover_target_value": RawSQL(
            f"SELECT h.target_app || '.' || h.target_model || ':' || h.target_id "
            f"FROM {EventHandover._meta.db_table} h WHERE h.event_id = {event}.id AND h.target_id <> ''",
            [],
        ),
    }


def event_values(queryset):
    """`queryset` (events, filtered and ordered) as the dicts `event_rows` takes, in one query."""
    return queryset.values(*EVENT_COLUMNS, **_related())


def _float(value):
    return None if value is None else float(value)


def _bool(value):
    return None if value is None else bool(value)


def event_row(v: dict, _moment=None) -> dict:
    """One row of `event_values` as GridEventSerializer shows the event (`_moment` formats its datetimes)."""
    _moment = _moment or datetime_formatter()
    category_code, category_name = v["category_pair"]
    handling_code, handling_level = v["handling_pair"]
    return {
        "id": v["id"],
        "number": v["number"],
        "category": category_code,
        "category_name": category_name,
        "grid": v["grid_code"],
        "status": v["status"],
        "description": v["description"],
        "address": v["address"],
        "lng": _float(v["lng"]),
        "lat": _float(v["lat"]),
        "source": v["source"],
        "handling_division": handling_code,
        "handling_level": handling_level,
        "unit": v["unit_id"],
        "unit_name": None if v["unit_id"] is None else v["unit_name_value"],
        "duplicate_of": v["duplicate_number"],
        "last_reason": v["last_reason"],
        "result": v["result"],
        "verified_ok": _bool(v["verified_ok"]),
        "satisfaction": v["satisfaction"],
        "handover": v["handover"],
        "handover_target": v["handover_target_value"] if v["handover"] else None,
        "handled_on_time": _bool(v["handled_on_time"]),
        "reported_at": _moment(v["reported_at"]),
        "registered_at": _moment(v["registered_at"]),
        "dispatched_at": _moment(v["dispatched_at"]),
        "fed_back_at": _moment(v["fed_back_at"]),
        "closed_at": _moment(v["closed_at"]),
        "updated_at": _moment(v["updated_at"]),
    }


def event_rows(values) -> list[dict]:
    moment = datetime_formatter()
    return [event_row(v, moment) for v in values]


def grid_row(grid) -> dict:
    """A grid (its village, township and active workers loaded, as `selectors.grid_for_point(...,
    with_workers=True)` gives it) as GridSerializer shows it."""
    village = grid.division
    row = {
        "code": grid.code,
        "name": grid.name,
        "kind": grid.kind,
        "dedicated_type": grid.dedicated_type,
        "division": village.code,
        "division_name": village.name,
    }
    township = village.parent
    if township is not None:  # the serializer leaves the key out when there is none
        row["township"] = township.code
    row.update(
        {
            "households": grid.households,
            "population": grid.population,
            "boundary": grid.boundary,
            "is_active": grid.is_active,
            "successor": grid.successor.code if grid.successor_id is not None else None,
            "workers": [
                {"id": w.id, "name": w.name, "phone": w.phone, "employment": w.employment} for w in grid.workers.all()
            ],
            "updated_at": datetime_formatter()(grid.updated_at),
        }
    )
    return row


def event_instance_row(event) -> dict:
    """An event instance (its category, grid and handling division loaded) as GridEventSerializer shows it:
    the same row as `event_row`, without the serializer's per-call field setup."""
    values = {name: getattr(event, name) for name in EVENT_COLUMNS}
    handling = event.handling_division
    record = getattr(event, "handover_record", None) if event.handover else None
    values.update(
        category_pair=(event.category.code, event.category.name),
        grid_code=event.grid.code,
        handling_pair=(handling.code, handling.level),
        unit_name_value=event.unit.name if event.unit_id is not None else None,
        duplicate_number=event.duplicate_of.number if event.duplicate_of_id is not None else None,
        handover_target_value=(
            f"{record.target_app}.{record.target_model}:{record.target_id}"
            if record is not None and record.target_id
            else None
        ),
    )
    row = event_row(values)
    # Choice values as the serializer gives them: plain strings, not the enum members a new instance holds.
    for name in ("status", "source", "handover"):
        row[name] = str(row[name]) if row[name] is not None else None
    return row
