"""Factories for approvals tests: their own catalog items (published power list, service items) and
applications received through the service, so every application starts as in real use."""

import datetime

import factory
from django.utils import timezone

from approvals import services
from approvals.models import ApplicantKind, PledgeEligibleItem
from catalogs.models import CatalogKind, CatalogVersion, Category, PowerItem, ServiceItem, ServiceLevel
from catalogs.states import VersionStatus
from tests import factories as f

VALID_RIC = "11010519491231002X"
VALID_USCC = "91110000600037341L"
MATERIALS = [
    {"name": "申请书", "form": "original", "copies": 1, "mandatory": True},
    {"name": "身份证明", "form": "copy", "copies": 1, "mandatory": True},
    {"name": "场地证明", "form": "copy", "copies": 1, "mandatory": True},
    {"name": "其他说明", "form": "copy", "copies": 1, "mandatory": False},
]
ALL_MANDATORY = ["申请书", "身份证明", "场地证明"]


class PowerListFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CatalogVersion

    county = factory.LazyFunction(f.county)
    kind = CatalogKind.POWER
    title = factory.Sequence(lambda n: f"如东县镇(街道)权力清单和责任清单(审批测试{n})")
    effective_date = datetime.date(2020, 7, 1)
    status = VersionStatus.PUBLISHED


class LicenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PowerItem

    version = factory.SubFactory(PowerListFactory)
    category = Category.LICENSING
    code = factory.Sequence(lambda n: f"320623-XK-{n + 1:04d}")
    name = factory.Sequence(lambda n: f"食品小作坊登记{n}")
    deciding_office = "镇人民政府"
    legal_time_limit = 20
    promised_time_limit = 10
    materials = factory.LazyFunction(lambda: [dict(m) for m in MATERIALS])
    channels = factory.LazyFunction(lambda: ["window", "online"])


class ServiceListFactory(PowerListFactory):
    kind = CatalogKind.PUBLIC_SERVICE
    title = factory.Sequence(lambda n: f"如东县公共服务事项清单(审批测试{n})")


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceItem

    version = factory.SubFactory(ServiceListFactory)
    code = factory.Sequence(lambda n: f"320623-GG-{n + 1:04d}")
    name = factory.Sequence(lambda n: f"城乡居民养老保险参保登记{n}")
    level = ServiceLevel.TOWN
    department = "县人社局"
    materials = factory.LazyFunction(lambda: [{"name": "身份证", "form": "copy", "copies": 1, "mandatory": True}])
    legal_time_limit = 5
    promised_time_limit = 1


def licence(county, **kwargs):
    version = CatalogVersion.objects.filter(county=county, kind=CatalogKind.POWER, status="published").first()
    return LicenceFactory(version=version or PowerListFactory(county=county), **kwargs)


def pledge_item(item):
    PledgeEligibleItem.objects.get_or_create(lineage=item.lineage, defaults={"item_code": item.code})
    return item


def receive(township, item, actor, *, complete=True, at=None, **kwargs):
    fields = {
        "applicant_kind": ApplicantKind.PERSON,
        "applicant_name": "张三",
        "applicant_id_number": VALID_RIC,
        "applicant_phone": "13912345678",
        "materials_provided": ALL_MANDATORY if complete else ["申请书"],
    }
    fields.update(kwargs)
    return services.receive_application(township=township, item=item, actor=actor, received_at=at, **fields)


def at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
