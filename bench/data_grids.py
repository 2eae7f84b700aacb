"""Grids benchmark data: grids with boundaries and boxes under the villages, workers, categories, command-centre
operators, and events in every state with the open clocks the services would have started (bulk inserts and
INSERT ... SELECT, so `province` — 100,000 grids and 1,000,000 events — generates in minutes).

Every clock is green when generated (the kernel's sweep at the real time finds none of them); `sweeps` then
moves the clock forward so a realistic share of dispatch and handling limits runs out and escalates.
"""

import datetime
import json
import secrets
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone
from guardian.models import UserObjectPermission

from bench.data import PASSWORD, backlog
from grids import conf
from grids.models import Escalation, Event, EventCategory, Grid, GridWorker, Source, TimeUnit
from grids.services import DISPATCH_CLOCK, HANDLE_CLOCK
from grids.states import EventStatus
from ruian import clocks
from ruian.divisions import Division
from ruian.organisations import OrgKind
from ruian.staff import Role, StaffProfile

STATES = [
    EventStatus.REPORTED,
    EventStatus.REGISTERED,
    EventStatus.DISPATCHED,
    EventStatus.SENT_BACK,
    EventStatus.HANDLING,
    EventStatus.FED_BACK,
    EventStatus.VERIFIED,
    EventStatus.CLOSED,
    EventStatus.EVALUATED,
    EventStatus.REJECTED,
]
# code, name, dispatch limit (hours), handling limit (working days)
CATEGORIES = [
    ("bench-garbage", "垃圾乱堆", 24, 3),
    ("bench-road", "道路破损", 24, 5),
    ("bench-lamp", "路灯损坏", 24, 10),
    ("bench-stall", "占道经营", 24, 1),
]
POOL_CATEGORY = ("bench-facility", "公共设施(派遣压测)", 24 * 30, 10)  # events the dispatch write dispatches
PROFILE_POOL = 200  # registered pool events timed in-process by `python -m bench.profile` (-n up to this many)
CELL = 0.004  # degrees: each grid is a square of this side
COLUMNS = 1000


def _square(index: int) -> tuple[dict, tuple]:
    lng0 = 118.0 + (index % COLUMNS) * CELL
    lat0 = 30.0 + (index // COLUMNS) * CELL
    lng1, lat1 = lng0 + CELL, lat0 + CELL
    ring = [[lng0, lat0], [lng1, lat0], [lng1, lat1], [lng0, lat1], [lng0, lat0]]
    return {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]}, (lng0, lat0, lng1, lat1)


def _centre(index: int) -> tuple[float, float]:
    return 118.0 + (index % COLUMNS) * CELL + CELL / 2, 30.0 + (index // COLUMNS) * CELL + CELL / 2


@transaction.atomic
def generate(scale: dict, ctx, out) -> None:
    started = time.monotonic()
    villages = ctx.villages
    width = conf.sequence_width()
    count = scale["grids"]
    per_village = -(-count // len(villages))
    if per_village >= 10**width:
        raise RuntimeError(f"grids: {per_village} grids per village do not fit a {width}-digit sequence")
    now = timezone.now()
    grids = []
    for index in range(count):
        village = villages[index % len(villages)]
        sequence = index // len(villages) + 1
        boundary, (lng0, lat0, lng1, lat1) = _square(index)
        grids.append(
            Grid(
                code=f"{village.code}{sequence:0{width}d}",
                name=f"{village.name}第{sequence}网格",
                division=village,
                sequence=sequence,
                households=200 + index % 300,
                population=600 + index % 900,
                boundary=boundary,
                min_lng=lng0,
                min_lat=lat0,
                max_lng=lng1,
                max_lat=lat1,
            )
        )
    Grid.objects.bulk_create(grids, batch_size=5000)
    GridWorker.objects.bulk_create(
        [GridWorker(grid=g, name=f"网格员{i}", phone=f"139{i:08d}") for i, g in enumerate(grids)], batch_size=5000
    )
    categories = [
        EventCategory(
            code=code,
            name=name,
            group="城市管理",
            dispatch_limit_hours=hours,
            handle_limit=days,
            handle_unit=TimeUnit.WORKING_DAYS,
            default_unit_kind=OrgKind.TOWNSHIP_OFFICE,
        )
        for code, name, hours, days in [*CATEGORIES, POOL_CATEGORY]
    ]
    EventCategory.objects.bulk_create(categories)
    operators = _operators(ctx)
    out.write(f"grids: {count:,} grids and workers, {len(operators)} operators in {time.monotonic() - started:.1f}s\n")

    events_started = time.monotonic()
    _insert_events(scale["events"], categories[:-1], now)
    township = ctx.townships[0]
    pool = max(2000, scale["events"] // 50)
    first_pool = _insert_pool(pool, categories[-1], township, now)
    _insert_clocks(now)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Event._meta.db_table}")
        cursor.execute(f"ANALYZE {Grid._meta.db_table}")
        cursor.execute(f"ANALYZE {clocks.Deadline._meta.db_table}")
    ctx.grids = {
        "operators": operators,
        "township": township,
        "pool": (first_pool, pool),
        "unit": ctx.orgs[(township.pk, OrgKind.TOWNSHIP_OFFICE)],
        "count": count,
    }
    out.write(
        f"grids: {scale['events'] + pool:,} events with their clocks in {time.monotonic() - events_started:.1f}s\n"
    )


def _operators(ctx) -> dict:
    """One command-centre operator per township, granted the township as set_staff_organisation does."""
    User = get_user_model()
    password = make_password(PASSWORD)  # hashing is slow on purpose: once, not once per user
    users = [User(username=f"gridop_{t.code[:9]}", password=password, first_name="坐席") for t in ctx.townships]
    User.objects.bulk_create(users, batch_size=5000)
    StaffProfile.objects.bulk_create(
        [
            StaffProfile(user=u, organisation=ctx.orgs[(t.pk, OrgKind.COMMAND_CENTRE)])
            for u, t in zip(users, ctx.townships, strict=True)
        ],
        batch_size=5000,
    )
    group = Group.objects.get(name=Role.OPERATOR)
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=u.pk, group_id=group.pk) for u in users], batch_size=5000
    )
    permission = Permission.objects.get(codename="work_in_division", content_type__app_label="ruian")
    division_type = ContentType.objects.get_for_model(Division)
    UserObjectPermission.objects.bulk_create(
        [
            UserObjectPermission(user=u, permission=permission, content_type=division_type, object_pk=str(t.pk))
            for u, t in zip(users, ctx.townships, strict=True)
        ],
        batch_size=5000,
    )
    return {t.pk: u for u, t in zip(users, ctx.townships, strict=True)}


_EVENT_COLUMNS = (
    "number, category_id, grid_id, division_id, handling_division_id, status, description, address, lng, lat, "
    "source, reporter_name, reporter_phone, unit_id, last_reason, result, verified_ok, satisfaction, handover, "
    "reported_at, registered_at, dispatched_at, fed_back_at, closed_at, handled_on_time, updated_at"
)


def _insert_events(count: int, categories, now) -> None:
    """Events in every state, spread over the grids; the times are those the services would have stamped.

    `age` (minutes since registration, < 15 h) keeps every 24-hour dispatch clock green at generation time.
    """
    table, grid_table, division_table = Event._meta.db_table, Grid._meta.db_table, Division._meta.db_table
    org_table = ctx_org_table()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH g AS (
                SELECT id, division_id, (min_lng + max_lng) / 2 AS lng, (min_lat + max_lat) / 2 AS lat,
                       row_number() OVER (ORDER BY id) - 1 AS n
                FROM {grid_table}
            ), s AS (
                SELECT i, (%(states)s)[1 + i %% 10] AS status, (%(categories)s)[1 + (i / 10) %% %(ncat)s] AS category,
                       %(now)s - ((i * 7) %% 900) * interval '1 minute' AS registered
                FROM generate_series(1, %(count)s) AS i
            )
            INSERT INTO {table} ({_EVENT_COLUMNS})
            SELECT 'SJB' || lpad(s.i::text, 12, '0'), s.category, g.id, g.division_id, v.parent_id, s.status,
                   '压测事件 ' || s.i, '', g.lng, g.lat, %(source)s, '', '',
                   CASE WHEN s.status IN ('reported', 'registered', 'rejected') THEN NULL ELSE o.id END,
                   CASE WHEN s.status = 'sent_back' THEN '不属本单位职责' ELSE '' END,
                   CASE WHEN s.status IN ('fed_back', 'verified', 'closed', 'evaluated') THEN '已处置' ELSE '' END,
                   CASE WHEN s.status IN ('verified', 'closed', 'evaluated') THEN true END,
                   CASE WHEN s.status = 'evaluated' THEN 1 + s.i %% 3 END,
                   '',
                   s.registered - interval '10 minutes',
                   CASE WHEN s.status IN ('reported', 'rejected') THEN NULL ELSE s.registered END,
                   CASE WHEN s.status IN ('reported', 'registered', 'rejected') THEN NULL
                        ELSE s.registered + interval '5 minutes' END,
                   CASE WHEN s.status IN ('fed_back', 'verified', 'closed', 'evaluated')
                        THEN s.registered + interval '8 minutes' END,
                   CASE WHEN s.status IN ('closed', 'evaluated') THEN s.registered + interval '9 minutes' END,
                   CASE WHEN s.status IN ('fed_back', 'verified', 'closed', 'evaluated') THEN true END,
                   s.registered + interval '9 minutes'
            FROM s
            JOIN g ON g.n = s.i %% (SELECT count(*) FROM g)
            JOIN {division_table} v ON v.id = g.division_id
            JOIN {org_table} o ON o.division_id = v.parent_id AND o.kind = %(unit_kind)s
            """,
            {
                "states": [str(s) for s in STATES],
                "categories": [c.pk for c in categories],
                "ncat": len(categories),
                "now": now,
                "count": count,
                "source": Source.GRID_WORKER.value,
                "unit_kind": OrgKind.TOWNSHIP_OFFICE.value,
            },
        )


def ctx_org_table() -> str:
    from ruian.organisations import Organisation

    return Organisation._meta.db_table


def _insert_pool(count: int, category, township, now) -> int:
    """Registered events of one township, waiting for dispatch: the dispatch write takes a different one each time."""
    table, grid_table, division_table = Event._meta.db_table, Grid._meta.db_table, Division._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH g AS (
                SELECT gr.id, gr.division_id, (min_lng + max_lng) / 2 AS lng, (min_lat + max_lat) / 2 AS lat,
                       row_number() OVER (ORDER BY gr.id) - 1 AS n
                FROM {grid_table} gr JOIN {division_table} v ON v.id = gr.division_id
                WHERE v.parent_id = %(township)s
            )
            INSERT INTO {table} ({_EVENT_COLUMNS})
            SELECT 'SJP' || lpad(i::text, 12, '0'), %(category)s, g.id, g.division_id, %(township)s, 'registered',
                   '待派遣事件 ' || i, '', g.lng, g.lat, %(source)s, '', '', NULL, '', '', NULL, NULL, '',
                   %(now)s - interval '20 minutes', %(now)s - interval '10 minutes', NULL, NULL, NULL, NULL,
                   %(now)s - interval '10 minutes'
            FROM generate_series(1, %(count)s) AS i
            JOIN g ON g.n = i %% (SELECT count(*) FROM g)
            ORDER BY i
            RETURNING id
            """,
            {"township": township.pk, "category": category.pk, "now": now, "count": count, "source": "grid_worker"},
        )
        ids = [row[0] for row in cursor.fetchall()]
    if ids != list(range(ids[0], ids[0] + count)):
        raise RuntimeError("grids: the dispatch pool's ids are not contiguous")
    return ids[0]


def _insert_clocks(now) -> None:
    """The clocks register_event / send_back_event (dispatch, hours) and dispatch_event (handling, working days)
    start, with clocks.compute_due / compute_yellow for every (start day, limit) that occurs."""
    share = settings.CLOCK_YELLOW_SHARE
    table, event_table = clocks.Deadline._meta.db_table, Event._meta.db_table
    category_table = EventCategory._meta.db_table
    event_type = ContentType.objects.get_for_model(Event).pk
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (content_type_id, object_id, kind, division_id, unit, amount, started_at, yellow_at,
                                 due_at, status, level, extended)
            SELECT %(ct)s, e.id, %(kind)s, e.handling_division_id, 'hours', c.dispatch_limit_hours, e.registered_at,
                   e.registered_at + c.dispatch_limit_hours * %(share)s * interval '1 hour',
                   e.registered_at + c.dispatch_limit_hours * interval '1 hour', 'running', 0, 0
            FROM {event_table} e JOIN {category_table} c ON c.id = e.category_id
            WHERE e.status IN ('registered', 'sent_back')
            """,
            {"ct": event_type, "kind": DISPATCH_CLOCK, "share": share},
        )
        cursor.execute(
            f"""SELECT DISTINCT (e.dispatched_at AT TIME ZONE %s)::date, c.handle_limit
            FROM {event_table} e JOIN {category_table} c ON c.id = e.category_id
            WHERE e.status IN ('dispatched', 'handling')""",
            [settings.TIME_ZONE],
        )
        marks = []
        for day, amount in cursor.fetchall():
            due = clocks.compute_due(day, clocks.Unit.WORKING_DAYS, amount)
            marks.append((day, amount, due, clocks.compute_yellow(day, clocks.Unit.WORKING_DAYS, amount, due, share)))
        if not marks:
            return
        cursor.execute(
            f"""
            WITH m(day, amount, due_at, yellow_at) AS (
                SELECT * FROM unnest(%(days)s::date[], %(amounts)s::int[], %(dues)s::timestamptz[],
                                     %(yellows)s::timestamptz[])
            )
            INSERT INTO {table} (content_type_id, object_id, kind, division_id, unit, amount, started_at, yellow_at,
                                 due_at, status, level, extended)
            SELECT %(ct)s, e.id, %(kind)s, e.handling_division_id, 'working_days', c.handle_limit, e.dispatched_at,
                   m.yellow_at, m.due_at, 'running', 0, 0
            FROM {event_table} e JOIN {category_table} c ON c.id = e.category_id
            JOIN m ON m.day = (e.dispatched_at AT TIME ZONE %(tz)s)::date AND m.amount = c.handle_limit
            WHERE e.status IN ('dispatched', 'handling')
            """,
            {
                "ct": event_type,
                "kind": HANDLE_CLOCK,
                "tz": settings.TIME_ZONE,
                "days": [m[0] for m in marks],
                "amounts": [m[1] for m in marks],
                "dues": [m[2] for m in marks],
                "yellows": [m[3] for m in marks],
            },
        )


LUA_POST = """
local nonce = "{nonce}"
local csrf = "{csrf}"
local threads = 0
setup = function(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
local n = 0
request = function()
  n = n + 1
  local k = (tid or 0) + 2 * n
  local headers = {{}}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  headers["Cookie"] = (wrk.headers["Cookie"] or "") .. "; csrftoken=" .. csrf
  headers["X-CSRFToken"] = csrf
  headers["Content-Type"] = {content_type}
  headers["Idempotency-Key"] = nonce .. "-" .. k
  return wrk.format("POST", {path}, headers, {body})
end
"""


def _lua(path: str, body: str, content_type: str = '"application/json"') -> str:
    return LUA_POST.format(
        nonce=secrets.token_hex(8), csrf=secrets.token_hex(16), path=path, body=body, content_type=content_type
    )


def _data(ctx) -> dict:
    if not hasattr(ctx, "grids"):  # --reuse
        township = ctx.townships[0]
        User = get_user_model()
        first = Event.objects.filter(number__startswith="SJP").order_by("pk").values_list("pk", flat=True).first()
        ctx.grids = {
            "operators": {t.pk: User.objects.get(username=f"gridop_{t.code[:9]}") for t in ctx.townships[:1]},
            "township": township,
            "pool": (first, Event.objects.filter(number__startswith="SJP").count()),
            "unit": ctx.orgs[(township.pk, OrgKind.TOWNSHIP_OFFICE)],
            "count": Grid.objects.count(),
        }
    return ctx.grids


def _dispatch_pool(data) -> list[int]:
    """The pool events still registered (dispatchable), newest first: every run takes its in-process ones from
    the top of the pool (wrk dispatches from the bottom up), so a profiled event is never one wrk already took."""
    first_pool, pool = data["pool"]
    return list(
        Event.objects.filter(pk__gte=first_pool, pk__lt=first_pool + pool, status=EventStatus.REGISTERED)
        .order_by("-pk")
        .values_list("pk", flat=True)
    )


def requests(ctx) -> list[dict]:
    data = _data(ctx)
    township = data["township"]
    operator = data["operators"][township.pk]
    first_pool, pool = data["pool"]
    # Two registered events for counting the statements in-process (a repeated dispatch is refused, and counting
    # a refusal would not count a dispatch), some for timing it in-process, and below them the range wrk takes.
    registered = _dispatch_pool(data)
    counted, profiled = registered[:2], registered[2 : 2 + PROFILE_POOL]
    if len(counted) < 2:  # the pool is used up: count the refusal rather than nothing
        counted = [first_pool + pool - 1, first_pool + pool - 2]
    wrk_pool = max(1, min([*counted, *profiled]) - first_pool)
    lng, lat = _centre(data["count"] // 2)
    report_lng, report_lat = _centre(3)
    body = {"category": CATEGORIES[0][0], "lng": report_lng, "lat": report_lat, "description": "压测上报"}
    unit = data["unit"].pk
    return [
        {
            "name": "grids: point-to-grid lookup",
            "group": "read",
            "path": f"/api/v1/grids/grids/locate/?lng={lng:.6f}&lat={lat:.6f}",
            "auth": "token",
        },
        {
            "name": "grids: command-centre page (operator)",
            "group": "read",
            "path": "/grids/command-centre/",
            "auth": "session",
            "user": operator,
        },
        {
            "name": "grids: events sync (first page)",
            "group": "read",
            "path": "/api/v1/grids/events/?updated_since=2000-01-01T00:00:00Z",
            "auth": "token",
        },
        {
            "name": "grids: report event (API create)",
            "group": "write",
            "path": "/api/v1/grids/events/",
            "method": "POST",
            "auth": "token",
            "body": json.dumps(body, ensure_ascii=False),
            "profile_paths": ["/api/v1/grids/events/"],  # bench.profile times it too (a new event each time)
            "lua": _lua(
                "nil",
                f'\'{{"category": "{CATEGORIES[0][0]}", "lng": {report_lng}, "lat": {report_lat}, '
                "\"description\": \"压测上报 ' .. nonce .. '-' .. k .. '\"}'",
            ),
        },
        {
            # The operator's dispatch form, a different registered event each time. (The API action is the same
            # service call; the harness counts queries by calling a path twice, which only a form that answers a
            # repeated dispatch with a redirect and a message survives.)
            "name": "grids: dispatch (operator form)",
            "group": "write",
            "path": f"/grids/events/{first_pool}/dispatch/",
            "method": "POST",
            "auth": "session",
            "user": operator,
            "body": f"unit={unit}&note=bench",
            "content_type": "application/x-www-form-urlencoded",
            "count_paths": [f"/grids/events/{pk}/dispatch/" for pk in counted],
            "profile_paths": [f"/grids/events/{pk}/dispatch/" for pk in profiled],
            "lua": _lua(
                f"'/grids/events/' .. ({first_pool} + math.fmod(k, {wrk_pool})) .. '/dispatch/'",
                f"'unit={unit}&note=bench'",
                '"application/x-www-form-urlencoded"',
            ),
        },
    ]


def lookups(ctx, count: int = 1000) -> dict:
    """Point-to-grid lookups at random points inside the generated grids (bounding-box GiST index, then the
    exact shapely test), one at a time as a report does: total seconds, and each lookup's mean and worst in ms."""
    import random

    from grids.selectors import grid_for_point

    rng = random.Random(6)
    total = ctx.grids["count"] if getattr(ctx, "grids", None) else Grid.objects.count()
    points = []
    for _ in range(count):
        index = rng.randrange(total)
        lng, lat = _centre(index)
        points.append((index, lng + rng.uniform(-CELL / 3, CELL / 3), lat + rng.uniform(-CELL / 3, CELL / 3)))
    grid_for_point(*points[0][1:])  # warm the connection and the statement
    times = []
    started = time.monotonic()
    for _index, lng, lat in points:
        one = time.perf_counter()
        if grid_for_point(lng, lat) is None:
            raise RuntimeError(f"grids: no grid found at ({lng}, {lat})")
        times.append(time.perf_counter() - one)
    seconds = time.monotonic() - started
    times.sort()
    mean_ms, p99_ms = 1000 * seconds / count, 1000 * times[int(0.99 * (count - 1))]
    name = f"grids: {count:,} point-to-grid lookups in {total:,} grids (mean {mean_ms:.2f} ms, p99 {p99_ms:.2f} ms)"
    return {name: seconds}


def sweeps(ctx) -> dict:
    """The deadline sweep 20 hours on: most 24-hour dispatch limits and some one-day handling limits run out and
    escalate, set-based; then its rerun, which must escalate nothing (each level's new clock is not yet due).
    Earlier apps' sweeps at later times may already have moved some clocks."""
    later = timezone.now() + datetime.timedelta(hours=20)
    before = Escalation.objects.count()
    open_clocks = clocks.Deadline.objects.exclude(status=clocks.ClockStatus.STOPPED).count()
    first = clocks.sweep_backlog(now=later)
    escalated = Escalation.objects.count() - before
    label = f"grids: deadline sweep +20 hours, {open_clocks:,} open clocks, {escalated:,} escalated ({backlog(first)})"
    results = {label: first["longest"]}
    second = clocks.sweep_backlog(now=later)
    if sum(second["crossed"].values()) or Escalation.objects.count() - before != escalated:
        raise RuntimeError(f"grids: the rerun of the sweep acted again: {second}")
    results["grids: deadline sweep +20 hours (rerun, nothing new)"] = second["longest"]
    results.update(lookups(ctx))
    return results
