"""Dispatch follows the territorial-management list where it names the matter, else the category's defaults."""

import pytest

from grids import services
from ruian.organisations import OrgKind
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_category_default_township_unit_and_stationed_unit(report, operator, unit, police, category):
    event = report()
    assert services.suggested_unit(event) == unit  # township_office of the township
    category.default_department = "gaj"
    category.save()
    assert services.suggested_unit(report(description="治安")) == police


def test_territorial_list_names_the_county_department(report, county, category):
    from catalogs.models import CatalogVersion, TerritorialMatter

    department = f.OrganisationFactory(division=county, kind=OrgKind.COUNTY_DEPARTMENT, name="如东县生态环境局")
    version = CatalogVersion.objects.create(county=county, kind="territorial", title="属地清单", status="published")
    TerritorialMatter.objects.create(
        version=version, code="ST-001", name="秸秆焚烧", primary_level="county", county_department=department.name
    )
    category.territorial_matter_code = "ST-001"
    category.save()
    assert services.suggested_unit(report()) == department
    category.territorial_matter_code = "ST-404"
    category.save()
    assert services.suggested_unit(report(description="别的")) != department
