"""Factories for enforcement tests: their own catalog items (through catalogs' models) and case helpers."""

import datetime
from decimal import Decimal

import factory

from catalogs.models import (
    AdjustmentAction,
    CatalogKind,
    CatalogVersion,
    Category,
    EmpowermentBatch,
    EmpowermentEntry,
    PowerItem,
)
from catalogs.states import VersionStatus
from enforcement import services
from enforcement.models import LeadSource, MarketSubject, PenaltyMeasure
from ruian.organisations import OrgKind
from tests import factories as f


def department(county, name="如东县市场监督管理局", short_code="scj"):
    return f.OrganisationFactory(division=county, kind=OrgKind.COUNTY_DEPARTMENT, name=name, short_code=short_code)


def power_list(county):
    version, _created = CatalogVersion.objects.get_or_create(
        county=county,
        kind=CatalogKind.POWER,
        title="如东县镇(街道)权力清单(执法测试)",
        defaults={"status": VersionStatus.PUBLISHED, "effective_date": datetime.date(2020, 7, 1)},
    )
    return version


class PenaltyPowerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PowerItem

    version = factory.LazyFunction(lambda: power_list(f.county()))
    category = Category.PENALTY
    code = factory.Sequence(lambda n: f"320623-CF-{n + 5001:04d}")
    name = factory.Sequence(lambda n: f"对占道经营行为的处罚{n}")
    legal_basis = "《城市市容和环境卫生管理条例》第三十六条"
    simplified_procedure = True


def grant(item, township, effective=datetime.date(2021, 1, 1), action=AdjustmentAction.GRANT):
    """Delegate (or withdraw) `item` to `township` from `effective` (赋权)."""
    county = item.version.county
    batch, _created = EmpowermentBatch.objects.get_or_create(
        county=county,
        title="如东县赋权批次(执法测试)",
        defaults={"document_number": "东政复〔2021〕1号", "approved_by": "江苏省人民政府", "effective_date": effective},
    )
    EmpowermentEntry.objects.create(batch=batch, township=township, item=item, action=action, effective_date=effective)
    return item


def held_power(township, **kwargs):
    return grant(PenaltyPowerFactory(**kwargs), township)


def lead(township, actor, **fields):
    fields.setdefault("party_name", "王小明")
    fields.setdefault("party_id_number", "320623199001011234")
    fields.setdefault("party_phone", "13912345678")
    created = services.lead_create(
        township=township,
        source=fields.pop("source", LeadSource.PATROL),
        summary=fields.pop("summary", "占道经营"),
        actor=actor,
        **fields,
    )
    return created


def filed_case(township, leader, power=None, **fields):
    power = power or held_power(township)
    return services.case_file(
        township=township,
        power=power,
        title=fields.pop("title", "王小明占道经营案"),
        actor=leader,
        lead=lead(township, leader),
        **fields,
    )


def investigating_case(township, leader, officers, **fields):
    case = filed_case(township, leader, **fields)
    services.case_assign(case=case, officers=officers, actor=leader)
    services.evidence_record(case=case, kind="photo", description="现场照片三张", officers=officers, actor=officers[0])
    case.refresh_from_db()
    return case


def notified_case(
    township, leader, officers, fine=Decimal("500"), measures=(PenaltyMeasure.FINE,), served_on=None, **fields
):
    """A case whose pre-decision notice was served `served_on` (by default 20 days ago, so the hearing request
    period is over and a decision may be made today)."""
    case = investigating_case(township, leader, officers, **fields)
    served_on = served_on or datetime.date.today() - datetime.timedelta(days=20)
    services.notice_serve(case=case, served_on=served_on, fine=fine, measures=list(measures), actor=officers[0])
    case.refresh_from_db()
    return case


def decided_case(township, leader, officers, **fields):
    case = notified_case(township, leader, officers, **fields)
    services.case_decide(case=case, fine=case.proposed_fine, measures=case.proposed_measures, actor=leader)
    case.refresh_from_db()
    return case


def market_subjects(township, n, industry="餐饮"):
    return MarketSubject.objects.bulk_create(
        MarketSubject(township=township, name=f"如东县测试餐馆{i}", credit_code=f"91320623MA{i:08d}", industry=industry)
        for i in range(n)
    )
