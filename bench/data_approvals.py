"""Approvals at scale: `scale["applications"]` applications over every township, in every state.

Written set-based (INSERT ... SELECT generate_series) but by the app's own rules: resident IDs valid by
their check digit (stdnum), numbers township + date + sequence and unique (the sequence table is set past
them), materials copied from the catalog item, and clocks as the services leave them: the notice clock
running for received applications, the decision clock for accepted / in review (suspended while
suspended), the issuance clock for decided ones, all at the level the sweeps would have brought them to.
Received applications are at most 5 calendar days old (older ones would have been deemed accepted).

The catalog items are the licensing items of `bench/data_catalogs.py` when it ran; otherwise a small
published township power list per county is made here.
"""

import datetime
import json
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone
from guardian.models import UserObjectPermission
from stdnum.cn import ric

from approvals import services
from approvals.models import CLOCK_DECISION, CLOCK_ISSUANCE, CLOCK_NOTICE, Application
from approvals.states import Status
from bench.data import backlog
from catalogs.models import CatalogKind, CatalogVersion, Category, PowerItem
from catalogs.states import VersionStatus
from ruian import clocks
from ruian.audit import AuditEntry
from ruian.clocks import Unit
from ruian.divisions import Division
from ruian.organisations import OrgKind
from ruian.staff import Role, StaffProfile

PASSWORD = "bench-pass-2026"
ACCEPT_POOL = 20_000  # received, complete applications of townships[-1] for the "accept" writes
PROFILE_POOL = 200  # of which timed in-process by `python -m bench.profile` (-n up to this many)
ID_POOL = 5_000
SWEEP_WORKING_DAYS = 2  # the timed sweep runs as at the end of the second working day from today
MATERIALS = [
    {"name": "申请书", "form": "original", "copies": 1, "mandatory": True},
    {"name": "身份证明", "form": "copy", "copies": 1, "mandatory": True},
]

# i % 20 -> (status, calendar days ago of receipt: first, count)
STATES = (
    [(Status.RECEIVED, 1, 5)] * 4
    + [(Status.NOTICE_GIVEN, 1, 5)]
    + [(Status.ACCEPTED, 1, 10)] * 2
    + [(Status.IN_REVIEW, 2, 25)] * 4
    + [(Status.SUSPENDED, 6, 20)]
    + [(Status.APPROVED, 11, 15)] * 2
    + [(Status.DENIED, 11, 15)]
    + [(Status.ISSUED, 12, 60)] * 3
    + [(Status.REFUSED, 1, 60)]
    + [(Status.WITHDRAWN, 1, 60)]
)


def _resident_ids(n: int) -> list[str]:
    ids = []
    for k in range(n):
        body = f"32062319{85 + k % 15:02d}{1 + k % 12:02d}{1 + k % 28:02d}{k % 1000:03d}"
        ids.append(ric.validate(body + ric.calc_check_digit(body + "0")))
    return ids


def _items(ctx, editor) -> dict:
    """{county id: [licensing PowerItem, ...]}: the catalogs generator's, or a small list made here."""
    catalog = getattr(ctx, "catalog", None)
    if catalog:
        return {cid: items[Category.LICENSING] for cid, items in catalog["items"].items() if items[Category.LICENSING]}
    versions = [
        CatalogVersion(
            county=county,
            kind=CatalogKind.POWER,
            title=f"{county.name}镇(街道)权力清单(审批基准)",
            effective_date=datetime.date(2020, 1, 1),
            status=VersionStatus.PUBLISHED,
            created_by=editor,
        )
        for county in ctx.counties
    ]
    CatalogVersion.objects.bulk_create(versions)
    items = [
        PowerItem(
            version=version,
            category=Category.LICENSING,
            code=f"{version.county.code[:6]}-XK-{n:04d}",
            name=f"行政许可事项{n}",
            deciding_office="镇人民政府",
            legal_time_limit=20,
            promised_time_limit=10,
            materials=MATERIALS,
            channels=["window", "online"],
        )
        for version in versions
        for n in range(1, 5)
    ]
    PowerItem.objects.bulk_create(items)
    by_county = {}
    for item in items:
        by_county.setdefault(item.version.county_id, []).append(item)
    return by_county


def _approvers(ctx) -> dict:
    """Two approvers per township (decisions take two staff) and the leader in charge (分管领导, told when a
    clock turns red), granted as set_staff_organisation grants."""
    User = get_user_model()
    password = make_password(PASSWORD)
    users, pairs, roles = [], [], []
    for township in ctx.townships:
        for name, role in (("approver1", Role.APPROVER), ("approver2", Role.APPROVER), ("leader", Role.LEADER)):
            user = User(username=f"{name}_{township.code[:9]}", password=password, first_name="审批")
            users.append(user)
            pairs.append((user, township))
            roles.append(role)
    User.objects.bulk_create(users, batch_size=5000)
    StaffProfile.objects.bulk_create(
        [StaffProfile(user=u, organisation=ctx.orgs[(t.pk, OrgKind.TOWNSHIP_OFFICE)]) for u, t in pairs],
        batch_size=5000,
    )
    groups = {role: Group.objects.get(name=role).pk for role in (Role.APPROVER, Role.LEADER)}
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=u.pk, group_id=groups[role]) for u, role in zip(users, roles, strict=True)],
        batch_size=5000,
    )
    permission = Permission.objects.get(codename="work_in_division", content_type__app_label="ruian")
    division_type = ContentType.objects.get_for_model(Division)
    UserObjectPermission.objects.bulk_create(
        [
            UserObjectPermission(user=u, permission=permission, content_type=division_type, object_pk=str(t.pk))
            for u, t in pairs
        ],
        batch_size=5000,
    )
    return {t.pk: (pairs[3 * k][0], pairs[3 * k + 1][0]) for k, t in enumerate(ctx.townships)}


def _due_table(cursor, days: int, amounts: set[int]) -> None:
    """bench_due(day, amount, due, yellow): the kernel's own compute_due / compute_yellow per start day."""
    share = settings.CLOCK_YELLOW_SHARE
    today = timezone.localdate()
    rows = []
    for back in range(days + 1):
        day = today - datetime.timedelta(days=back)
        for amount in amounts:
            due = clocks.compute_due(day, Unit.WORKING_DAYS, amount)
            rows.append((day, amount, due, clocks.compute_yellow(day, Unit.WORKING_DAYS, amount, due, share)))
    cursor.execute("CREATE TEMP TABLE bench_due (day date, amount int, due timestamptz, yellow timestamptz)")
    cursor.executemany("INSERT INTO bench_due VALUES (%s, %s, %s, %s)", rows)
    cursor.execute("CREATE UNIQUE INDEX ON bench_due (day, amount)")


APP_COLUMNS = (
    "number, township_id, power_item_id, item_code, item_name, deciding_office, department_id, legal_limit, "
    "promised_limit, channel, applicant_kind, applicant_name, applicant_id_number, applicant_phone, contact_name, "
    "address, materials, status, received_at, received_by_id, accepted_at, deemed_accepted, sent_at, decided_at, "
    "issued_at, closed_at, extended, extension_reason, refusal_reason, competent_department, withdrawal_reason, "
    "pledge, overdue, created_at, updated_at"
)


def _insert_applications(cursor, *, count, first, townships, states, ids, now, base, tz, seq_offset=0) -> None:
    """Applications first .. first+count-1: application i is in township i % T, state (i / T) % len(states)."""
    status_case = " ".join(f"WHEN {k} THEN '{s}'" for k, (s, _a, _b) in enumerate(states))
    days_case = " ".join(
        f"WHEN {k} THEN {a} + (g.i / (%(n_states)s * %(n_t)s)) %% {b}" for k, (_s, a, b) in enumerate(states)
    )
    cursor.execute(
        f"""
        WITH t AS (
            SELECT * FROM unnest(%(t_id)s::int[], %(t_code)s::text[], %(t_clerk)s::int[], %(t_item)s::int[],
                                 %(t_item_code)s::text[], %(t_item_name)s::text[], %(t_office)s::text[],
                                 %(t_dept)s::int[], %(t_legal)s::int[], %(t_promised)s::int[],
                                 %(t_complete)s::text[], %(t_missing)s::text[])
                     WITH ORDINALITY AS t(id, code9, clerk, item, item_code, item_name, office, dept, legal,
                                          promised, complete, missing, n)
        ),
        g AS (
            SELECT i, ((i / %(n_t)s) %% %(n_states)s) AS k, 1 + (i %% %(n_t)s) AS tn
            FROM generate_series(%(first)s, %(last)s) i
        ),
        s AS (
            SELECT g.i, t.*, CASE g.k {status_case} END AS status, %(seq_offset)s + g.i / %(n_t)s + 1 AS seq,
                   (%(base)s::timestamptz - (CASE g.k {days_case} END) * interval '1 day'
                    + (g.i %% 480) * interval '1 minute') AS received_at
            FROM g JOIN t ON t.n = g.tn
        )
        INSERT INTO approvals_application ({APP_COLUMNS})
        SELECT s.code9 || '-' || to_char(s.received_at AT TIME ZONE %(tz)s, 'YYYYMMDD') || '-'
                   || lpad(s.seq::text, greatest(4, length(s.seq::text)), '0'),
               s.id, s.item, s.item_code, s.item_name, s.office, s.dept, s.legal, s.promised,
               CASE WHEN s.i %% 3 = 0 THEN 'online' ELSE 'window' END,
               'person', '申请人' || (s.i %% 997), (%(ids)s::text[])[1 + s.i %% %(n_ids)s],
               '138' || lpad((s.i %% 100000000)::text, 8, '0'), '', '',
               (CASE WHEN s.status = 'notice_given' THEN s.missing ELSE s.complete END)::jsonb,
               s.status, s.received_at, s.clerk,
               CASE WHEN s.status IN ('received', 'notice_given') OR (s.status = 'refused')
                    OR (s.status = 'withdrawn' AND s.i %% 2 = 0) THEN NULL
                    ELSE s.received_at + interval '2 hours' END,
               false,
               CASE WHEN s.status IN ('in_review', 'suspended', 'approved', 'denied', 'issued')
                    THEN s.received_at + interval '3 hours' END,
               CASE WHEN s.status IN ('approved', 'denied', 'issued') THEN s.received_at + interval '10 days' END,
               CASE WHEN s.status = 'issued' THEN s.received_at + interval '11 days' END,
               CASE WHEN s.status = 'issued' THEN s.received_at + interval '11 days'
                    WHEN s.status IN ('refused', 'withdrawn') THEN s.received_at + interval '1 hour' END,
               false, '',
               CASE WHEN s.status = 'refused' THEN '申请事项依法不需要取得行政许可' ELSE '' END, '',
               CASE WHEN s.status = 'withdrawn' THEN '申请人主动撤回' ELSE '' END,
               false, false, %(now)s, %(now)s
        FROM s
        """,
        {
            **townships,
            "first": first,
            "last": first + count - 1,
            "n_states": len(states),
            "n_t": len(townships["t_id"]),
            "ids": ids,
            "n_ids": len(ids),
            "base": base,
            "tz": tz,
            "now": now,
            "seq_offset": seq_offset,
        },
    )


@transaction.atomic
def generate(scale: dict, ctx, out) -> None:
    started = time.monotonic()
    User = get_user_model()
    editor = User.objects.create(username="bench_approvals_editor", is_superuser=True, is_staff=True)
    items_by_county = _items(ctx, editor)
    approvers = _approvers(ctx)
    clerks = {t.pk: c for t, c in zip(ctx.townships, ctx.clerks, strict=True)}
    townships = {
        k: []
        for k in (
            "t_id",
            "t_code",
            "t_clerk",
            "t_item",
            "t_item_code",
            "t_item_name",
            "t_office",
            "t_dept",
            "t_legal",
            "t_promised",
            "t_complete",
            "t_missing",
        )
    }
    amounts = {services.NOTICE_DAYS, services.ISSUANCE_DAYS}
    for n, township in enumerate(ctx.townships):
        county_items = items_by_county[township.parent_id]
        item = county_items[n % len(county_items)]
        legal, promised = services._limits(item)
        amounts |= {legal, promised}
        complete = services._checklist(item, [m["name"] for m in item.materials])
        missing = [{**m, "provided": not m["mandatory"]} for m in complete]
        for key, value in (
            ("t_id", township.pk),
            ("t_code", township.code[:9]),
            ("t_clerk", clerks[township.pk].pk),
            ("t_item", item.pk),
            ("t_item_code", item.code),
            ("t_item_name", item.name),
            ("t_office", item.deciding_office or ""),
            ("t_dept", item.department_id),
            ("t_legal", legal),
            ("t_promised", promised),
            ("t_complete", json.dumps(complete, ensure_ascii=False)),
            ("t_missing", json.dumps(missing, ensure_ascii=False)),
        ):
            townships[key].append(value)
    now = timezone.now()
    today = timezone.localdate()
    base = timezone.make_aware(datetime.datetime.combine(today, datetime.time(8, 0)))
    tz = settings.TIME_ZONE
    ids = _resident_ids(ID_POOL)
    app_type = ContentType.objects.get_for_model(Application).pk
    count = scale["applications"]
    with connection.cursor() as cursor:
        _due_table(cursor, 80, amounts)
        _insert_applications(
            cursor, count=count, first=0, townships=townships, states=STATES, ids=ids, now=now, base=base, tz=tz
        )
        # The pool the "accept" writes walk: received today-1, complete, in the last township (not the first,
        # whose clerk's workbench is measured: 20,000 waiting applications are no township's real queue).
        first_t = {k: v[-1:] for k, v in townships.items()}
        _insert_applications(
            cursor,
            count=ACCEPT_POOL,
            first=0,
            townships=first_t,
            states=[(Status.RECEIVED, 1, 1)],
            ids=ids,
            now=now,
            base=base,
            tz=tz,
            seq_offset=count // len(ctx.townships) + 1,
        )
        # Sequences past every number used, so receipts today and later never collide.
        cursor.execute(
            """
            INSERT INTO approvals_applicationsequence (township_id, day, last)
            SELECT township_id, (received_at AT TIME ZONE %s)::date, max(split_part(number, '-', 3)::int)
            FROM approvals_application GROUP BY 1, 2
            """,
            [tz],
        )
        # Clocks as the services leave them, at the level the sweeps would have set by now.
        level = (
            "CASE WHEN hard_due_at IS NOT NULL AND hard_due_at <= %(now)s THEN 3 WHEN due_at <= %(now)s THEN 2 "
            "WHEN yellow_at <= %(now)s THEN 1 ELSE 0 END"
        )
        clock_sql = """
            INSERT INTO ruian_deadline (content_type_id, object_id, kind, division_id, unit, amount, legal_amount,
                                        started_at, yellow_at, due_at, hard_due_at, status, level, suspended_at,
                                        extended)
            SELECT %(ct)s, a.id, %(kind)s, a.township_id, 'working_days', d.amount, {legal}, {start},
                   d.yellow, d.due, {hard}, {status}, 0, {suspended}, 0
            FROM approvals_application a
            JOIN bench_due d ON d.day = ({start} AT TIME ZONE %(tz)s)::date AND d.amount = {amount}
            {hard_join}
            WHERE a.status IN %(statuses)s
        """
        common = {"ct": app_type, "tz": tz, "now": now}
        cursor.execute(
            clock_sql.format(
                legal="NULL",
                start="a.received_at",
                hard="NULL",
                status="'running'",
                suspended="NULL",
                amount=services.NOTICE_DAYS,
                hard_join="",
            ),
            {**common, "kind": CLOCK_NOTICE, "statuses": (Status.RECEIVED,)},
        )
        cursor.execute(
            clock_sql.format(
                legal="a.legal_limit",
                start="a.accepted_at",
                hard="CASE WHEN a.legal_limit > a.promised_limit THEN h.due END",
                status="CASE WHEN a.status = 'suspended' THEN 'suspended' ELSE 'running' END",
                suspended="CASE WHEN a.status = 'suspended' THEN a.received_at + interval '5 days' END",
                amount="a.promised_limit",
                hard_join="JOIN bench_due h ON h.day = d.day AND h.amount = a.legal_limit",
            ),
            {**common, "kind": CLOCK_DECISION, "statuses": (Status.ACCEPTED, Status.IN_REVIEW, Status.SUSPENDED)},
        )
        cursor.execute(
            clock_sql.format(
                legal="NULL",
                start="a.decided_at",
                hard="NULL",
                status="'running'",
                suspended="NULL",
                amount=services.ISSUANCE_DAYS,
                hard_join="",
            ),
            {**common, "kind": CLOCK_ISSUANCE, "statuses": (Status.APPROVED, Status.DENIED)},
        )
        cursor.execute(
            f"UPDATE ruian_deadline SET level = {level} WHERE content_type_id = %(ct)s AND status = 'running'",
            common,
        )
        # What the red threshold handlers would have recorded (services.record_overruns): the overrun, for
        # the on-time rate, with its audit entry.
        cursor.execute(
            """
            WITH marked AS (
                UPDATE approvals_application a SET overdue = true FROM ruian_deadline d
                WHERE d.content_type_id = %s AND d.object_id = a.id AND d.level >= 2 AND NOT a.overdue
                RETURNING a.id, a.number, a.item_name, a.status, d.kind, d.due_at
            )
            INSERT INTO ruian_auditentry (created_at, actor_id, action, content_type_id, object_id, object_repr,
                                          from_state, to_state, reason, data)
            SELECT due_at, NULL, 'approvals.application.overdue', %s, id::text, left(number || ' ' || item_name, 200),
                   status, status, '已超过承诺时限。', jsonb_build_object('clock', kind)
            FROM marked
            """,
            [app_type, app_type],
        )
        # The records each state implies.
        cursor.execute(
            """
            INSERT INTO approvals_materialnotice (application_id, missing, note, issued_by_id, issued_at)
            SELECT id, '["身份证明"]'::jsonb, '', received_by_id, received_at + interval '1 hour'
            FROM approvals_application WHERE status = 'notice_given'
            """
        )
        pairs = {
            "t": [t for t in approvers],
            "a1": [a.pk for a, _b in approvers.values()],
            "a2": [b.pk for _a, b in approvers.values()],
        }
        approver_cte = "WITH p AS (SELECT * FROM unnest(%(t)s::int[], %(a1)s::int[], %(a2)s::int[]) AS p(t, a1, a2))"
        cursor.execute(
            f"""
            {approver_cte}
            INSERT INTO approvals_suspension (application_id, kind, reason, started_at, started_by_id)
            SELECT a.id, 'inspection', '现场勘验', a.received_at + interval '5 days', p.a1
            FROM approvals_application a JOIN p ON p.t = a.township_id WHERE a.status = 'suspended'
            """,
            pairs,
        )
        cursor.execute(
            f"""
            {approver_cte}
            INSERT INTO approvals_decision (application_id, outcome, reasons, decided_by_id, second_reviewer_id,
                                            decided_at, on_pledge, certificate_number)
            SELECT a.id, CASE WHEN a.status = 'denied' THEN 'denied' ELSE 'approved' END,
                   CASE WHEN a.status = 'denied' THEN '申请材料不符合法定条件' ELSE '符合法定条件' END,
                   p.a1, p.a2, a.decided_at, false,
                   CASE WHEN a.status = 'denied' THEN '' ELSE a.number || '-Z' END
            FROM approvals_application a JOIN p ON p.t = a.township_id
            WHERE a.status IN ('approved', 'denied', 'issued')
            """,
            pairs,
        )
        cursor.execute(
            """
            INSERT INTO approvals_issuance (application_id, delivery, delivery_detail, issued_by_id, issued_at)
            SELECT id, 'collected', '', received_by_id, issued_at FROM approvals_application WHERE status = 'issued'
            """
        )
        # The audit trail starts with the receipt of each application.
        cursor.execute(
            """
            INSERT INTO ruian_auditentry (created_at, actor_id, action, content_type_id, object_id, object_repr,
                                          from_state, to_state, reason, data)
            SELECT received_at, received_by_id, 'approvals.application.received', %s, id::text,
                   left(number || ' ' || item_name, 200), '', 'received', '',
                   jsonb_build_object('item', item_code, 'channel', channel)
            FROM approvals_application
            """,
            [app_type],
        )
        cursor.execute("DROP TABLE bench_due")
        cursor.execute("ANALYZE approvals_application")
        cursor.execute("ANALYZE ruian_deadline")
    ctx.approvals = {"approvers": approvers}
    ctx.timings["approvals"] = time.monotonic() - started
    out.write(
        f"approvals: {count + ACCEPT_POOL:,} applications in {ctx.timings['approvals']:.1f}s "
        f"({AuditEntry.objects.filter(action='approvals.application.received').count():,} receipts audited)\n"
    )


def _accept_pool(ctx) -> list[str]:
    township = ctx.townships[-1]
    return list(
        Application.objects.filter(township=township, status=Status.RECEIVED, received_at__lt=timezone.now())
        .order_by("-id")
        .values_list("number", flat=True)[:ACCEPT_POOL]
    )


def _lua_list(values) -> str:
    return "{" + ",".join(json.dumps(v) for v in values) + "}"


LUA_THREADS = """
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
init = function(args)
  counter = 0
end
local function headers(extra)
  local h = {}
  for k, v in pairs(wrk.headers) do h[k] = v end
  for k, v in pairs(extra) do h[k] = v end
  return h
end
"""


def requests(ctx) -> list[dict]:
    township = ctx.townships[0]
    clerk = ctx.clerks[0]
    app = Application.objects.filter(township=township).exclude(status=Status.RECEIVED).order_by("id").first()
    item = PowerItem.objects.get(pk=app.power_item_id)
    body = {
        "township": township.code,
        "item_code": item.code,
        "applicant_kind": "person",
        "applicant_name": "张三",
        "applicant_id_number": _resident_ids(1)[0],
        "applicant_phone": "13912345678",
        "materials_provided": [m["name"] for m in item.materials if m.get("mandatory", True)],
    }
    run = int(time.time())
    create_lua = (
        LUA_THREADS
        + f"""
local body = {json.dumps(json.dumps(body, ensure_ascii=False), ensure_ascii=False)}
request = function()
  counter = counter + 1
  local key = string.format("bench-{run}-%d-%d", tid, counter)
  return wrk.format("POST", nil, headers({{["Content-Type"] = "application/json", ["Idempotency-Key"] = key}}),
    string.gsub(body, "张三", "张三" .. counter))
end
"""
    )
    pool = _accept_pool(ctx)
    # Two for counting the statements in-process (a harness that counts writes needs a fresh one per call),
    # and some for timing it in-process (`python -m bench.profile`), kept apart from wrk's.
    counted, profiled, pool = pool[:2], pool[2 : 2 + PROFILE_POOL], pool[2 + PROFILE_POOL :]
    half = len(pool) // 2
    accept_lua = (
        LUA_THREADS
        + f"""
local pools = {{{_lua_list(pool[:half])}, {_lua_list(pool[half:])}}}
request = function()
  counter = counter + 1
  local pool = pools[tid]
  local number = pool[counter] or pool[#pool]
  return wrk.format("POST", "/api/v1/approvals/applications/" .. number .. "/accept/",
    headers({{["Content-Type"] = "application/json"}}), "{{}}")
end
"""
    )
    reads = [
        {
            "name": "approvals: clerk queue (workbench)",
            "group": "read",
            "path": "/approvals/",
            "auth": "session",
            "user": clerk,
        },
        {
            "name": "approvals: sync first page",
            "group": "read",
            "path": "/api/v1/approvals/applications/sync/",
            "auth": "token",
        },
        {
            "name": "approvals: public status lookup",
            "group": "read",
            "path": f"/approvals/status/?number={app.number}&phone_last4={app.applicant_phone[-4:]}",
            "auth": None,
        },
    ]
    writes = [
        {
            "name": "approvals: receive (API create)",
            "group": "write",
            "path": "/api/v1/approvals/applications/",
            "auth": "token",
            "method": "POST",
            "body": json.dumps(body, ensure_ascii=False),
            "lua": create_lua,
            # Each call sends a fresh Idempotency-Key: a new application every time.
            "profile_paths": ["/api/v1/approvals/applications/"],
        },
        {
            "name": "approvals: accept",
            "group": "write",
            "path": f"/api/v1/approvals/applications/{counted[0]}/accept/",
            "count_paths": [f"/api/v1/approvals/applications/{n}/accept/" for n in counted],
            "profile_paths": [f"/api/v1/approvals/applications/{n}/accept/" for n in profiled],
            "auth": "token",
            "method": "POST",
            "body": "{}",
            "lua": accept_lua,
        },
    ]
    # bench.load.count_queries repeats the same request in-process without an Idempotency-Key: a create
    # is refused (400) and the second accept of one application too. Until it honours "count_paths" and
    # sends a fresh key, the writes would abort the run, so they are offered only to a harness that does.
    return reads + writes if _harness_counts_writes() else reads


def _harness_counts_writes() -> bool:
    import inspect

    from bench import load

    if getattr(load.count_queries, "counts_writes", False):
        return True
    try:
        return "count_paths" in inspect.getsource(load.count_queries)
    except (OSError, TypeError):
        return False


def sweeps(ctx) -> dict:
    """The deadline sweep as at the end of the second working day from today (a day ahead on a weekend
    crosses nothing: working-day limits end at midnight after a working day)."""
    from django.urls import reverse

    # The handlers link each notice to its application: load the URLconf first, as a running worker has,
    # so the figure is the sweep's and not a one-off import (about a second on this machine).
    reverse("approvals:workbench")
    moment = clocks.compute_due(timezone.localdate(), Unit.WORKING_DAYS, SWEEP_WORKING_DAYS)
    result = clocks.sweep_backlog(now=moment)
    again = clocks.sweep_backlog(now=moment)
    return {
        f"approvals deadline sweep, +{SWEEP_WORKING_DAYS} working days ({backlog(result)})": result["longest"],
        f"approvals deadline sweep, +{SWEEP_WORKING_DAYS} working days (rerun: {backlog(again)})": again["longest"],
    }
