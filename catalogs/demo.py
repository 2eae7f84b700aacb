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
    resource = DataResource.objects.filter(code="RD-SCJ-001").first()
    police = departments.get("gaj")
    if resource and police and not DataSubscription.objects.filter(resource=resource, subscriber=police).exists():
        subscription = services.subscription_request(
            resource=resource, subscriber=police, purpose="核查涉案市场主体登记情况", actor=editor
        )
        services.subscription_decide(subscription=subscription, target="approved", actor=editor)
