"""Factories for catalogs tests, built on the kernel factories."""

import datetime

import factory

from catalogs.models import (
    CatalogKind,
    CatalogVersion,
    Category,
    PowerItem,
    ServiceItem,
    ServiceLevel,
    TerritorialMatter,
)
from catalogs.states import VersionStatus
from tests import factories as f


class VersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CatalogVersion

    county = factory.LazyFunction(f.county)
    kind = CatalogKind.POWER
    title = factory.Sequence(lambda n: f"如东县镇(街道)权力清单和责任清单(测试{n})")
    edition = "2020版"
    effective_date = datetime.date(2020, 7, 1)
    status = VersionStatus.DRAFT


class PowerItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PowerItem

    version = factory.SubFactory(VersionFactory)
    category = Category.PENALTY
    code = factory.Sequence(lambda n: f"320623-CF-{n + 1:04d}")
    name = factory.Sequence(lambda n: f"对违法行为的处罚{n}")
    legal_basis = "《中华人民共和国行政处罚法》"
    implementing_subject = "镇人民政府"
    legal_time_limit = 20
    promised_time_limit = 10
    materials = factory.LazyFunction(lambda: [{"name": "申请书", "form": "original", "copies": 1, "mandatory": True}])
    channels = factory.LazyFunction(lambda: ["window"])


class TerritorialMatterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TerritorialMatter

    version = factory.SubFactory(VersionFactory, kind=CatalogKind.TERRITORIAL)
    code = factory.Sequence(lambda n: f"SD-{n + 1:04d}")
    name = factory.Sequence(lambda n: f"属地事项{n}")
    county_department = "县生态环境局"
    primary_level = "county"
    township_cooperating = True


class ServiceItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceItem

    version = factory.SubFactory(VersionFactory, kind=CatalogKind.PUBLIC_SERVICE)
    code = factory.Sequence(lambda n: f"320623-GG-{n + 1:04d}")
    name = factory.Sequence(lambda n: f"公共服务事项{n}")
    level = ServiceLevel.TOWN
    department = "县人社局"
