"""The big read-only lists are built from plain values (catalogs/api/rows.py), not by ModelSerializer per row:
their JSON must stay what the serializers give, key for key and in the same order. And the figures of
published versions are kept in the process: they must be right, and a draft's must never be kept."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from catalogs import selectors, services
from catalogs.api.serializers import PowerItemSerializer, TownshipPowerSerializer
from catalogs.models import PowerItem
from catalogs.states import VersionStatus
from tests.catalogs.factories import PowerItemFactory, VersionFactory

ITEMS = reverse("api:catalogs:power-item-list")


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False)


@pytest.fixture
def varied(county, home_township, other_township, county_office):
    """A published power list whose items take every shape the columns allow, the odd ones included
    (items written around the services' validation, as old imports may have left them)."""
    version = VersionFactory(county=county, status=VersionStatus.PUBLISHED)
    parent = PowerItemFactory(version=version, code="320623-XK-0001", category="XK", department=county_office)
    PowerItemFactory(
        version=version,
        code="320623-XK-0001-001",
        category="XK",
        parent=parent,
        responsibility_items=["受理责任", 3, None],
        legal_time_limit=None,
        promised_time_limit=None,
        fees="不收费",
    ).townships.set([other_township, home_township])
    odd_materials = [
        {"name": "申请书", "form": "copy", "copies": 2, "mandatory": False, "note": "加盖公章"},
        {"name": "身份证明"},
        {"name": "委托书", "form": "bogus", "copies": "3", "mandatory": "yes"},
        {"name": "营业执照", "scan": True},
        {"name": "图纸", "note": None},
    ]
    PowerItemFactory(version=version, code="320623-CF-0001", materials=odd_materials, channels=["window", "mail"])
    PowerItemFactory(version=version, code="320623-CF-0002", materials=[], channels=[], simplified_procedure=True)
    PowerItemFactory(version=version, code="320623-QT-0001", category="QT", is_active=False)
    return version


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_power_item_list_is_what_the_serializer_gives(token_api, varied, language):
    response = token_api.get(ITEMS, {"version": varied.pk}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, response.content
    items = (
        PowerItem.objects.filter(version=varied)
        .select_related("parent")
        .prefetch_related("townships")
        .order_by("version_id", "code", "id")
    )
    with translation.override(language):
        expected = PowerItemSerializer(items, many=True).data
    assert response.json()["count"] == 5
    assert _dumps(response.json()["results"]) == _dumps(expected)
    # the same through the general path (no single version named) and with a narrowing filter
    assert _dumps(token_api.get(ITEMS, HTTP_ACCEPT_LANGUAGE=language).json()["results"]) == _dumps(expected)
    narrowed = token_api.get(ITEMS, {"version": varied.pk, "category": "XK"}, HTTP_ACCEPT_LANGUAGE=language).json()
    assert narrowed["count"] == 2
    assert _dumps(narrowed["results"]) == _dumps([row for row in expected if row["category"] == "XK"])


def test_power_item_list_pages_and_counts(token_api, varied):
    first = token_api.get(ITEMS, {"version": varied.pk, "page_size": 2}).json()
    assert first["count"] == 5 and len(first["results"]) == 2 and first["next"]
    last = token_api.get(ITEMS, {"version": varied.pk, "page_size": 2, "page": 3}).json()
    assert [row["code"] for row in last["results"]] == ["320623-XK-0001-001"]
    assert token_api.get(ITEMS, {"version": varied.pk, "page_size": 2, "page": 4}).status_code == 404
    assert token_api.get(ITEMS, {"version": "x"}).status_code == 400
    assert token_api.get(ITEMS, {"version": varied.pk + 1000}).json()["count"] == 0


def test_power_item_list_of_a_published_version_costs_two_queries(token_api, varied):
    token_api.get(ITEMS, {"version": varied.pk})  # the version and its figures are read the first time
    with CaptureQueriesContext(connection) as queries:
        response = token_api.get(ITEMS, {"version": varied.pk})
    assert response.status_code == 200 and response.json()["count"] == 5
    # the token and the page: the version was seen public (it stays public) and its count was kept
    assert len(queries) == 2, [q["sql"] for q in queries]


def test_drafts_are_listed_for_their_county_only(token_api, client, editor, county):
    from tests import factories as f
    from tests.conftest import login

    draft = VersionFactory(county=county)
    PowerItemFactory(version=draft, code="320623-CF-0001")
    assert token_api.get(ITEMS, {"version": draft.pk}).json()["count"] == 1
    stranger = VersionFactory(county=f.county("320621000000", "海安市"))
    PowerItemFactory(version=stranger, code="320621-CF-0001")
    login(client, editor)
    assert client.get(ITEMS, {"version": stranger.pk}).json()["count"] == 0
    # another kind's version lists nothing here
    territorial = VersionFactory(county=county, kind="territorial", status=VersionStatus.PUBLISHED)
    assert token_api.get(ITEMS, {"version": territorial.pk}).json()["count"] == 0


def test_township_powers_are_what_the_serializer_gives(token_api, county, editor, varied, home_township):
    items = list(PowerItem.objects.filter(version=varied))
    services.empowerment_batch_create(
        county=county,
        title="第一批",
        document_number="苏政复〔2020〕1号",
        approved_by="省政府",
        effective_date=datetime.date(2021, 1, 1),
        items=items,
        townships=[home_township],
        actor=editor,
    )
    on = datetime.date(2021, 6, 1)
    url = reverse("api:catalogs:township-powers", args=[home_township.code])
    answer = token_api.get(url, {"on": on.isoformat()}).json()
    expected = TownshipPowerSerializer(selectors.powers_of_township(home_township, on), many=True).data
    assert answer["count"] == len(items)
    assert _dumps(answer["results"]) == _dumps(expected)


def test_published_figures_are_kept_and_drafts_counted_anew(county, editor):
    draft = VersionFactory(county=county, effective_date=datetime.date(2021, 1, 1))
    PowerItemFactory(version=draft, code="320623-XK-0001", category="XK")
    assert selectors.version_figures(draft) == {"items": 1, "categories": {"XK": 1}}
    PowerItemFactory(version=draft, code="320623-CF-0001", category="CF")
    draft = type(draft).objects.get(pk=draft.pk)
    assert selectors.version_figures(draft)["items"] == 2
    services.version_transition(version=draft, target=VersionStatus.IN_REVIEW, actor=editor)
    published = services.version_transition(version=draft, target=VersionStatus.PUBLISHED, actor=editor)
    assert [row["count"] for row in selectors.category_summary(published)] == [1, 1]
    with CaptureQueriesContext(connection) as queries:
        again = selectors.category_summary(type(published).objects.get(pk=published.pk))
    assert len(queries) == 1  # the version; its figures were kept
    assert [row["category"] for row in again] == ["XK", "CF"]
    # superseded by a later version: still the same items, still the same figures
    newer = services.version_create_draft(source=published, actor=editor)
    newer = services.version_update(version=newer, actor=editor, effective_date=datetime.date(2022, 1, 1))
    services.version_transition(version=newer, target=VersionStatus.IN_REVIEW, actor=editor)
    services.version_transition(version=newer, target=VersionStatus.PUBLISHED, actor=editor)
    old = type(published).objects.get(pk=published.pk)
    assert old.status == VersionStatus.SUPERSEDED
    assert selectors.version_figures(old)["items"] == 2


def test_summary_and_public_page_queries(token_api, client, varied):
    summary = reverse("api:catalogs:catalog-version-summary", args=[varied.pk])
    page = reverse("catalogs:public_version", args=[varied.pk])
    assert token_api.get(summary).json()["total"] == 4  # top-level items
    assert client.get(page).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        answer = token_api.get(summary).json()
    assert len(queries) == 1  # the token: the version was seen public, its figures kept
    assert [(row["category"], row["count"]) for row in answer["categories"]] == [("XK", 1), ("CF", 2), ("QT", 1)]
    with CaptureQueriesContext(connection) as queries:
        response = client.get(page)
    assert len(queries) == 2  # the version, the page of items
    assert response.context["page"].paginator.count == 5
    searched = client.get(page, {"q": "CF"})
    assert searched.context["page"].paginator.count == 2


def test_item_tables_link_each_row(client, editor, county):
    from tests.catalogs.factories import ServiceItemFactory
    from tests.conftest import login

    draft = VersionFactory(county=county)
    item = PowerItemFactory(version=draft, code="320623-CF-0001")
    login(client, editor)
    page = client.get(reverse("catalogs:version_detail", args=[draft.pk])).content.decode()
    assert f'href="{reverse("catalogs:item_edit", args=[draft.pk, item.pk])}"' in page
    assert f'href="{reverse("catalogs:item_history", args=[draft.pk, item.pk])}"' in page
    assert "<td>行政处罚</td><td>镇人民政府</td>" in page
    services_version = VersionFactory(county=county, kind="public_service", status=VersionStatus.PUBLISHED)
    guide = ServiceItemFactory(version=services_version, level="village")
    page = client.get(reverse("catalogs:public_version", args=[services_version.pk])).content.decode()
    assert f'href="{reverse("catalogs:service_guide", args=[guide.pk])}"' in page
    assert "<td>县人社局</td>" in page
    empty = client.get(reverse("catalogs:public_version", args=[services_version.pk]), {"q": "不存在"})
    assert "没有符合条件的事项。" in empty.content.decode()
