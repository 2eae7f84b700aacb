"""Demo applications in every state across Rudong's townships, some near and past their deadlines.

Built through the services, so numbers, clocks, audit entries and notifications are real. The history has
to look lived-in (received last week, decided days ago), and services read the wall clock, so the loader
moves `timezone.now` back while it replays the past (`_on`). Running it twice adds nothing: it stops when
the demo townships already have applications.
"""

import contextlib
import datetime
import random

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from stdnum.cn import ric, uscc

from approvals import selectors, services
from approvals.models import ApplicantKind, Application, Delivery, PledgeEligibleItem, RatingLevel, SuspensionKind
from catalogs.models import Category
from ruian import clocks, workdays
from ruian.divisions import Division
from ruian.organisations import Organisation
from ruian.staff import Role, assign_role, set_staff_organisation

HOME = "320623100000"  # 长沙镇: the demo clerk and approver
SECOND = "320623101000"  # 大豫镇: clerk2
NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "黄敏", "周杰", "吴霞", "徐强", "孙丽", "马超"]
COMPANIES = ["如东县长沙镇海鲜食品加工厂", "如东县港城渔具经营部", "南通洋口港物流有限公司", "如东县何丫村农机合作社"]


@contextlib.contextmanager
def _on(moment):
    """Let the services believe it is `moment` (demo history only; never used outside the loader)."""
    real = timezone.now
    timezone.now = lambda: moment
    try:
        yield moment
    finally:
        timezone.now = real


def _say(stdout, message):
    if stdout is not None:
        stdout.write(message)


def _person(n: int) -> dict:
    # Born 1985-1999: stdnum also checks that the birth-place code existed in the birth year (如东县 320623
    # dates from 1983).
    body = f"32062319{85 + n % 15:02d}{1 + n % 12:02d}{1 + n % 27:02d}{n % 1000:03d}"
    return {
        "applicant_kind": ApplicantKind.PERSON,
        "applicant_name": NAMES[n % len(NAMES)],
        # calc_check_digit expects the full 18 characters (it ignores the last one).
        "applicant_id_number": body + ric.calc_check_digit(body + "0"),
        "applicant_phone": f"1381234{n:04d}",
    }


def _organisation(n: int) -> dict:
    body = f"9132062371{n:07d}"
    return {
        "applicant_kind": ApplicantKind.ORGANISATION,
        "applicant_name": COMPANIES[n % len(COMPANIES)],
        "applicant_id_number": body + uscc.calc_check_digit(body),
        "applicant_phone": f"1391234{n:04d}",
        "contact_name": NAMES[(n + 3) % len(NAMES)],
    }


def _second_approver(township, first):
    """Verifying substance takes two staff (ALL Art 34): the demo township gets a second approver."""
    user, created = get_user_model().objects.get_or_create(
        username="approver2", defaults={"first_name": "建华", "last_name": "许"}
    )
    if created:
        user.password = make_password(settings.DEMO_PASSWORD)
        user.save(update_fields=["password"])
        organisation = first.staff.organisation if hasattr(first, "staff") else None
        organisation = organisation or Organisation.objects.filter(division=township).first()
        set_staff_organisation(user=user, organisation=organisation, phone="13862710012")
        assign_role(user=user, role=Role.APPROVER)
    return user


def _working_days_ago(n: int, hour: int = 10) -> datetime.datetime:
    day = timezone.localdate()
    while n:
        day -= datetime.timedelta(days=1)
        if workdays.is_working_day(day):
            n -= 1
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def load(stdout=None) -> None:
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["clerk", "clerk2", "approver"])}
    townships = {d.code: d for d in Division.objects.filter(code__in=[HOME, SECOND])}
    if len(users) < 3 or len(townships) < 2:
        _say(stdout, "approvals: 缺少演示用户或乡镇,跳过审批演示数据。")
        return
    if Application.objects.filter(township__in=townships.values()).exists():
        _say(stdout, "approvals: 演示申请已存在。")
        return
    today = timezone.localdate()
    items = [
        i
        for i in selectors.power_items_held(townships[HOME], today)
        if i.category == Category.LICENSING and i.materials
    ]
    services_held = list(selectors.service_items_held(townships[HOME], today)[:6])
    if not items:
        _say(stdout, "approvals: 目录中没有本镇承接的许可事项,跳过审批演示数据。")
        return
    with transaction.atomic():
        count = _build(users, townships, items, services_held)
    _say(stdout, f"approvals: {count} 件演示申请(各种状态,含临近和超过期限的)。")


def _build(users, townships, items, service_items) -> int:
    clerk, clerk2, approver = users["clerk"], users["clerk2"], users["approver"]
    home, second = townships[HOME], townships[SECOND]
    approver2 = _second_approver(home, approver)
    rng = random.Random(2026)
    PledgeEligibleItem.objects.get_or_create(
        lineage=items[0].lineage, defaults={"item_code": items[0].code, "note": "演示:实行告知承诺制"}
    )
    counter = iter(range(1, 1000))

    def receive(township, actor, when, *, complete=True, item=None, organisation=False, **extra):
        n = next(counter)
        item = item or rng.choice(items)
        names = [m["name"] for m in item.materials if m.get("mandatory", True)]
        with _on(when):
            return services.receive_application(
                township=township,
                item=item,
                actor=actor,
                received_at=when,
                materials_provided=names if complete else names[:1],
                **(_organisation(n) if organisation else _person(n)),
                **extra,
            )

    def step(when, fn, **kwargs):
        with _on(when):
            return fn(**kwargs)

    def accept_and_send(app, when, actor=clerk):
        step(when, services.accept_application, application=app, actor=actor)
        step(when + datetime.timedelta(minutes=30), services.send_to_back_office, application=app, actor=actor)

    def decide(app, when, approve=True):
        step(
            when,
            services.decide_application,
            application=app,
            approve=approve,
            reasons="材料齐全,经两人实地核查符合许可条件。" if approve else "经现场核查,经营场所不符合卫生条件。",
            actor=approver,
            second_reviewer=approver2,
        )

    now = timezone.now()
    # At the desk: fresh today, near the 5-day notice limit, and one noticed for missing materials.
    receive(home, clerk, now - datetime.timedelta(hours=2))
    receive(home, clerk, now - datetime.timedelta(hours=1), organisation=True)
    receive(home, clerk, _working_days_ago(4), complete=False)
    noticed = receive(home, clerk, _working_days_ago(2), complete=False)
    step(_working_days_ago(2, 11), services.give_material_notice, application=noticed, actor=clerk)
    # Deemed accepted by law: no notice within 5 working days (the sweep acts on it).
    receive(home, clerk, _working_days_ago(7), complete=False)
    # Accepted, waiting to go to the back office.
    accepted = receive(home, clerk, _working_days_ago(1))
    step(_working_days_ago(1, 11), services.accept_application, application=accepted, actor=clerk)
    # In review: green, yellow (9 of 10 promised days used), past the promise, and one suspended.
    for days in (1, 9, 12):
        app = receive(home, clerk, _working_days_ago(days), organisation=days == 12)
        accept_and_send(app, _working_days_ago(days, 11))
    suspended = receive(home, clerk, _working_days_ago(6))
    accept_and_send(suspended, _working_days_ago(6, 11))
    step(
        _working_days_ago(3),
        services.suspend_review,
        application=suspended,
        kind=SuspensionKind.EXPERT_REVIEW,
        reason="需组织专家对加工工艺进行评审",
        actor=approver,
    )
    extended = receive(home, clerk, _working_days_ago(15))
    accept_and_send(extended, _working_days_ago(15, 11))
    step(
        _working_days_ago(5),
        services.extend_decision,
        application=extended,
        reason="需征求县市场监督管理局意见,延长10个工作日,已告知申请人",
        actor=approver,
    )
    # Decided, waiting for issuance: one in time, one past the 10 working days.
    for days in (3, 12):
        app = receive(home, clerk, _working_days_ago(days + 6))
        accept_and_send(app, _working_days_ago(days + 6, 11))
        decide(app, _working_days_ago(days, 15), approve=days == 3)
    # Issued and rated, one of them badly (follow-up opened).
    for n, level in enumerate([RatingLevel.VERY_SATISFIED, RatingLevel.SATISFIED, RatingLevel.DISSATISFIED]):
        app = receive(home, clerk, _working_days_ago(14 + n))
        accept_and_send(app, _working_days_ago(14 + n, 11))
        decide(app, _working_days_ago(6 + n, 15))
        delivery = [Delivery.COLLECTED, Delivery.POSTED, Delivery.ELECTRONIC][n]
        step(
            _working_days_ago(4 + n, 10),
            services.issue_result,
            application=app,
            delivery=delivery,
            delivery_detail={"posted": "EMS1190000000CN", "electronic": "长沙镇政务服务电子证照库"}.get(delivery, ""),
            actor=clerk,
        )
        step(
            _working_days_ago(4 + n, 11),
            services.rate_application,
            application=app,
            level=level,
            comment="窗口排队时间较长" if level == RatingLevel.DISSATISFIED else "",
            actor=clerk,
        )
    # Refused (outside the township's powers), withdrawn, and a pledge approval revoked.
    refused = receive(home, clerk, _working_days_ago(3))
    step(
        _working_days_ago(3, 11),
        services.refuse_application,
        application=refused,
        reason="申请事项属于县级审批权限,不属于本镇受理范围",
        competent_department="如东县行政审批局",
        actor=clerk,
    )
    withdrawn = receive(home, clerk, _working_days_ago(5))
    accept_and_send(withdrawn, _working_days_ago(5, 11))
    step(
        _working_days_ago(2),
        services.withdraw_application,
        application=withdrawn,
        reason="申请人变更经营计划",
        actor=clerk,
    )
    pledged = receive(home, clerk, _working_days_ago(8), item=items[0], pledge=True)
    step(
        _working_days_ago(8, 11),
        services.approve_on_pledge,
        application=pledged,
        pledge_text="本人承诺所提交材料真实有效,符合许可条件;如有不实,愿承担法律责任。",
        actor=clerk,
    )
    step(_working_days_ago(7), services.issue_result, application=pledged, delivery=Delivery.COLLECTED, actor=clerk)
    step(
        _working_days_ago(1),
        services.verify_pledge,
        application=pledged,
        truthful=False,
        findings="现场核查发现经营场所与承诺不符",
        actor=approver,
    )
    kept = receive(home, clerk, _working_days_ago(2), item=items[0], pledge=True)
    step(
        _working_days_ago(2, 11),
        services.approve_on_pledge,
        application=kept,
        pledge_text="本人承诺材料真实。",
        actor=clerk,
    )
    # Public services and the second township (clerk2), so data visibly stays apart.
    for service in service_items[:3]:
        receive(home, clerk, now - datetime.timedelta(hours=3), item=service)
    for days in (0, 3):
        app = receive(second, clerk2, _working_days_ago(days) if days else now - datetime.timedelta(hours=1))
        if days:
            accept_and_send(app, _working_days_ago(days, 11), actor=clerk2)
    # Bring every clock's level up to now, exactly as the periodic sweep will (deems the 7-day-old one accepted).
    clocks.sweep_deadlines()
    return Application.objects.filter(township__in=[home, second]).count()
