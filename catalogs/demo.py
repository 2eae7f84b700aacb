"""Demo catalogs for Rudong county (如东县), called by `manage.py load_demo` through ruian.demo.load_apps.

Everything is written through the services (so the audit log reads as if the county editor did it) and
keyed on natural keys: a version by county, kind and title, a batch by document number, a request by its
matter, a resource by its code. A second run finds them and writes nothing.
"""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction

from catalogs import services
from catalogs.demo_data import (
    DATA_RESOURCES,
    INSPECTION_PLAN,
    INSPECTIONS_HELD,
    OTHER_POWERS,
    POWERS,
    SERVICE_ITEMS,
    TERRITORIAL_ASPECTS,
    TERRITORIAL_TOPICS,
)
from catalogs.models import (
    CatalogKind,
    CatalogVersion,
    Category,
    DataResource,
    DataSubscription,
    DutyAdmissionRequest,
    EmpowermentBatch,
    ImposedInspection,
    InspectionPlan,
    PowerItem,
    PrimaryLevel,
    ServiceLevel,
)
from catalogs.states import VersionStatus
from ruian.divisions import Division, Level
from ruian.organisations import Organisation, OrgKind

COUNTY_CODE = "320623000000"
REGION = COUNTY_CODE[:6]
POWER_TITLE = "如东县镇(街道)权力清单和责任清单(2020版)"
TERRITORIAL_TITLE = "如东县“属地管理”主体责任和配合责任清单(第一批)"
SERVICE_TITLE = "如东县镇(街道)村(社区)公共服务事项"
BATCH_DOCUMENT = "苏政复〔2020〕示例1号"  # a demo number: the real approving document is not in our sources
ADMISSION_MATTER = "高标准农田建设项目建后日常管护巡查"
PLAN_YEAR = 2020
PLAN_TITLE = "如东县2020年度对镇(街道)督查检查考核计划"
PLAN_DOCUMENT = "东办发〔2020〕示例3号"  # a demo number
# Rudong's data resource catalog [seed]: 340 resources, 96 of them on the city exchange platform.
DATA_RESOURCE_TOTAL = 340
DATA_RESOURCES_ON_PLATFORM = 96
# (topic, fields, sharing type) of the generic business data every department keeps.
DATA_RESOURCE_TOPICS = [
    ("行政许可办件信息", ["办件编号", "事项名称", "申请人", "受理日期", "办结日期", "办理结果"], "unconditional"),
    ("行政处罚决定信息", ["决定书文号", "当事人", "违法事实", "处罚种类", "决定日期"], "unconditional"),
    ("行政检查记录", ["检查对象", "检查日期", "检查人员", "检查结果"], "conditional"),
    ("行政强制信息", ["文书编号", "当事人", "强制措施", "实施日期"], "conditional"),
    ("行政确认信息", ["事项名称", "申请人", "确认结果", "日期"], "conditional"),
    ("证照信息", ["证照名称", "证照编号", "持证主体", "有效期"], "unconditional"),
    ("信用评价信息", ["主体名称", "统一社会信用代码", "信用等级", "评价日期"], "conditional"),
    ("投诉举报信息", ["编号", "反映事项", "受理日期", "办理结果"], "conditional"),
    ("业务统计报表", ["统计期", "指标名称", "数值"], "unconditional"),
    ("服务对象名录", ["名称", "类型", "地址", "联系电话"], "conditional"),
    ("政策文件信息", ["文号", "标题", "发布日期", "有效性"], "unconditional"),
    ("财政资金拨付信息", ["项目名称", "金额(元)", "拨付日期", "收款单位"], "conditional"),
    ("项目管理台账", ["项目名称", "建设地点", "投资额", "进度"], "conditional"),
    ("执法人员信息", ["姓名", "执法证号", "有效期", "所属单位"], "conditional"),
    ("应急物资储备信息", ["物资名称", "数量", "存放地点"], "conditional"),
    ("工作人员考勤信息", ["姓名", "日期", "状态"], "not_shared"),
    ("12345热线工单信息", ["工单号", "诉求内容", "派单日期", "办结情况"], "conditional"),
    ("网格事件处置信息", ["事件编号", "事件类型", "上报日期", "处置结果"], "conditional"),
    ("年度工作计划", ["年度", "任务", "责任科室", "完成时限"], "unconditional"),
    ("权责清单事项信息", ["事项编码", "事项名称", "类别", "设定依据"], "unconditional"),
    ("公共服务事项信息", ["事项编码", "事项名称", "延伸层级", "办理地点"], "unconditional"),
    ("档案目录信息", ["档号", "题名", "年度", "保管期限"], "not_shared"),
    ("统计调查名录", ["名称", "统一社会信用代码", "行业", "规模"], "conditional"),
]

RESPONSIBILITIES = {
    "XK": ["受理责任", "审查责任", "决定责任", "送达责任", "事后监管责任", "其他法律法规规章文件规定应履行的责任"],
    "CF": ["立案责任", "调查责任", "审查责任", "告知责任", "决定责任", "送达责任", "执行责任", "其他责任"],
    "QZ": ["催告责任", "决定责任", "执行责任", "事后监管责任", "其他责任"],
}
ACCOUNTABILITY_BASIS = "《中华人民共和国公职人员政务处分法》《行政机关公务员处分条例》《江苏省行政问责办法》"
ACCOUNTABILITY_CASES = (
    "因不履行或不正确履行行政职责,有下列情形的,行政机关及其工作人员应承担相应责任:"
    "1.对符合法定条件的申请不予受理的;2.不在法定期限内作出决定的;3.滥用职权、玩忽职守的;"
    "4.索取或者收受他人财物或者谋取其他利益的;5.其他违反法律法规规章规定的行为。"
)
TOWNSHIP_SUBJECT = "镇人民政府(街道办事处)"
HOURS = "周一至周五 上午8:30-12:00,下午13:30-17:30(法定节假日除外)"


def _say(stdout, message):
    if stdout is not None:
        stdout.write(message)


def load(stdout=None) -> None:
    county = Division.objects.filter(code=COUNTY_CODE).first()
    editor = get_user_model().objects.filter(username="editor").first()
    if county is None or editor is None:
        _say(stdout, "catalogs: 如东县或 editor 用户不存在,跳过目录演示数据。")
        return
    departments = {
        o.short_code: o
        for o in Organisation.objects.filter(division=county, kind=OrgKind.COUNTY_DEPARTMENT).exclude(short_code="")
    }
    townships = list(Division.objects.filter(level=Level.TOWNSHIP, code__startswith=county.prefix))
    with transaction.atomic():
        power = _power_list(county, editor, departments)
        _territorial_list(county, editor)
        _service_items(county, editor)
        _empowerment(county, editor, power, townships)
        _admission(county, editor, departments)
        _data_resources(editor, departments)
        _inspection_plan(county, editor, townships)
    _say(stdout, f"catalogs: {POWER_TITLE}、{TERRITORIAL_TITLE}、{SERVICE_TITLE} 已就绪。")


def _existing(county, kind, title):
    return CatalogVersion.objects.filter(county=county, kind=kind, title=title).first()


def _publish(version, editor):
    services.version_transition(version=version, target=VersionStatus.IN_REVIEW, actor=editor)
    return services.version_transition(version=version, target=VersionStatus.PUBLISHED, actor=editor)


def _power_list(county, editor, departments) -> CatalogVersion:
    version = _existing(county, CatalogKind.POWER, POWER_TITLE)
    if version is not None:
        return version
    version = services.version_create(
        county=county,
        kind=CatalogKind.POWER,
        title=POWER_TITLE,
        actor=editor,
        edition="2020版",
        document_number="东政办发〔2020〕示例号",
        effective_date=datetime.date(2020, 7, 1),
    )
    rows = list(POWERS) + [("QT", name, "", dept) for name, dept in OTHER_POWERS]
    sequence = {}
    for category, name, basis, dept in rows:
        sequence[category] = sequence.get(category, 0) + 1
        licensing = category == Category.LICENSING
        services.item_create(
            version=version,
            actor=editor,
            data={
                "code": f"{REGION}-{category}-{sequence[category]:04d}",
                "name": name,
                "category": category,
                "legal_basis": basis or "《中华人民共和国地方各级人民代表大会和地方各级人民政府组织法》第七十六条",
                "accountability_basis": ACCOUNTABILITY_BASIS,
                "implementing_subject": TOWNSHIP_SUBJECT,
                "accepting_office": "镇(街道)为民服务中心" if licensing else "",
                "deciding_office": TOWNSHIP_SUBJECT,
                "department": departments.get(dept),
                "responsibility_items": RESPONSIBILITIES.get(category, ["履职责任", "事后监管责任"]),
                "accountability_cases": ACCOUNTABILITY_CASES,
                "legal_time_limit": 20 if licensing else None,
                "promised_time_limit": 10 if licensing else None,
                "fees": "不收费",
                "materials": [
                    {"name": "申请书", "form": "original", "copies": 1, "mandatory": True},
                    {"name": "申请人身份证明", "form": "copy", "copies": 1, "mandatory": True},
                    {"name": "其他相关证明材料", "form": "copy", "copies": 1, "mandatory": False},
                ]
                if licensing
                else [],
                "channels": ["window", "online"] if licensing else [],
                "simplified_procedure": category == Category.PENALTY,
            },
        )
    return _publish(version, editor)


def _territorial_list(county, editor) -> None:
    if _existing(county, CatalogKind.TERRITORIAL, TERRITORIAL_TITLE) is not None:
        return
    version = services.version_create(
        county=county,
        kind=CatalogKind.TERRITORIAL,
        title=TERRITORIAL_TITLE,
        actor=editor,
        edition="第一批",
        effective_date=datetime.date(2020, 9, 1),
    )
    number = 0
    # Who bears what, so the counts are Rudong's: of 108 matters the county departments are primary for
    # 84 and cooperate on 30, the townships are primary for 24 and cooperate on 78.
    for aspect_index, aspect in enumerate(TERRITORIAL_ASPECTS):
        for topic_index, (field, topic, department) in enumerate(TERRITORIAL_TOPICS):
            number += 1
            township_primary = aspect_index == 0 and topic_index < 24
            county_only = aspect_index == 2 and topic_index >= 30
            services.item_create(
                version=version,
                actor=editor,
                data={
                    "code": f"SD-{number:03d}",
                    "name": f"{topic}的{aspect}",
                    "field": field,
                    "primary_level": PrimaryLevel.TOWNSHIP if township_primary else PrimaryLevel.COUNTY,
                    "county_department": department,
                    "county_cooperating": department if township_primary else ("如东县公安局" if county_only else ""),
                    "township_cooperating": not township_primary and not county_only,
                    "county_duties": "负责业务指导、监督检查和依法查处,及时处理镇(街道)移送的问题线索。",
                    "township_duties": "负责日常巡查、发现报告、劝阻制止,配合县级部门开展执法和整改。",
                },
            )
    _publish(version, editor)


def _service_items(county, editor) -> None:
    if _existing(county, CatalogKind.PUBLIC_SERVICE, SERVICE_TITLE) is not None:
        return
    version = services.version_create(
        county=county,
        kind=CatalogKind.PUBLIC_SERVICE,
        title=SERVICE_TITLE,
        actor=editor,
        effective_date=datetime.date(2020, 8, 1),
    )
    number = 0
    for department, (town_items, village_items) in SERVICE_ITEMS.items():
        for level, names in ((ServiceLevel.TOWN, town_items), (ServiceLevel.VILLAGE, village_items)):
            for name in names:
                number += 1
                village = level == ServiceLevel.VILLAGE
                services.item_create(
                    version=version,
                    actor=editor,
                    data={
                        "code": f"{REGION}-GG-{number:04d}",
                        "name": name,
                        "level": level,
                        "department": department,
                        "subject": department,
                        "basis": "《江苏省政务服务管理办法》及相关法律法规",
                        "conditions": "本县户籍居民或在本县居住、经营的群众和企业,符合相关政策规定条件。",
                        "materials": [
                            {"name": "居民身份证", "form": "original", "copies": 1, "mandatory": True},
                            {"name": "申请表(窗口领取或网上下载)", "form": "original", "copies": 1, "mandatory": True},
                            {"name": "相关证明材料", "form": "copy", "copies": 1, "mandatory": False},
                        ],
                        "flow": "申请 → 受理 → 审核 → 办结 → 送达",
                        "legal_time_limit": 20,
                        "promised_time_limit": 1 if village else 5,
                        "fees": "不收费",
                        "place": "村(社区)便民服务站" if village else "镇(街道)为民服务中心",
                        "hours": HOURS,
                        "visits": 1 if village else 0,
                        "phone": "0513-12345",
                        "channels": ["village", "window"] if village else ["window", "online"],
                    },
                )
    _publish(version, editor)


def _empowerment(county, editor, power, townships) -> None:
    if EmpowermentBatch.objects.filter(county=county, document_number=BATCH_DOCUMENT).exists() or not townships:
        return
    items = PowerItem.objects.filter(version=power, category__in=[Category.PENALTY, Category.COERCION])
    services.empowerment_batch_create(
        county=county,
        title="如东县赋予镇(街道)第一批县级行政执法事项",
        document_number=BATCH_DOCUMENT,
        approved_by="江苏省人民政府",
        effective_date=datetime.date(2020, 10, 1),
        items=items.select_related("version"),
        townships=townships,
        actor=editor,
    )


def _admission(county, editor, departments) -> None:
    department = departments.get("nyncj")
    if department is None or DutyAdmissionRequest.objects.filter(county=county, matter=ADMISSION_MATTER).exists():
        return
    services.admission_apply(
        department=department,
        actor=editor,
        matter=ADMISSION_MATTER,
        description="对镇域内已建成高标准农田的沟渠、道路、泵站等设施开展日常巡查,发现损毁及时报告并组织维修。",
        legal_basis="《农田建设项目管理办法》第三十四条",
        reasons="设施点多面广,镇(街道)贴近一线,便于及时发现和处置。",
        funding="36.00",
        staff=1,
        training="县农业农村局每半年组织一次管护业务培训,并派员现场指导。",
    )


def _data_resources(editor, departments) -> None:
    for short_code, code, name, fields, cycle, sharing, exchanged in DATA_RESOURCES:
        department = departments.get(short_code)
        if department is None or DataResource.objects.filter(code=code).exists():
            continue
        services.resource_publish(
            department=department,
            actor=editor,
            code=code,
            name=name,
            fields=fields,
            update_cycle=cycle,
            sharing_type=sharing,
            on_exchange_platform=exchanged,
        )
    _more_data_resources(editor, departments)
    resource = DataResource.objects.filter(code="RD-SCJ-001").first()
    police = departments.get("gaj")
    if resource and police and not DataSubscription.objects.filter(resource=resource, subscriber=police).exists():
        subscription = services.subscription_request(
            resource=resource, subscriber=police, purpose="核查涉案市场主体登记情况", actor=editor
        )
        services.subscription_decide(subscription=subscription, target="approved", actor=editor)
    # One request waiting for its owner (the civil affairs bureau) on the subscriptions page.
    resource = DataResource.objects.filter(code="RD-MZJ-001").first()
    human = departments.get("rsj")
    if resource and human and not DataSubscription.objects.filter(resource=resource, subscriber=human).exists():
        services.subscription_request(
            resource=resource, subscriber=human, purpose="城乡居民养老保险待遇资格认证比对", actor=editor
        )


def _more_data_resources(editor, departments) -> None:
    """The rest of Rudong's catalog up to the seed's figures: 340 resources, 96 on the city exchange platform.

    The named resources above come from the seed's examples; the others are the usual business data of each
    county department (licences, penalties, inspections ...), numbered RD-<department>-1xx.
    """
    shared = DataResource.objects.filter(on_exchange_platform=True).count()
    total = DataResource.objects.count()
    if total >= DATA_RESOURCE_TOTAL:
        return
    active = [d for short_code, d in sorted(departments.items()) if short_code]
    if not active:
        return
    wanted = []
    for number, topic in enumerate(DATA_RESOURCE_TOPICS):
        for department in active:
            wanted.append((department, number, topic))
    existing = set(DataResource.objects.values_list("code", flat=True))
    cycles = ["daily", "weekly", "monthly", "quarterly", "yearly", "irregular"]
    for department, number, (topic, fields, sharing) in wanted:
        if total >= DATA_RESOURCE_TOTAL:
            break
        code = f"RD-{department.short_code.upper()}-{101 + number}"
        if code in existing:
            continue
        on_platform = shared < DATA_RESOURCES_ON_PLATFORM and sharing != "not_shared"
        services.resource_publish(
            department=department,
            actor=editor,
            code=code,
            name=f"{department.name.removeprefix('如东县').removeprefix('国家税务总局如东县')}{topic}",
            fields=fields,
            update_cycle=cycles[number % len(cycles)],
            sharing_type=sharing,
            on_exchange_platform=on_platform,
        )
        total += 1
        shared += on_platform


def _inspection_plan(county, editor, townships) -> None:
    """The approved 2020 plan (28 items) and five inspections held in townships, the last one not on it."""
    if InspectionPlan.objects.filter(county=county, year=PLAN_YEAR).exists() or not townships:
        return
    plan = services.plan_create(county=county, year=PLAN_YEAR, title=PLAN_TITLE, actor=editor)
    for name, kind, organiser, timing in INSPECTION_PLAN:
        services.plan_add_entry(plan=plan, actor=editor, name=name, kind=kind, organiser=organiser, timing=timing)
    services.plan_approve(plan=plan, actor=editor, document_number=PLAN_DOCUMENT)
    if ImposedInspection.objects.filter(county=county).exists():
        return
    townships = sorted(townships, key=lambda t: t.code)
    for number, (name, organiser, kind, month, day) in enumerate(INSPECTIONS_HELD):
        services.inspection_record(
            township=townships[number % len(townships)],
            actor=editor,
            name=name,
            kind=kind,
            organiser=organiser,
            held_on=datetime.date(PLAN_YEAR, month, day),
        )
