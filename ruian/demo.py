"""Demo data: Rudong county (如东县) with its streets and towns, their organisations and one user per role.

Everything is keyed on natural keys (division code, organisation division + name, username), so loading
twice changes nothing the second time. Staff are placed and given roles through the kernel services, so
the audit entries and the django-guardian data-scope grants exist exactly as in real use. The apps add
their own demo data afterwards through `<app>.demo.load(stdout)`; `load_apps` calls them.
"""

import datetime
import importlib
import importlib.util
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from ruian import workdays
from ruian.apiclients import ClientToken, Scope, issue_token
from ruian.divisions import Division, create_division
from ruian.organisations import Organisation, OrgKind
from ruian.staff import Role, assign_role, ensure_role_groups, set_staff_organisation

PROVINCE = ("320000000000", "江苏省")
CITY = ("320600000000", "南通市")
COUNTY = ("320623000000", "如东县")
COUNTY_PREFIX = COUNTY[0][:6]

# Township parts of the 12-digit code: streets 001-099, towns 100-199. The towns' codes follow the scheme as a
# consistent 100-110 sequence rather than the official statistical codes, which we could not confirm.
# Villages and communities are a sample in the style of the real ones (居委会 001-199, 村委会 200-399),
# not the official list. Township -> (communities, villages).
TOWNSHIPS = {
    "001": ("掘港街道", ["青园社区", "江海社区", "友谊社区", "人民社区"], ["古坝村"]),
    "002": ("城中街道", ["城中社区", "金山社区", "范公社区"], ["城南村"]),
    "003": ("苴镇街道", ["苴镇社区"], ["环镇村", "马庄村", "渔湾村"]),
    "100": ("长沙镇", ["长沙社区"], ["长沙村", "港城村", "何丫村", "环港村"]),
    "101": ("大豫镇", ["大豫社区"], ["大豫村", "兴垦村", "东凌村", "海北村"]),
    "102": ("栟茶镇", ["栟茶社区", "东渡社区"], ["方凌村", "蒋庄村", "浒澪村"]),
    "103": ("洋口镇", ["洋口社区"], ["北坎村", "平海村", "新港村"]),
    "104": ("岔河镇", ["岔河社区"], ["岔南村", "新联村", "通界村"]),
    "105": ("双甸镇", ["双甸社区"], ["石甸村", "北甸村", "三联村"]),
    "106": ("新店镇", ["新店社区"], ["孙家桥村", "西兴村", "戴庄村"]),
    "107": ("河口镇", ["河口社区"], ["季庄村", "河东村", "新湾村"]),
    "108": ("袁庄镇", ["袁庄社区"], ["盛园村", "孙窑村", "汤园村"]),
    "109": ("丰利镇", ["丰利社区"], ["环镇村", "坝北村", "中坝村"]),
    "110": ("曹埠镇", ["曹埠社区"], ["新桥村", "大埠村", "曹东村"]),
}
HOME_TOWNSHIP = COUNTY_PREFIX + "100000"  # 长沙镇: where the demo staff work
SECOND_TOWNSHIP = COUNTY_PREFIX + "101000"  # 大豫镇: clerk2, to show that data stays apart

COUNTY_GOVERNMENT = "如东县人民政府"
COUNTY_COMMAND_CENTRE = "如东县社会治理现代化指挥中心"
# (short code, name); stationed units below name their home department by short code.
COUNTY_DEPARTMENTS = [
    ("bb", "中共如东县委机构编制委员会办公室"),
    ("sfj", "如东县司法局"),
    ("scjgj", "如东县市场监督管理局"),
    ("zrzyj", "如东县自然资源和规划局"),
    ("zjj", "如东县住房和城乡建设局"),
    ("sthjj", "如东县生态环境局"),
    ("nyncj", "如东县农业农村局"),
    ("wjw", "如东县卫生健康委员会"),
    ("mzj", "如东县民政局"),
    ("rsj", "如东县人力资源和社会保障局"),
    ("yjglj", "如东县应急管理局"),
    ("cgj", "如东县城市管理局"),
    ("spj", "如东县行政审批局"),
    ("gaj", "如东县公安局"),
    ("swj", "国家税务总局如东县税务局"),
]

TOWNSHIP_OFFICES = ["党政办公室", "经济发展局", "社会事业局", "自然资源和规划所"]
WINDOWS = ["综合受理窗口", "出件窗口", "跨域通办专窗"]
# Stationed units (派驻机构): name pattern with the township's short name, and the home department.
STATIONED_UNITS = [
    ("如东县公安局{short}派出所", "gaj"),
    ("如东县司法局{short}司法所", "sfj"),
    ("如东县市场监督管理局{short}分局", "scjgj"),
    ("如东县自然资源和规划局{short}自然资源所", "zrzyj"),
    ("国家税务总局如东县税务局{short}税务分局", "swj"),
]

API_CLIENT_TOKEN_NAME = "省政务服务平台"
CERTIFICATE_VALID_FROM = datetime.date(2024, 1, 1)
CERTIFICATE_VALID_UNTIL = datetime.date(2028, 12, 31)


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str | None
    last_name: str
    first_name: str
    phone: str
    organisation: str  # a key of `Demo.organisations`, see `_build_organisations`
    certificate_number: str = ""


# One user per role, all in 长沙镇 except the county editor, the REST client and clerk2.
USERS = [
    DemoUser("clerk", Role.WINDOW_CLERK, "陈", "静", "13862710001", "100:window:综合受理窗口"),
    DemoUser("approver", Role.APPROVER, "王", "建国", "13862710002", "100:office:经济发展局"),
    DemoUser("squad_leader", Role.SQUAD_LEADER, "张", "海峰", "13862710003", "100:squad", "32062310001"),
    DemoUser("officer", Role.OFFICER, "李", "明", "13862710004", "100:squad", "32062310002"),
    DemoUser("officer2", Role.OFFICER, "周", "志强", "13862710005", "100:squad", "32062310003"),
    DemoUser("legal_reviewer", Role.LEGAL_REVIEWER, "顾", "晓梅", "13862710006", "100:office:党政办公室"),
    DemoUser("editor", Role.COUNTY_EDITOR, "缪", "文华", "13862710007", "county:bb"),
    DemoUser("operator", Role.OPERATOR, "季", "红", "13862710008", "100:command"),
    DemoUser("grid_worker", Role.GRID_WORKER, "冒", "永兵", "13862710009", "100:proxy:长沙村"),
    DemoUser("api_client", Role.API_CLIENT, "", API_CLIENT_TOKEN_NAME, "13862710010", "county:spj"),
    DemoUser("leader", Role.LEADER, "曹", "卫东", "13862710012", "100:office:党政办公室"),
    DemoUser("clerk2", Role.WINDOW_CLERK, "徐", "丽", "13862710011", "101:window:综合受理窗口"),
]


@dataclass
class Demo:
    """What `load` built: organisations by key, the users, and the API token if one was issued now."""

    organisations: dict[str, Organisation] = field(default_factory=dict)
    users: list = field(default_factory=list)
    token: str | None = None
    token_existed: bool = False


def load(stdout=None, *, new_token: bool = False) -> Demo:
    """Build the kernel part of the demo. Call inside a transaction (the command does)."""
    demo = Demo()
    ensure_role_groups()
    _build_divisions()
    _build_organisations(demo)
    # Hashed once for all users: a hash costs a third of a second, and the demo password is public anyway.
    password_hash = make_password(settings.DEMO_PASSWORD)
    demo.users = [_superuser(password_hash)] + [_staff_user(spec, demo, password_hash) for spec in USERS]
    _reset_lockouts([user.username for user in demo.users])
    _issue_api_token(demo, new_token=new_token)
    written = workdays.seed_from_package()
    if stdout is not None:
        stdout.write(f"Working-day calendar: {written} holidays and make-up workdays from chinesecalendar.")
    return demo


# The kernel's mechanisms (dual management, secondments, assessment) come last: they read the apps' data.
APP_DEMO_MODULES = ["catalogs.demo", "approvals.demo", "enforcement.demo", "grids.demo", "ruian.demo_mechanisms"]


def load_apps(stdout) -> list[str]:
    """Run each app's `demo.load(stdout)` that exists, in order; returns the modules run.

    Only a missing `demo` module is skipped: an ImportError raised inside an existing one propagates.
    """
    loaded = []
    for name in APP_DEMO_MODULES:
        package = name.rpartition(".")[0]
        if importlib.util.find_spec(package) is None or importlib.util.find_spec(name) is None:
            continue
        importlib.import_module(name).load(stdout)
        loaded.append(name)
    return loaded


def _build_divisions() -> None:
    # create_division audits every call, so only call it for what is missing or renamed: a second run
    # must leave no trace in the audit log.
    existing = dict(Division.objects.values_list("code", "name"))

    def ensure(code: str, name: str) -> None:
        if existing.get(code) != name:
            create_division(code=code, name=name)

    for code, name in (PROVINCE, CITY, COUNTY):
        ensure(code, name)
    for part, (name, communities, villages) in TOWNSHIPS.items():
        township = COUNTY_PREFIX + part
        ensure(township + "000", name)
        for number, village in enumerate(communities, start=1):
            ensure(f"{township}{number:03d}", village)
        for number, village in enumerate(villages, start=201):
            ensure(f"{township}{number:03d}", village)


def _organisation(division: Division, name: str, kind: str, **fields) -> Organisation:
    org = Organisation.objects.filter(division=division, name=name).first() or Organisation(
        division=division, name=name
    )
    org.kind = kind
    for attribute, value in fields.items():
        setattr(org, attribute, value)
    # The domain rules (windows under a centre, stationed units with a home department, the right level);
    # the field checks of full_clean would cost three queries per row for data written out above.
    org.clean()
    org.save()
    return org


def _short_name(township: str) -> str:
    """长沙镇 -> 长沙, 掘港街道 -> 掘港: stationed units are named after the place, not the township."""
    for suffix in ("街道", "镇", "乡"):
        if township.endswith(suffix):
            return township[: -len(suffix)]
    return township


def _build_organisations(demo: Demo) -> None:
    orgs = demo.organisations
    county = Division.objects.get(code=COUNTY[0])
    government = orgs["county"] = _organisation(county, COUNTY_GOVERNMENT, OrgKind.COUNTY_GOVERNMENT)
    for short_code, name in COUNTY_DEPARTMENTS:
        orgs[f"county:{short_code}"] = _organisation(
            county, name, OrgKind.COUNTY_DEPARTMENT, parent=government, short_code=short_code
        )
    orgs["county:command"] = _organisation(county, COUNTY_COMMAND_CENTRE, OrgKind.COMMAND_CENTRE, parent=government)

    for index, (part, (name, _communities, _villages)) in enumerate(TOWNSHIPS.items(), start=1):
        township = Division.objects.get(code=COUNTY_PREFIX + part + "000")
        is_street = int(part) <= 99
        head = _organisation(
            township, f"{name}党工委办事处" if is_street else f"{name}党委政府", OrgKind.TOWNSHIP_GOVERNMENT
        )
        orgs[f"{part}:government"] = head
        for office in TOWNSHIP_OFFICES:
            orgs[f"{part}:office:{office}"] = _organisation(
                township, f"{name}{office}", OrgKind.TOWNSHIP_OFFICE, parent=head
            )
        centre = orgs[f"{part}:centre"] = _organisation(
            township, f"{name}为民服务中心", OrgKind.SERVICE_CENTRE, parent=head, phone=f"0513-8452{index:04d}"
        )
        for window in WINDOWS:
            orgs[f"{part}:window:{window}"] = _organisation(
                township, f"{name}为民服务中心{window}", OrgKind.WINDOW, parent=centre
            )
        squad = f"{name}综合行政执法大队" if is_street else f"{name}综合行政执法局"
        orgs[f"{part}:squad"] = _organisation(township, squad, OrgKind.ENFORCEMENT_SQUAD, parent=head)
        orgs[f"{part}:command"] = _organisation(township, f"{name}综合指挥中心", OrgKind.COMMAND_CENTRE, parent=head)
        for pattern, home in STATIONED_UNITS:
            orgs[f"{part}:stationed:{home}"] = _organisation(
                township,
                pattern.format(short=_short_name(name)),
                OrgKind.STATIONED_UNIT,
                parent=head,
                home_department=orgs[f"county:{home}"],
            )
        for village in township.children.all():
            orgs[f"{part}:proxy:{village.name}"] = _organisation(
                village, f"{village.name}代办点", OrgKind.PROXY_POINT, parent=centre
            )


def _user(username: str, *, password_hash: str, first_name: str, last_name: str, **extra):
    user, _created = get_user_model().objects.get_or_create(username=username)
    user.first_name = first_name
    user.last_name = last_name
    user.email = f"{username}@rudong.example.org"
    user.is_active = True
    for attribute, value in extra.items():
        setattr(user, attribute, value)
    # Every run resets the password, so the README's demo logins always work.
    user.password = password_hash
    user.save()
    return user


def _superuser(password_hash: str):
    return _user(
        "admin", password_hash=password_hash, first_name="管理员", last_name="", is_staff=True, is_superuser=True
    )


def _staff_user(spec: DemoUser, demo: Demo, password_hash: str):
    user = _user(spec.username, password_hash=password_hash, first_name=spec.first_name, last_name=spec.last_name)
    certificate = {"certificate_number": spec.certificate_number}
    if spec.certificate_number:
        certificate |= {
            "certificate_valid_from": CERTIFICATE_VALID_FROM,
            "certificate_valid_until": CERTIFICATE_VALID_UNTIL,
        }
    # The services write the audit entries and grant the data scope; they do nothing when nothing changes.
    set_staff_organisation(
        user=user, organisation=demo.organisations[spec.organisation], phone=spec.phone, **certificate
    )
    if spec.role:
        assign_role(user=user, role=spec.role)
    return user


def _reset_lockouts(usernames: list[str]) -> None:
    # The passwords were just reset; a lockout left from earlier failed logins would still refuse them.
    from axes.models import AccessAttempt

    AccessAttempt.objects.filter(username__in=usernames).delete()


def _issue_api_token(demo: Demo, *, new_token: bool) -> None:
    user = get_user_model().objects.get(username="api_client")
    existing = ClientToken.objects.filter(user=user, revoked_at__isnull=True).first()
    if existing is not None and not new_token:
        # Only the hash is stored, so the existing token cannot be shown again.
        demo.token_existed = True
        return
    demo.token = issue_token(user=user, name=API_CLIENT_TOKEN_NAME, scopes=list(Scope.values))
