import io

import pytest

from catalogs import demo, selectors
from catalogs.models import (
    CatalogKind,
    CatalogVersion,
    DutyAdmissionRequest,
    EmpowermentBatch,
    ImposedInspection,
    InspectionPlan,
    PowerItem,
    ServiceItem,
)
from catalogs.states import AdmissionStatus, PlanStatus, VersionStatus
from ruian import demo as kernel_demo
from ruian.audit import AuditEntry


@pytest.fixture
def rudong(db):
    kernel_demo.load()


def test_demo_has_the_seed_figures_and_loads_twice_without_duplicates(rudong):
    demo.load(io.StringIO())
    power = CatalogVersion.objects.get(title=demo.POWER_TITLE)
    assert power.status == VersionStatus.PUBLISHED
    summary = {row["category"]: row["count"] for row in selectors.category_summary(power)}
    assert summary == {"XK": 4, "CF": 4, "JF": 1, "QZ": 8, "QR": 2, "CJ": 3, "QT": 79}
    territorial = CatalogVersion.objects.get(kind=CatalogKind.TERRITORIAL)
    assert selectors.territorial_summary(territorial) == {
        "total": 108,
        "county_primary": 84,
        "county_cooperating": 30,
        "township_primary": 24,
        "township_cooperating": 78,
    }
    service = CatalogVersion.objects.get(kind=CatalogKind.PUBLIC_SERVICE)
    assert selectors.service_level_summary(service) == {"town": 77, "village": 39}
    assert len(set(ServiceItem.objects.filter(version=service).values_list("department", flat=True))) == 15
    assert EmpowermentBatch.objects.count() == 1
    assert DutyAdmissionRequest.objects.get().status == AdmissionStatus.APPLIED
    figures = selectors.sharing_figures()
    assert (figures["resources"], figures["on_exchange_platform"]) == (340, 96)
    assert figures["subscriptions"] == 1 and figures["subscriptions_requested"] == 1
    plan = InspectionPlan.objects.get(year=2020)
    assert plan.status == PlanStatus.APPROVED and plan.entries.count() == 28
    assert ImposedInspection.objects.count() == 5
    assert list(ImposedInspection.objects.filter(planned__isnull=True).values_list("name", flat=True)) == [
        "村级台账资料专项检查"
    ]

    counts = (PowerItem.objects.count(), ServiceItem.objects.count(), AuditEntry.objects.count())
    demo.load(io.StringIO())
    assert (PowerItem.objects.count(), ServiceItem.objects.count(), AuditEntry.objects.count()) == counts
    assert CatalogVersion.objects.count() == 3
