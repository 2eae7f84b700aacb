"""Synthetic data at scale, written with bulk inserts but by the kernel's own rules (codes validated,
scope granted through the same guardian permission the services grant).

Each app may add `bench/data_<app>.py` with `generate(scale: dict, ctx: Context, out)` and a
`REQUESTS` list (see bench/load.py); the harness runs whichever exist.
"""

import importlib
import importlib.util
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from guardian.models import UserObjectPermission

from ruian import workdays
from ruian.apiclients import ClientToken, Scope, hash_key, issue_token
from ruian.divisions import Division, kind_of_code, level_of_code, validate_division_code
from ruian.organisations import Organisation, OrgKind
from ruian.staff import Role, StaffProfile

APPS = ["catalogs", "approvals", "enforcement", "grids"]
PASSWORD = "bench-pass-2026"

TOWN_NAMES = (
    "长沙 大豫 栟茶 洋口 岔河 双甸 新店 河口 袁庄 丰利 曹埠 马塘 石庄 九华 城北 白蒲 搬经 下原 江安 磨头".split()
)
VILLAGE_NAMES = "东 南 西 北 新 和平 团结 友谊 红星 光明 幸福 振兴".split()


@dataclass
class Context:
    """What the kernel generator made, for the apps' generators and the load driver."""

    counties: list = field(default_factory=list)
    townships: list = field(default_factory=list)
    villages: list = field(default_factory=list)
    orgs: dict = field(default_factory=dict)  # (township id, kind) -> Organisation
    clerks: list = field(default_factory=list)  # one window clerk per township
    token: str = ""
    timings: dict = field(default_factory=dict)


# The bench client's token in clear, per database, beside the results (not committed).
TOKENS = Path(__file__).resolve().parent / "results" / "tokens"


def client_token(client) -> str:
    """The bench client's token: the one kept for this database while it is still the client's, with
    every scope, or a new one. Issuing it anew at each `load_context` replaced the token of a run in
    progress, whose requests then failed 401 when `bench.profile` was started on the same data."""
    path = TOKENS / f"{connection.settings_dict['NAME']}.key"
    key = path.read_text().strip() if path.exists() else ""
    current = ClientToken.objects.filter(user=client, revoked_at__isnull=True).first()
    if key and current and current.key_hash == hash_key(key) and sorted(current.scopes) == sorted(Scope.values):
        return key
    key = issue_token(user=client, name="bench", scopes=Scope.values)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _division(code, name, parent):
    validate_division_code(code)
    return Division(code=code, name=name, parent=parent, level=level_of_code(code), kind=kind_of_code(code))


@transaction.atomic
def generate_kernel(scale: dict, out) -> Context:
    ctx = Context()
    started = time.monotonic()
    workdays.seed_from_package()
    province = Division.objects.create(**_fields(_division("320000000000", "江苏省", None)))
    cities, counties, townships, villages = [], [], [], []
    for c in range(1, scale["cities"] + 1):
        cities.append(_division(f"32{c:02d}00000000", f"市{c:02d}", province))
    Division.objects.bulk_create(cities)
    for city in cities:
        for n in range(1, scale["counties_per_city"] + 1):
            counties.append(_division(f"{city.code[:4]}{n:02d}000000", f"{city.name}县{n:02d}", city))
    Division.objects.bulk_create(counties)
    for county in counties:
        for t in range(scale["townships_per_county"]):
            code = f"{county.code[:6]}{100 + t:03d}000"
            townships.append(_division(code, f"{TOWN_NAMES[t % len(TOWN_NAMES)]}镇", county))
    Division.objects.bulk_create(townships)
    for township in townships:
        for v in range(scale["villages_per_township"]):
            part = 1 + v if v % 2 == 0 else 200 + v  # communities 001-199, villages 200-399
            code = f"{township.code[:9]}{part:03d}"
            name = f"{VILLAGE_NAMES[v % len(VILLAGE_NAMES)]}{'社区' if part < 200 else '村'}"
            villages.append(_division(code, name, township))
    Division.objects.bulk_create(villages, batch_size=5000)
    ctx.counties, ctx.townships, ctx.villages = counties, townships, villages

    orgs = []
    for county in counties:
        orgs.append(
            Organisation(
                name=f"{county.name}行政审批局", kind=OrgKind.COUNTY_DEPARTMENT, division=county, short_code="spj"
            )
        )
    per_township = [
        (OrgKind.SERVICE_CENTRE, "为民服务中心"),
        (OrgKind.ENFORCEMENT_SQUAD, "综合行政执法大队"),
        (OrgKind.COMMAND_CENTRE, "综合指挥中心"),
        (OrgKind.TOWNSHIP_OFFICE, "经济发展局"),
    ]
    for township in townships:
        for kind, suffix in per_township:
            orgs.append(Organisation(name=f"{township.name}{suffix}", kind=kind, division=township))
    Organisation.objects.bulk_create(orgs, batch_size=5000)
    for org in orgs:
        ctx.orgs[(org.division_id, org.kind)] = org

    User = get_user_model()
    password = make_password(PASSWORD)
    users = [User(username=f"clerk_{t.code[:9]}", password=password, first_name="窗口") for t in townships]
    User.objects.bulk_create(users, batch_size=5000)
    StaffProfile.objects.bulk_create(
        [
            StaffProfile(user=u, organisation=ctx.orgs[(t.pk, OrgKind.SERVICE_CENTRE)])
            for u, t in zip(users, townships, strict=True)
        ],
        batch_size=5000,
    )
    clerk_group = Group.objects.get(name=Role.WINDOW_CLERK)
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=u.pk, group_id=clerk_group.pk) for u in users], batch_size=5000
    )
    # The same grant set_staff_organisation makes: work_in_division on the township.
    permission = Permission.objects.get(codename="work_in_division", content_type__app_label="ruian")
    division_type = ContentType.objects.get_for_model(Division)
    UserObjectPermission.objects.bulk_create(
        [
            UserObjectPermission(user=u, permission=permission, content_type=division_type, object_pk=str(t.pk))
            for u, t in zip(users, townships, strict=True)
        ],
        batch_size=5000,
    )
    ctx.clerks = users

    client = User.objects.create(username="bench_api_client", password=password)
    StaffProfile.objects.create(user=client, organisation=orgs[0])
    UserObjectPermission.objects.create(
        user=client, permission=permission, content_type=division_type, object_pk=str(province.pk)
    )
    User.groups.through.objects.create(user_id=client.pk, group_id=Group.objects.get(name=Role.API_CLIENT).pk)
    ctx.token = client_token(client)
    ctx.timings["kernel"] = time.monotonic() - started
    out.write(
        f"kernel: {len(townships)} townships, {len(villages)} villages, {len(orgs)} organisations, "
        f"{len(users)} clerks in {ctx.timings['kernel']:.1f}s\n"
    )
    return ctx


def _fields(division):
    return {f: getattr(division, f) for f in ("code", "name", "parent", "level", "kind")}


def generate_clocks(count: int, out, kind: str = "bench.kernel") -> float:
    """`count` running working-day clocks, due evenly over the 40 days around today (a quarter overdue, a
    tenth turned yellow): their thresholds are spread to the second, so a sweep one minute later finds one
    minute's share of them crossing, as the periodic sweep does.

    Written with one INSERT ... SELECT generate_series; they point at synthetic object ids (the kernel
    sweep's cost does not depend on what the clocks time).
    """
    started = time.monotonic()
    content_type = ContentType.objects.get_for_model(Organisation)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO ruian_deadline (content_type_id, object_id, kind, unit, amount, started_at, yellow_at,
                                        due_at, status, level, extended)
            SELECT %s, i, %s, 'working_days', 20,
                   now() - interval '30 days',
                   now() - interval '14 days' + (i::bigint * 3456000 / %s) * interval '1 second',
                   now() - interval '10 days' + (i::bigint * 3456000 / %s) * interval '1 second',
                   'running', 0, 0
            FROM generate_series(1, %s) AS i
            """,
            [content_type.pk, kind, count, count, count],
        )
        cursor.execute("ANALYZE ruian_deadline")
    elapsed = time.monotonic() - started
    out.write(f"clocks: {count:,} running clocks in {elapsed:.1f}s\n")
    return elapsed


def backlog(result: dict) -> str:
    """How a `clocks.sweep_backlog` result reads in a figure's label. The figure itself is its longest
    sweep: the goal is per sweep (one transaction), and a backlog is moved by sweeps run back to back."""
    from django.conf import settings

    crossed = sum(result["crossed"].values())
    sweeps = result["sweeps"]
    return (
        f"{crossed:,} crossed by {sweeps} sweep{'' if sweeps == 1 else 's'} of at most "
        f"{settings.DEADLINE_SWEEP_BATCH:,}, {result['seconds']:.1f} s in all; the longest sweep"
    )


def app_modules():
    """The apps' benchmark modules that exist (bench/data_<app>.py)."""
    modules = []
    for app in APPS:
        name = f"bench.data_{app}"
        if importlib.util.find_spec(name) is not None:
            modules.append(importlib.import_module(name))
    return modules


def load_context() -> Context:
    """The context of data generated by an earlier run (--reuse), with the bench client's token."""
    User = get_user_model()
    ctx = Context()
    ctx.townships = list(Division.objects.filter(level="township").order_by("code"))
    ctx.counties = list(Division.objects.filter(level="county").order_by("code"))
    ctx.clerks = list(User.objects.filter(username__startswith="clerk_").order_by("username"))
    for org in Organisation.objects.filter(division__level="township"):
        ctx.orgs[(org.division_id, org.kind)] = org
    client = User.objects.get(username="bench_api_client")
    ctx.token = client_token(client)
    return ctx
