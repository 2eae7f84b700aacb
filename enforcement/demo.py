"""Enforcement demo data for `manage.py load_demo`: a squad per township, officers (one with an expired
certificate), cases in every state, a transfer waiting past its deadline, a published decision and an
inspection plan. Built through the services, so the audit trail and the clocks are real. Running it again
adds nothing.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from catalogs.models import Category
from catalogs.selectors import powers_of_township
from enforcement import services
from enforcement.models import (
    Case,
    JointMeeting,
    Lead,
    LeadSource,
    MarketSubject,
    MeetingKind,
    PartyKind,
    PenaltyMeasure,
    PostingType,
    Squad,
    SquadMember,
    Transfer,
)
from enforcement.states import CaseStatus, TransferStatus
from ruian import clocks
from ruian.clocks import Unit
from ruian.divisions import Division
from ruian.organisations import Organisation, OrgKind
from ruian.staff import Role, assign_role, set_staff_organisation

COUNTY_CODE = "320623000000"
HOME_TOWNSHIP = "320623100000"
DEMO_REF = "DEMO-"

PARTIES = [
    ("王建华", "320623198503124517", "13962710101", PartyKind.INDIVIDUAL, "占道经营"),
    ("如东县长沙镇海鲜大排档", "92320623MA1XK2L03A", "13962710102", PartyKind.ORGANISATION, "油烟直排"),
    ("陈晓东", "32062319900218331X", "13962710103", PartyKind.INDIVIDUAL, "违规设置户外广告"),
    ("周丽萍", "320623197711054526", "13962710104", PartyKind.INDIVIDUAL, "乱倒建筑垃圾"),
    ("如东县长沙镇宏达建材经营部", "92320623MA1YB7Q55C", "13962710105", PartyKind.ORGANISATION, "夜间施工噪声"),
]


def _say(stdout, message):
    if stdout is not None:
        stdout.write(message)


def load(stdout=None) -> None:
    county = Division.objects.filter(code=COUNTY_CODE).first()
    home = Division.objects.filter(code=HOME_TOWNSHIP).first()
    users = {
        u.username: u
        for u in get_user_model().objects.filter(username__in=["squad_leader", "officer", "officer2", "legal_reviewer"])
    }
    if county is None or home is None or len(users) < 4:
        _say(stdout, "enforcement: 如东县或执法演示用户不存在,跳过执法演示数据。")
        return
    _squads(county, users)
    expired = _expired_officer(home)
    power = powers_of_township(home, timezone.localdate()).filter(category=Category.PENALTY).first()
    if power is None:
        _say(stdout, "enforcement: 长沙镇当日没有行政处罚权(目录演示数据未加载),跳过案件演示数据。")
        return
    if not Lead.objects.filter(external_ref__startswith=DEMO_REF).exists():
        _cases(home, power, users)
        _transfer(county, home, users)
        _inspection(home, users)
    expiring = _expiring_officer(home)
    if not JointMeeting.objects.filter(township=home).exists():
        _training(home, users, expiring)
        _meetings(home, users)
    _say(
        stdout,
        f"enforcement: 执法中队、案件({home.name})、移送、公示、双随机抽查、培训考试与联席会议已就绪;"
        f"过期执法证: {expired};60日内到期: {expiring.username}。",
    )


def _squads(county, users):
    for org in Organisation.objects.filter(kind=OrgKind.ENFORCEMENT_SQUAD, division__code__startswith=county.prefix):
        township = org.division.township
        squad, _created = Squad.objects.get_or_create(
            township=township, name="第一中队", defaults={"organisation": org}
        )
        if township.code == HOME_TOWNSHIP:
            if squad.leader_id is None:
                squad.leader = users["squad_leader"]
                squad.save(update_fields=["leader"])
            scj = Organisation.objects.filter(division=county, short_code="scjgj").first()
            for username, posting in (
                ("squad_leader", PostingType.OWN),
                ("officer", PostingType.OWN),
                ("officer2", PostingType.FIXED),
            ):
                SquadMember.objects.get_or_create(
                    squad=squad,
                    user=users[username],
                    defaults={
                        "posting": posting,
                        "since": datetime.date(2021, 1, 1),
                        "home_department": scj if posting == PostingType.FIXED else None,
                    },
                )


def _expired_officer(home):
    """officer3: a squad member whose certificate ran out, so the portal refuses to assign him."""
    squad_org = Organisation.objects.filter(division=home, kind=OrgKind.ENFORCEMENT_SQUAD).first()
    user, created = get_user_model().objects.get_or_create(
        username="officer3", defaults={"last_name": "吴", "first_name": "建军", "email": "officer3@example.org"}
    )
    if created:
        user.password = make_password(settings.DEMO_PASSWORD)
        user.save(update_fields=["password"])
        set_staff_organisation(
            user=user,
            organisation=squad_org,
            phone="13862710012",
            certificate_number="32062310009",
            certificate_valid_from=datetime.date(2020, 1, 1),
            certificate_valid_until=datetime.date(2025, 6, 30),
        )
        assign_role(user=user, role=Role.OFFICER)
    squad = Squad.objects.filter(township=home).first()
    if squad is not None:
        SquadMember.objects.get_or_create(
            squad=squad, user=user, defaults={"posting": PostingType.CROSS_TOWNSHIP, "since": datetime.date(2021, 1, 1)}
        )
    return "officer3"


def _lead(home, leader, index, **extra):
    name, number, phone, kind, matter = PARTIES[index % len(PARTIES)]
    lead = services.lead_create(
        township=home,
        source=extra.pop("source", LeadSource.PATROL),
        summary=f"{name}{matter}",
        actor=leader,
        party_name=name,
        party_id_number=number,
        party_phone=phone,
        party_kind=kind,
        external_ref=f"{DEMO_REF}{index}",
        location="长沙镇人民路",
        **extra,
    )
    return lead


def _cases(home, power, users):
    leader, officer, officer2, reviewer = (users[k] for k in ("squad_leader", "officer", "officer2", "legal_reviewer"))
    pair = [officer, officer2]
    today = timezone.localdate()
    counter = iter(range(100))

    def filed():
        lead = _lead(home, leader, next(counter))
        return services.case_file(township=home, power=power, title=f"{lead.summary}案", actor=leader, lead=lead)

    def investigating():
        case = filed()
        services.case_assign(case=case, officers=pair, actor=leader)
        services.evidence_record(
            case=case, kind="photo", description="现场照片四张,询问笔录一份", officers=pair, actor=officer
        )
        return case

    def notified(fine=Decimal("500")):
        case = investigating()
        services.notice_serve(
            case=case,
            served_on=today,
            fine=fine,
            measures=[PenaltyMeasure.FINE],
            actor=officer,
            facts_and_basis="经查,当事人在人民路占道经营,违反《城市市容和环境卫生管理条例》。",
        )
        return case

    def decided(fine=Decimal("500")):
        case = notified(fine)
        services.case_decide(case=case, fine=fine, measures=[PenaltyMeasure.FINE], actor=leader, hearing_waived=True)
        return case

    # One lead still waiting, then a case in every state of the table.
    _lead(home, leader, 90, source=LeadSource.COMPLAINT)
    filed()
    investigating()
    services.case_suspend(case=investigating(), reason="当事人外出务工,暂时无法联系", actor=leader)
    notified()
    hearing_case = notified(Decimal("8000"))
    hearing = services.hearing_request(case=hearing_case, actor=officer)
    services.hearing_schedule(
        hearing=hearing,
        notice_sent_on=today,
        held_on=today + datetime.timedelta(days=8),
        chair=leader,
        actor=leader,
        place="长沙镇综合行政执法局听证室",
    )
    services.legal_review_submit(case=notified(Decimal("20000")), actor=officer)
    major = notified(Decimal("15000"))
    review = services.legal_review_submit(case=major, actor=officer)
    services.legal_review_decide(
        review=review, approve=True, opinion="事实清楚,证据确凿,适用依据正确,程序合法。", actor=reviewer
    )
    services.case_decide(
        case=major, fine=Decimal("15000"), measures=[PenaltyMeasure.FINE], actor=leader, hearing_waived=True
    )
    published = decided()
    services.decision_publish(decision=published.decision, actor=leader)
    services.decision_serve(case=decided(), method="direct", actor=officer)
    executed = decided(Decimal("300"))
    services.decision_serve(case=executed, method="direct", actor=officer)
    services.case_execute(case=executed, method="paid", actor=officer, paid_amount=Decimal("300"))
    closed = decided(Decimal("200"))
    services.decision_serve(case=closed, method="direct", actor=officer)
    services.case_execute(case=closed, method="paid", actor=officer, paid_amount=Decimal("200"))
    services.case_close(case=closed, actor=leader, archive_number=f"{today.year}-长沙-001")
    services.criminal_propose(case=investigating(), grounds="非法经营数额较大,涉嫌非法经营罪", actor=officer)
    approved = investigating()
    services.criminal_propose(case=approved, grounds="涉嫌污染环境罪", actor=officer)
    services.criminal_decide(case=approved, approve=True, head_name="镇长 缪建新", actor=leader)
    police = investigating()
    services.criminal_propose(case=police, grounds="涉嫌生产销售伪劣产品罪", actor=officer)
    services.criminal_decide(case=police, approve=True, head_name="镇长 缪建新", actor=leader)
    services.criminal_hand_over(
        case=police, police_unit="如东县公安局长沙派出所", receipt_number="长公受〔2026〕88号", actor=leader
    )
    if power.simplified_procedure:
        services.simplified_penalty(
            township=home,
            power=power,
            title="王建华占道经营(当场处罚)",
            party_kind=PartyKind.INDIVIDUAL,
            party_name="王建华",
            fine=Decimal("100"),
            measures=[PenaltyMeasure.FINE],
            officers=pair,
            actor=officer,
        )


def _transfer(county, home, users):
    """A lead outside the township's powers, sent to the environment bureau 20 days ago and never answered."""
    leader = users["squad_leader"]
    department = Organisation.objects.filter(division=county, short_code="sthjj").first()
    if department is None:
        return
    lead = services.lead_create(
        township=home,
        source=LeadSource.HOTLINE,
        summary="12345转办: 化工企业夜间偷排废水",
        actor=leader,
        external_ref=f"{DEMO_REF}transfer",
        location="长沙镇沿海经济开发区",
    )
    copy = Organisation.objects.filter(division=county, short_code="cgj").first()
    transfer = services.lead_transfer(
        lead=lead,
        reason="涉嫌水污染违法,不在本镇赋权事项之内,移送县生态环境局。",
        actor=leader,
        department=department,
        copy_to=[copy] if copy else [],
    )
    sent_at = timezone.now() - datetime.timedelta(days=20)
    Transfer.objects.filter(pk=transfer.pk).update(sent_at=sent_at)
    transfer.sent_at = sent_at
    clocks.start_clock(
        transfer, services.TRANSFER_ACCEPTANCE, start=sent_at, unit=Unit.WORKING_DAYS, amount=5, division=home
    )


def _inspection(home, users):
    leader = users["squad_leader"]
    if not MarketSubject.objects.filter(township=home).exists():
        streets = ["人民路", "长沙路", "海港路", "振兴路", "滨海大道"]
        MarketSubject.objects.bulk_create(
            MarketSubject(
                township=home,
                name=f"如东县长沙镇{street}{n + 1}号餐饮店",
                credit_code=f"92320623MA{n:08d}",
                industry="餐饮",
                address=f"长沙镇{street}{n + 1}号",
            )
            for n, street in ((n, streets[n % 5]) for n in range(40))
        )
    today = timezone.localdate()
    plan = services.inspection_plan_create(
        township=home,
        title=f"{today.year}年长沙镇餐饮行业双随机抽查",
        starts_on=today,
        ends_on=today + datetime.timedelta(days=30),
        target_count=8,
        actor=leader,
    )
    services.inspection_draw(plan=plan, actor=leader, seed=20261201)


def _expiring_officer(home):
    """officer4: a squad member whose certificate expires in 45 days, listed and told to sit the exam."""
    squad_org = Organisation.objects.filter(division=home, kind=OrgKind.ENFORCEMENT_SQUAD).first()
    user, created = get_user_model().objects.get_or_create(
        username="officer4", defaults={"last_name": "钱", "first_name": "海燕", "email": "officer4@example.org"}
    )
    if created:
        user.password = make_password(settings.DEMO_PASSWORD)
        user.save(update_fields=["password"])
        set_staff_organisation(
            user=user,
            organisation=squad_org,
            phone="13862710014",
            certificate_number="32062310014",
            certificate_valid_from=datetime.date(2023, 1, 1),
            certificate_valid_until=timezone.localdate() + datetime.timedelta(days=45),
        )
        assign_role(user=user, role=Role.OFFICER)
    return user


def _training(home, users, expiring):
    leader = users["squad_leader"]
    today = timezone.localdate()
    session = services.training_session_create(
        township=home,
        title="新《行政处罚法》与证据收集规范全员培训",
        held_on=today - datetime.timedelta(days=14),
        hours=Decimal("4"),
        place="长沙镇便民服务中心三楼会议室",
        trainer="县司法局 法制科",
        actor=leader,
    )
    for officer, attended in ((users["officer"], True), (users["officer2"], True), (expiring, False)):
        services.training_attendance_record(
            session=session, officer=officer, attended=attended, note="" if attended else "外出办案", actor=leader
        )
    exam = services.exam_create(
        township=home,
        title=f"{today.year}年度行政执法资格考试",
        held_on=today - datetime.timedelta(days=7),
        actor=leader,
    )
    services.exam_result_record(exam=exam, officer=users["officer2"], score=88, actor=leader)
    services.exam_result_record(exam=exam, officer=expiring, score=55, actor=leader)


def _meetings(home, users):
    """A weekly dispatch with an overdue and an open task, a monthly progress meeting with a finished task and a
    quarterly review, their agenda on a case in investigation and on the transfer waiting past its deadline."""
    leader, officer, officer2 = users["squad_leader"], users["officer"], users["officer2"]
    today = timezone.localdate()
    case = Case.objects.filter(township=home, status=CaseStatus.INVESTIGATING).first()
    transfer = Transfer.objects.filter(township=home, status=TransferStatus.SENT).first()
    weekly = services.meeting_create(
        township=home,
        kind=MeetingKind.WEEKLY_DISPATCH,
        title="长沙镇综合执法周调度会",
        held_on=today - datetime.timedelta(days=7),
        chair="分管副镇长 缪建新",
        participants="综合行政执法局、派出所、市场监管分局、司法所",
        actor=leader,
    )
    on_transfer = services.agenda_item_add(
        meeting=weekly, topic="移送县生态环境局的偷排线索逾期未接收", transfer=transfer, actor=leader
    )
    services.meeting_decide(
        meeting=weekly,
        agenda_item=on_transfer,
        text="由中队长当面对接县生态环境局,逾期提请县政府协调。",
        tasks=[
            {"title": "对接县生态环境局并反馈接收情况", "owner": leader, "due_on": today - datetime.timedelta(days=2)}
        ],
        actor=leader,
    )
    if case is not None:
        on_case = services.agenda_item_add(meeting=weekly, topic=f"{case.title}调查进度", case=case, actor=leader)
        services.meeting_decide(
            meeting=weekly,
            agenda_item=on_case,
            text="补充询问笔录和现场勘验,下周调度会汇报。",
            tasks=[{"title": "补充询问笔录", "owner": officer, "due_on": today + datetime.timedelta(days=5)}],
            actor=leader,
        )
    monthly = services.meeting_create(
        township=home,
        kind=MeetingKind.MONTHLY_PROGRESS,
        title="长沙镇综合执法月推进会",
        held_on=today - datetime.timedelta(days=25),
        chair="镇长",
        actor=leader,
    )
    decision = services.meeting_decide(
        meeting=monthly,
        text="开展夜市占道经营专项整治。",
        tasks=[{"title": "制定夜市整治方案", "owner": officer2, "due_on": today - datetime.timedelta(days=15)}],
        actor=leader,
    )
    services.meeting_task_complete(task=decision.tasks.get(), result="方案已印发并组织实施。", actor=officer2)
    quarterly = services.meeting_create(
        township=home,
        kind=MeetingKind.QUARTERLY_REVIEW,
        title="长沙镇综合执法季度讲评会",
        held_on=today - datetime.timedelta(days=40),
        chair="镇党委书记",
        actor=leader,
    )
    services.meeting_decide(meeting=quarterly, text="本季度按期结案率、移送按时接收率通报讲评。", actor=leader)
