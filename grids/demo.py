"""Demo data for the grids app: Rudong's grids with boundaries, workers, merged departmental grids, event
categories and, in 长沙镇, events in every state including an escalated whistle.

Boundaries are a made-up layout near Rudong (lng ≈ 121.18, lat ≈ 32.31): each township a rectangle, each
village or community a column of it, split into two comprehensive grids. They are not real boundaries.
Everything is keyed on natural keys and goes through the services; running it twice adds nothing.
"""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from grids import services
from grids.models import DepartmentalGrid, Event, EventCategory, Grid, GridKind, Source, Whistle
from ruian import clocks
from ruian.divisions import Division
from ruian.organisations import Organisation, OrgKind

COUNTY = "320623000000"
HOME = "320623100000"  # 长沙镇, where the demo operator and grid worker work
ORIGIN = (121.02, 32.20)  # south-west corner of the layout
CELL = (0.08, 0.06)  # one township's rectangle (lng, lat)
COLUMNS = 4

# (code, name, group, dispatch hours, handle limit, unit, default unit kind, county department, handover)
CATEGORIES = [
    ("garbage", "垃圾乱堆乱放", "环境卫生", 1, 2, "working_days", "township_office", "", ""),
    ("illegal-building", "违法搭建", "城市管理", 1, 5, "working_days", "enforcement_squad", "", "enforcement"),
    ("street-vending", "占道经营", "城市管理", 1, 4, "hours", "enforcement_squad", "", "enforcement"),
    ("road-damage", "道路破损", "市政设施", 2, 5, "working_days", "", "zjj", ""),
    ("dispute", "邻里矛盾纠纷", "矛盾调解", 1, 3, "working_days", "stationed_unit", "sfj", ""),
    ("public-security", "治安隐患", "平安建设", 1, 24, "hours", "stationed_unit", "gaj", ""),
    ("work-safety", "安全生产隐患", "安全生产", 1, 2, "working_days", "", "yjglj", ""),
    ("assistance", "困难群众求助", "民生服务", 2, 5, "working_days", "township_office", "", "service"),
]

SURNAMES = "陈王张李周顾缪冒季徐朱孙吴曹沈"
GIVEN = ["建华", "海燕", "志刚", "秀英", "卫东", "丽娟", "国平", "小红", "德明", "春梅", "永兵", "晓东"]

DEPARTMENTAL = [("party_building", "DJ"), ("governance", "ZZ"), ("city_management", "CG"), ("emergency", "YJ")]


def _rectangle(west, south, east, north) -> dict:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]}


def _grid(division, name, boundary, **extra) -> Grid:
    existing = Grid.objects.filter(division=division, name=name).first()
    if existing is not None:
        return existing
    return services.create_grid(division=division, name=name, boundary=boundary, **extra)


def _categories() -> dict:
    built = {}
    for code, name, group, hours, limit, unit, kind, department, handover in CATEGORIES:
        built[code], _ = EventCategory.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "group": group,
                "dispatch_limit_hours": hours,
                "handle_limit": limit,
                "handle_unit": unit,
                "default_unit_kind": kind,
                "default_department": department,
                "handover": handover,
            },
        )
    return built


def _grids(county) -> int:
    townships = list(Division.objects.filter(parent=county).order_by("code"))
    counter = 0
    for index, township in enumerate(townships):
        west = ORIGIN[0] + (index % COLUMNS) * CELL[0]
        south = ORIGIN[1] + (index // COLUMNS) * CELL[1]
        villages = list(township.children.order_by("code"))
        width = CELL[0] / max(len(villages), 1)
        for number, village in enumerate(villages):
            left = west + number * width
            middle = south + CELL[1] / 2
            halves = [(south, middle), (middle, south + CELL[1])]
            for half, (bottom, top) in enumerate(halves, start=1):
                counter += 1
                households = 300 + (counter * 37) % 200
                grid = _grid(
                    village,
                    f"{village.name}第{half}网格",
                    _rectangle(left, bottom, left + width, top),
                    households=households,
                    population=int(households * 2.7),
                )
                _worker(grid, counter)
    return counter


def _worker(grid: Grid, counter: int, user=None) -> None:
    if grid.workers.exists() and user is None:
        return
    name = SURNAMES[counter % len(SURNAMES)] + GIVEN[counter % len(GIVEN)]
    services.add_grid_worker(
        grid=grid,
        name=name,
        phone=f"1386272{counter:04d}",
        employment="full_time" if counter % 3 else "part_time",
        user=user,
    )


def _dedicated(home) -> list[Grid]:
    """Dedicated grids (专属网格) inside 长沙镇's comprehensive ones: a school, a park, an agency."""
    community = home.children.order_by("code").first()
    village = home.children.order_by("code")[1]
    c_box = Grid.objects.filter(division=community).order_by("sequence").first()
    v_box = Grid.objects.filter(division=village).order_by("sequence").first()
    built = []
    for base, name, kind in [
        (c_box, "长沙镇人民政府机关专属网格", "agency"),
        (c_box, "长沙中心小学专属网格", "school"),
        (v_box, "长沙港工业园区专属网格", "park"),
    ]:
        width, height = (base.max_lng - base.min_lng) / 4, (base.max_lat - base.min_lat) / 4
        offset = {"agency": 0.5, "school": 2, "park": 1}[kind]
        west, south = base.min_lng + offset * width, base.min_lat + offset * height / 2
        built.append(
            _grid(
                base.division,
                name,
                _rectangle(west, south, west + width, south + height),
                kind=GridKind.DEDICATED,
                dedicated_type=kind,
                households=0,
                population=800 if kind == "school" else 300,
            )
        )
    return built


def _departmental(home) -> None:
    for number, grid in enumerate(Grid.objects.filter(division__parent=home, kind=GridKind.COMPREHENSIVE), start=1):
        for department, prefix in DEPARTMENTAL:
            code = f"{prefix}-{grid.division.code[6:]}-{number:02d}"
            if DepartmentalGrid.objects.filter(department=department, code=code).exists():
                continue
            services.record_departmental_grid(
                department=department,
                code=code,
                name=f"{grid.division.name}{prefix}{number:02d}",
                merged_into=grid,
            )


def _events(home, categories) -> int:
    if Event.objects.filter(division__parent=home).exists():
        return 0
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["operator", "grid_worker", "admin"])}
    operator, worker, admin = users["operator"], users["grid_worker"], users["admin"]
    office = (
        Organisation.objects.filter(division=home, name="长沙镇社会事业局").first()
        or Organisation.objects.filter(division=home, kind=OrgKind.TOWNSHIP_OFFICE).first()
    )
    police = Organisation.objects.filter(division=home, kind=OrgKind.STATIONED_UNIT, name__contains="派出所").first()
    justice = Organisation.objects.filter(division=home, kind=OrgKind.STATIONED_UNIT, name__contains="司法所").first()
    grids = list(Grid.objects.filter(division__parent=home, kind=GridKind.COMPREHENSIVE).order_by("code"))

    def report(n, category, text):
        grid = grids[n % len(grids)]
        lng = (grid.min_lng + grid.max_lng) / 2 + 0.001 * (n % 3)
        lat = (grid.min_lat + grid.max_lat) / 2
        event, _ = services.report_event(
            category=categories[category],
            lng=lng,
            lat=lat,
            description=text,
            address=f"{grid.division.name}{n + 1}组",
            source=Source.GRID_WORKER,
            actor=worker,
        )
        return event

    steps = [
        ("garbage", "村口河边垃圾堆放多日,有异味。", "reported"),
        ("road-damage", "村道路面塌陷约两平方米,夜间危险。", "registered"),
        ("garbage", "菜场后门垃圾桶满溢。", "dispatched"),
        ("dispute", "两户因宅基地边界发生争执。", "sent_back"),
        ("assistance", "独居老人反映冬季取暖困难。", "handling"),
        ("garbage", "河坡有建筑垃圾倾倒。", "fed_back"),
        ("garbage", "小区绿化带堆放杂物。", "verified"),
        ("road-damage", "桥头护栏缺失。", "closed"),
        ("garbage", "路边废弃家具。", "evaluated"),
        ("garbage", "重复反映村口垃圾。", "rejected"),
    ]
    first = None
    for n, (category, text, target) in enumerate(steps):
        event = report(n, category, text)
        first = first or event
        if target == "reported":
            continue
        if target == "rejected":
            services.reject_event(event=event, actor=operator, reason="与已上报事件重复", duplicate_of=first)
            continue
        services.register_event(event=event, actor=operator)
        if target == "registered":
            continue
        services.dispatch_event(event=event, unit=office, actor=operator)
        if target == "dispatched":
            continue
        if target == "sent_back":
            services.send_back_event(event=event, actor=admin, reason="属司法调解事项,请改派司法所。")
            continue
        services.accept_event(event=event, actor=admin)
        if target == "handling":
            continue
        services.feed_back_event(event=event, actor=admin, result="已安排人员处理完毕。")
        if target == "fed_back":
            continue
        services.verify_event(event=event, actor=worker, ok=True, note="现场核查已解决。")
        if target == "verified":
            continue
        services.close_event(event=event, actor=operator)
        if target == "closed":
            continue
        services.evaluate_event(event=event, actor=operator, satisfaction=5)

    # An escalated whistle: the police station reported, the justice office did not answer in time.
    event = report(len(steps), "public-security", "夜间有人在废弃厂房聚集,疑似赌博。")
    services.register_event(event=event, actor=operator)
    services.dispatch_event(event=event, unit=police, actor=operator)
    whistle = services.blow_whistle(event=event, organisations=[police, justice], actor=operator, reason="联合排查")
    services.acknowledge_whistle(call=whistle.calls.get(organisation=police), actor=admin, note="已派两名民警到场")
    _expire(whistle)
    # One more whistle that is still waiting, for the command centre's "whistles waiting" list.
    event = report(len(steps) + 1, "dispute", "土地流转纠纷,多户到村委会反映。")
    services.register_event(event=event, actor=operator)
    services.blow_whistle(event=event, organisations=[justice], actor=operator, reason="请司法所到场调解")
    return len(steps) + 2


def _expire(whistle: Whistle) -> None:
    """Let the unanswered call's acknowledgement time run out, and act on it as the sweep would two hours
    later: move the clock to red and call the grids' handler (only this clock; other apps' stay as they are)."""
    from django.contrib.contenttypes.models import ContentType

    from grids.models import WhistleCall

    past = timezone.now() - datetime.timedelta(minutes=1)
    overdue = clocks.Deadline.objects.filter(
        content_type=ContentType.objects.get_for_model(WhistleCall),
        object_id__in=whistle.calls.values("pk"),
        kind=services.WHISTLE_CLOCK,
        status=clocks.ClockStatus.RUNNING,
    )
    ids = list(overdue.values_list("pk", flat=True))
    overdue.update(started_at=past - datetime.timedelta(hours=2), yellow_at=past, due_at=past, level=clocks.Level.RED)
    services.handle_whistle_clock(ids, clocks.Level.RED)


def _drills(home) -> int:
    """Two drills (联调联试) in 长沙镇: one finished with the units' times, one still waiting for answers."""
    import random

    from grids.models import Drill, DrillTask

    if Drill.objects.filter(township=home).exists():
        return 0
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["operator", "admin"])}
    if len(users) < 2:
        return 0
    operator, admin = users["operator"], users["admin"]
    units = list(
        Organisation.objects.filter(division=home, kind__in=[OrgKind.TOWNSHIP_OFFICE, OrgKind.STATIONED_UNIT])
        .filter(name__regex="社会事业|派出所")
        .values_list("pk", flat=True)
    )
    rng = random.Random(2026)
    done = services.start_drill(township=home, actor=operator, unit_ids=units or None, rng=rng)
    tasks = list(done.tasks.order_by("pk"))
    for minutes, task in zip((6, 14), tasks, strict=False):
        services.acknowledge_drill_task(task=task, actor=admin)
        DrillTask.objects.filter(pk=task.pk).update(
            dispatched_at=done.started_at - datetime.timedelta(minutes=60),
            acknowledged_at=done.started_at - datetime.timedelta(minutes=60 - minutes),
        )
    if tasks:
        services.handle_drill_task(task=tasks[0], actor=admin, result="演练: 15 分钟内到场并处置完毕。")
        DrillTask.objects.filter(pk=tasks[0].pk).update(handled_at=done.started_at - datetime.timedelta(minutes=20))
    services.finish_drill(drill=done, actor=operator)
    services.start_drill(township=home, actor=operator, unit_ids=units or None, rng=rng)
    return 2


def load(stdout=None) -> None:
    county = Division.objects.filter(code=COUNTY).first()
    if county is None:
        if stdout is not None:
            stdout.write("grids demo: Rudong county not found; skipped.")
        return
    home = Division.objects.get(code=HOME)
    categories = _categories()
    count = _grids(county)
    dedicated = _dedicated(home)
    worker_user = get_user_model().objects.filter(username="grid_worker").first()
    first_home_grid = Grid.objects.filter(division__parent=home, division__name="长沙村").order_by("sequence").first()
    if worker_user is not None and first_home_grid is not None:
        if not first_home_grid.workers.filter(user=worker_user).exists():
            services.add_grid_worker(
                grid=first_home_grid, name="冒永兵", phone="13862710009", employment="full_time", user=worker_user
            )
    _departmental(home)
    events = _events(home, categories)
    drills = _drills(home)
    if stdout is not None:
        stdout.write(
            f"Grids: {count} comprehensive and {len(dedicated)} dedicated grids, {len(categories)} event categories, "
            f"{events} new events and {drills} drills in 长沙镇."
        )
