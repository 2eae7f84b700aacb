"""One small world for the trust tests: two townships of one county and a second county, a user of every
role in the home township and the same role elsewhere, REST clients lacking one scope each, and a real
object of every kind in the home township, built with the apps' own factories and services.

Every string in SECRETS belongs to the home township's personal or internal data: no answer to a user of
another township, to an anonymous visitor or to a REST client without the scope may contain one.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from approvals import services as approvals
from catalogs import services as catalogs
from catalogs.models import CatalogKind, SharingType, UpdateCycle
from enforcement import services as enforcement
from grids import services as grids
from grids.models import Source
from ruian import workdays
from ruian.apiclients import Scope, issue_token
from ruian.attachments import attach_file
from ruian.notifications import notify
from ruian.organisations import OrgKind
from ruian.staff import Role
from tests import factories as f
from tests.approvals import factories as af
from tests.catalogs import factories as cf
from tests.enforcement import factories as ef
from tests.grids.factories import EventCategoryFactory, square

# The roles the matrix tries, by the short names the tests use, in both townships.
ROLES = {
    "clerk": Role.WINDOW_CLERK,
    "approver": Role.APPROVER,
    "leader": Role.LEADER,
    "squad_leader": Role.SQUAD_LEADER,
    "officer": Role.OFFICER,
    "legal_reviewer": Role.LEGAL_REVIEWER,
    "operator": Role.OPERATOR,
    "grid_worker": Role.GRID_WORKER,
    "editor": Role.COUNTY_EDITOR,
}

APPLICANT = "贾保密"  # the home application's applicant
APPLICANT_ID = "11010519491231002X"
APPLICANT_PHONE = "13911110001"
PARTY = "甄违法"  # the party of the home enforcement case and lead
PARTY_ID = "320623199001011234"
PARTY_PHONE = "13922220002"
REPORTER_PHONE = "13933330003"
CLERK_PHONE = "13800000001"
EVENT_TEXT = "长沙村三组河边垃圾堆放-内部"
DRAFT_TITLE = "如东县权力清单(未发布草稿)"
NOTICE_TITLE = "长沙镇内部通知-保密"
PDF = b"%PDF-1.4\n%trust\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

SECRETS = [APPLICANT, APPLICANT_ID, APPLICANT_PHONE, PARTY, PARTY_ID, PARTY_PHONE, REPORTER_PHONE, CLERK_PHONE]
# Internal, not personal: hidden from other townships and the public, but a county body may see them.
INTERNAL = [EVENT_TEXT, DRAFT_TITLE, NOTICE_TITLE]


@dataclass
class World:
    county: object
    home: object
    other: object
    users: dict = field(default_factory=dict)  # "clerk", "other_clerk", ...
    tokens: dict = field(default_factory=dict)  # scope missing -> token
    full_token: str = ""
    objects: dict = field(default_factory=dict)  # kind -> object of the home township
    sessions: dict = field(default_factory=dict)  # user name -> session key (tests/trust/conftest.py)
    session_cookie: str = "sessionid"


def _org(division, kind, name, **extra):
    return f.OrganisationFactory(division=division, kind=kind, name=name, **extra)


def _people(world, prefix, township, county, number):
    """One user of each role in `township` (the editor in `county`), named `prefix + role`."""
    centre = _org(township, OrgKind.SERVICE_CENTRE, f"{township.name}为民服务中心")
    office = _org(township, OrgKind.TOWNSHIP_OFFICE, f"{township.name}党政办公室")
    squad = _org(township, OrgKind.ENFORCEMENT_SQUAD, f"{township.name}综合行政执法大队")
    command = _org(township, OrgKind.COMMAND_CENTRE, f"{township.name}综合指挥中心")
    village = f.village(township.code[:9] + "201", f"{township.name}一村", parent=township)
    proxy = _org(village, OrgKind.PROXY_POINT, f"{village.name}代办点")
    county_office = _org(county, OrgKind.COUNTY_DEPARTMENT, f"{county.name}编办", short_code=f"bb{number}")
    places = {
        "clerk": centre,
        "approver": office,
        "leader": office,
        "squad_leader": squad,
        "officer": squad,
        "legal_reviewer": office,
        "operator": command,
        "grid_worker": proxy,
        "editor": county_office,
    }
    for n, (name, role) in enumerate(ROLES.items()):
        profile = {"phone": f"1380000{number}{n:03d}"}
        if name in ("squad_leader", "officer"):
            profile.update(f.officer_profile(f"3206230{number}{n:03d}"))
        world.users[prefix + name] = f.staff_user(prefix + name, role, places[name], **profile)
    boundary = square(121.18 + number * 0.1, 32.31)
    grid = grids.create_grid(division=village, name=f"{village.name}第一网格", boundary=boundary)
    grids.add_grid_worker(
        grid=grid,
        name=f"网格员{number}",
        phone=f"1381111{number}000",
        employment="full_time",
        user=world.users[prefix + "grid_worker"],
    )
    return {
        "centre": centre,
        "office": office,
        "squad": squad,
        "village": village,
        "grid": grid,
        "office_bb": county_office,
    }


def build_world() -> World:
    workdays.seed_from_package([2026])
    county = f.county()
    home = f.township("320623100000", "长沙镇", parent=county)
    other = f.township("320623101000", "大豫镇", parent=county)
    elsewhere = f.county("320681000000", "启东市")
    world = World(county=county, home=home, other=other)
    here = _people(world, "", home, county, 1)
    _people(world, "other_", other, elsewhere, 2)
    u = world.users
    # The clerk's own phone is personal data (the fixture value other tests use).
    u["clerk"].staff.phone = CLERK_PHONE
    u["clerk"].staff.save(update_fields=["phone"])
    o = world.objects
    o["organisation"] = here["centre"]

    # REST clients of the county: one with every scope, and for each scope one with all others.
    def client_user(name):
        return f.staff_user(name, Role.API_CLIENT, _org(county, OrgKind.COUNTY_DEPARTMENT, f"{name}接口"))

    world.full_token = issue_token(user=client_user("api_full"), name="全部", scopes=Scope.values)
    for n, scope in enumerate(Scope.values):
        others = [s for s in Scope.values if s != scope]
        world.tokens[scope] = issue_token(user=client_user(f"api_no{n}"), name=f"缺{scope}", scopes=others)

    # Catalogs: a published power list (public) and a draft (the county's editors only), with items.
    editor = u["editor"]
    published = ef.power_list(county)  # the county's one published power list (enforcement's powers too)
    o["published_version"] = published
    o["licence"] = af.LicenceFactory(version=published)
    draft = catalogs.version_create(county=county, kind=CatalogKind.POWER, title=DRAFT_TITLE, actor=editor)
    o["draft_version"] = draft
    o["draft_item"] = cf.PowerItemFactory(version=draft)
    o["territorial_matter"] = cf.TerritorialMatterFactory(version__county=county)
    o["service_item"] = af.ServiceFactory(version=af.ServiceListFactory(county=county))
    o["import_job"] = catalogs.import_job_create(
        version=draft, content=b"code,name\n", filename="items.csv", dry_run=True, actor=editor
    )
    o["admission"] = catalogs.admission_apply(
        department=here["office_bb"],
        actor=editor,
        matter="农村人居环境整治日常巡查",
        description="日常巡查",
        reasons="属地管理",
        funding="12.50",
        staff=2,
        training="每季度培训一次",
    )
    department = ef.department(county)
    penalty = ef.PenaltyPowerFactory(department=department)
    o["batch"] = catalogs.empowerment_batch_create(
        county=county,
        title="第一批赋权事项",
        document_number="苏政复〔2020〕88号",
        approved_by="江苏省人民政府",
        effective_date=datetime.date(2021, 1, 1),
        items=[penalty],
        townships=[home],
        actor=editor,
    )
    o["resource"] = catalogs.resource_publish(
        department=here["office_bb"],
        actor=editor,
        code="RD-BB-0001",
        name="机构编制信息",
        fields=["机构名称"],
        update_cycle=UpdateCycle.MONTHLY,
        sharing_type=SharingType.CONDITIONAL,
    )
    o["subscription"] = catalogs.subscription_request(
        resource=o["resource"], subscriber=department, purpose="核对", actor=editor
    )
    # The county's yearly plan of inspections imposed on townships (减负), and one held in the home township.
    o["burden_plan"] = catalogs.plan_create(county=county, year=2026, title="2026年度督查检查考核计划", actor=editor)
    o["imposed_inspection"] = catalogs.inspection_record(
        township=home,
        actor=editor,
        name="安全生产专项检查",
        kind="inspection",
        organiser="县应急管理局",
        held_on=datetime.date(2026, 4, 1),
    )

    # Approvals: an application received at the home window, with an attachment.
    application = af.receive(
        home,
        o["licence"],
        u["clerk"],
        applicant_name=APPLICANT,
        applicant_id_number=APPLICANT_ID,
        applicant_phone=APPLICANT_PHONE,
    )
    approvals.accept_application(application=application, actor=u["clerk"])
    o["application"] = application
    o["attachment"] = attach_file(obj=application, upload=SimpleUploadedFile("身份证.pdf", PDF), actor=u["clerk"])

    # Enforcement: a lead, a case under investigation, a transfer, a legal review, a published decision,
    # an inspection plan.
    leader, officers = (
        u["squad_leader"],
        [u["officer"], f.staff_user("officer_b", Role.OFFICER, here["squad"], **f.officer_profile("32062319999"))],
    )
    party = {"party_name": PARTY, "party_id_number": PARTY_ID, "party_phone": PARTY_PHONE}
    o["lead"] = ef.lead(home, leader, summary=f"{PARTY}占道经营", **party)
    o["case"] = ef.investigating_case(home, leader, officers, power=penalty, title="占道经营案", **party)
    foreign = ef.PenaltyPowerFactory(department=department, name="对无照经营的处罚")
    o["transfer"] = enforcement.lead_transfer(
        lead=ef.lead(home, leader, power=foreign, summary="无照经营", **party),
        reason="不属于本镇赋权事项",
        actor=leader,
    )
    reviewed = ef.notified_case(home, leader, officers, power=penalty, fine=Decimal("30000"), **party)
    o["legal_review"] = enforcement.legal_review_submit(case=reviewed, actor=officers[0])
    decided = ef.decided_case(home, leader, officers, power=penalty, **party)
    o["publication"] = enforcement.decision_publish(decision=decided.decision, actor=leader)
    o["inspection"] = enforcement.inspection_plan_create(
        township=home,
        title="餐饮行业双随机抽查",
        starts_on=datetime.date(2026, 3, 1),
        ends_on=datetime.date(2026, 3, 31),
        target_count=1,
        actor=leader,
    )
    o["training_session"] = enforcement.training_session_create(
        township=home, title="行政处罚法专题培训", held_on=datetime.date(2026, 3, 10), actor=leader
    )
    o["exam"] = enforcement.exam_create(
        township=home, title="执法资格考试", held_on=datetime.date(2026, 3, 20), actor=leader
    )
    o["meeting"] = enforcement.meeting_create(
        township=home, kind="weekly_dispatch", title="周调度会", held_on=datetime.date(2026, 3, 9), actor=leader
    )
    decision = enforcement.meeting_decide(
        meeting=o["meeting"],
        text="加强夜市占道整治",
        actor=leader,
        tasks=[{"title": "制定整治方案", "owner": officers[0], "due_on": datetime.date(2026, 12, 31)}],
    )
    o["meeting_task"] = decision.tasks.first()

    # Grids: an event registered by the command centre, with a whistle to a township office.
    category = EventCategoryFactory(code="garbage", name="垃圾乱堆")
    o["category"] = category
    o["grid"] = here["grid"]
    o["grid_worker"] = here["grid"].workers.first()
    event, _duplicates = grids.report_event(
        category=category,
        lng=121.285,
        lat=32.315,
        description=EVENT_TEXT,
        source=Source.GRID_WORKER,
        actor=u["grid_worker"],
        reporter_name=APPLICANT,
        reporter_phone=REPORTER_PHONE,
    )
    grids.register_event(event=event, actor=u["operator"])
    o["event"] = event
    o["whistle"] = grids.blow_whistle(
        event=event, organisations=[here["office"]], actor=u["operator"], reason="需要协同"
    )
    o["whistle_call"] = o["whistle"].calls.first()

    # A drill replays a closed event: close one first (the unit's staff member is the township leader).
    closed, _duplicates = grids.report_event(
        category=category,
        lng=121.285,
        lat=32.316,
        description="已处置的事件",
        source=Source.GRID_WORKER,
        actor=u["grid_worker"],
    )
    grids.register_event(event=closed, actor=u["operator"])
    grids.dispatch_event(event=closed, unit=here["office"], actor=u["operator"])
    grids.accept_event(event=closed, actor=u["leader"])
    grids.feed_back_event(event=closed, actor=u["leader"], result="已清运")
    grids.verify_event(event=closed, actor=u["grid_worker"], ok=True)
    grids.close_event(event=closed, actor=u["operator"])
    o["drill"] = grids.start_drill(township=home, actor=u["operator"])
    o["drill_task"] = o["drill"].tasks.first()
    # A violation handed over to enforcement (移交); its delivery waits for the commit, so it stays pending.
    violation, _duplicates = grids.report_event(
        category=category,
        lng=121.285,
        lat=32.317,
        description="占道经营",
        source=Source.GRID_WORKER,
        actor=u["grid_worker"],
    )
    grids.register_event(event=violation, actor=u["operator"])
    o["handover"] = grids.hand_over_event(event=violation, actor=u["operator"], kind="enforcement")

    o["departmental_grid"] = grids.record_departmental_grid(
        department="governance", code="ZZ-0001", name="长沙村综治网格", merged_into=here["grid"], actor=u["operator"]
    )

    # Kernel mechanisms: a stationed police station (派驻机构) and a secondment (借调) of the home clerk.
    from ruian.secondments import record_secondment

    o["stationed_unit"] = _org(home, OrgKind.STATIONED_UNIT, "长沙派出所", home_department=department)
    o["secondment"] = record_secondment(
        person=u["clerk"],
        township=home,
        started_on=datetime.date(2026, 3, 2),
        office=here["office_bb"],
        reason="借调县编办",
        actor=u["leader"],
    )

    o["notification"] = notify([u["clerk"]], title=NOTICE_TITLE, body=APPLICANT) and u["clerk"].notifications.first()
    return world
