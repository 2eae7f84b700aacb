import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from catalogs import services
from catalogs.models import PowerItem
from catalogs.states import VersionStatus
from ruian.apiclients import Scope, issue_token
from ruian.audit import AuditEntry
from tests.catalogs.factories import PowerItemFactory, ServiceItemFactory, TerritorialMatterFactory, VersionFactory
from tests.conftest import login

ITEMS = reverse("api:catalogs:power-item-list")


def _item_url(item):
    return reverse("api:catalogs:power-item-detail", args=[item.pk])


@pytest.fixture
def published(county):
    return VersionFactory(county=county, status=VersionStatus.PUBLISHED)


@pytest.fixture
def draft(county):
    return VersionFactory(county=county, status=VersionStatus.DRAFT)


@pytest.fixture
def read_only_api(county):
    from ruian.organisations import OrgKind
    from ruian.staff import Role
    from tests import factories as f

    platform = f.OrganisationFactory(division=county, kind=OrgKind.COUNTY_DEPARTMENT, name="市数据共享平台接口")
    reader = f.staff_user("reader", Role.API_CLIENT, platform)
    token = issue_token(user=reader, name="只读", scopes=[Scope.CATALOGS_READ])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def _codes(response):
    assert response.status_code == 200, response.content
    return {row["code"] for row in response.json()["results"]}


def test_list_defaults_to_published_items(token_api, published, draft):
    PowerItemFactory(version=published, code="320623-CF-0001")
    PowerItemFactory(version=draft, code="320623-CF-0002")
    assert _codes(token_api.get(ITEMS)) == {"320623-CF-0001"}


def test_filters(token_api, published, home_township, other_township):
    a = PowerItemFactory(version=published, code="320623-XK-0001", category="XK", name="宅基地审批")
    b = PowerItemFactory(version=published, code="320623-CF-0001", category="CF", name="违法建设处罚")
    b.townships.set([other_township])
    assert _codes(token_api.get(ITEMS, {"category": "XK"})) == {a.code}
    assert _codes(token_api.get(ITEMS, {"q": "宅基地"})) == {a.code}
    assert _codes(token_api.get(ITEMS, {"township": home_township.code})) == {a.code}
    assert _codes(token_api.get(ITEMS, {"township": other_township.code})) == {a.code, b.code}
    assert _codes(token_api.get(ITEMS, {"version": published.pk})) == {a.code, b.code}
    PowerItem.objects.filter(pk=a.pk).update(updated_at=timezone.now() - datetime.timedelta(days=3))
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    assert _codes(token_api.get(ITEMS, {"updated_since": since})) == {b.code}


def test_drafts_of_other_counties_are_hidden(token_api):
    from tests import factories as f

    stranger = VersionFactory(county=f.county("320621000000", "海安市"))
    PowerItemFactory(version=stranger, code="320621-CF-0001")
    assert _codes(token_api.get(ITEMS, {"version": stranger.pk})) == set()


def test_token_without_write_scope_cannot_write(read_only_api, draft):
    response = read_only_api.post(ITEMS, {"version": draft.pk, "code": "320623-CF-0001", "name": "x", "category": "CF"})
    assert response.status_code == 403
    assert not PowerItem.objects.exists()
    assert read_only_api.get(ITEMS).status_code == 200


def test_token_with_write_scope_can_push_items(token_api, draft):
    payload = {
        "version": draft.pk,
        "code": "320623-CF-0001",
        "name": "对违法建设的处罚",
        "category": "CF",
        "materials": [{"name": "现场勘验笔录", "form": "original", "copies": 1, "mandatory": True}],
        "channels": ["window"],
    }
    response = token_api.post(ITEMS, payload, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["revision"] == 1


def test_clerk_cannot_edit(client, clerk, draft):
    login(client, clerk)
    response = client.post(
        ITEMS,
        {"version": draft.pk, "code": "320623-CF-0001", "name": "x", "category": "CF"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_edit_conflict_is_409(client, editor, draft):
    item = PowerItemFactory(version=draft)
    login(client, editor)
    first = client.patch(_item_url(item), {"name": "甲", "revision": 1}, content_type="application/json")
    assert first.status_code == 200, first.content
    second = client.patch(_item_url(item), {"name": "乙", "revision": 1}, content_type="application/json")
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "edit_conflict"
    item.refresh_from_db()
    assert item.name == "甲"
    missing = client.patch(_item_url(item), {"name": "丙"}, content_type="application/json")
    assert missing.status_code == 400


def test_published_items_are_read_only(client, editor, published):
    item = PowerItemFactory(version=published)
    login(client, editor)
    response = client.patch(_item_url(item), {"name": "改", "revision": 1}, content_type="application/json")
    assert response.status_code == 400
    assert client.delete(_item_url(item)).status_code == 400
    assert PowerItem.objects.filter(pk=item.pk, name=item.name).exists()


def test_version_lifecycle_over_the_api(client, editor, county):
    login(client, editor)
    created = client.post(
        reverse("api:catalogs:catalog-version-list"),
        {"county": county.code, "kind": "power", "title": "清单", "effective_date": "2020-07-01"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    version_id = created.json()["id"]
    PowerItemFactory(version_id=version_id)
    url = reverse("api:catalogs:catalog-version-transition", args=[version_id])
    assert client.post(url, {"target": "published"}, content_type="application/json").status_code == 400
    assert client.post(url, {"target": "in_review"}, content_type="application/json").status_code == 200
    response = client.post(url, {"target": "published"}, content_type="application/json")
    assert response.json()["status"] == "published"
    assert AuditEntry.objects.filter(action="catalogs.version.published", actor=editor).exists()


def test_summary_and_compare(token_api, published, editor):
    PowerItemFactory(version=published, code="320623-CF-0001", category="CF")
    PowerItemFactory(version=published, code="320623-XK-0001", category="XK")
    draft = services.version_create_draft(source=published, actor=editor)
    services.item_update(item=PowerItem.objects.get(version=draft, category="XK"), actor=editor, data={"name": "新"})
    summary = token_api.get(reverse("api:catalogs:catalog-version-summary", args=[published.pk])).json()
    assert summary["total"] == 2
    # a county-wide client reads the county's drafts too
    compare = token_api.get(reverse("api:catalogs:catalog-version-compare", args=[draft.pk]), {"with": published.pk})
    assert compare.status_code == 200, compare.content
    assert [c["code"] for c in compare.json()["changed"]] == ["320623-XK-0001"]


def test_territorial_and_service_items(token_api, county):
    territorial = VersionFactory(county=county, kind="territorial", status=VersionStatus.PUBLISHED)
    TerritorialMatterFactory(version=territorial)
    services_version = VersionFactory(county=county, kind="public_service", status=VersionStatus.PUBLISHED)
    ServiceItemFactory(version=services_version, level="village")
    ServiceItemFactory(version=services_version, level="town")
    assert len(_codes(token_api.get(reverse("api:catalogs:territorial-matter-list")))) == 1
    assert len(_codes(token_api.get(reverse("api:catalogs:service-item-list"), {"level": "village"}))) == 1
    summary = token_api.get(reverse("api:catalogs:catalog-version-summary", args=[territorial.pk])).json()
    assert summary["territorial"]["county_primary"] == 1


def test_powers_of_township_on_a_date(token_api, county, editor, published, home_township):
    item = PowerItemFactory(version=published)
    services.empowerment_batch_create(
        county=county,
        title="第一批",
        document_number="苏政复〔2020〕1号",
        approved_by="省政府",
        effective_date=datetime.date(2021, 1, 1),
        items=[item],
        townships=[home_township],
        actor=editor,
    )
    url = reverse("api:catalogs:township-powers", args=[home_township.code])
    assert token_api.get(url, {"on": "2020-12-31"}).json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }
    assert [p["code"] for p in token_api.get(url, {"on": "2021-01-01"}).json()["results"]] == [item.code]
    assert token_api.get(url, {"on": "2021-13-01"}).status_code == 400
    assert token_api.get(url, {"on": "2021-01-01", "page": 2}).status_code == 404
    unknown = reverse("api:catalogs:township-powers", args=["320623999000"])
    assert token_api.get(unknown, {"on": "2021-01-01"}).status_code == 404
    assert token_api.get(unknown, {"on": "2021-13-01"}).status_code == 404


def test_powers_of_township_come_a_page_at_a_time(token_api, county, editor, published, home_township):
    """The township's powers are paged (by category and code); one query per page, the total included."""
    items = [PowerItemFactory(version=published, code=f"320623-CF-{n:04d}") for n in range(1, 8)]
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
    url = reverse("api:catalogs:township-powers", args=[home_township.code])
    codes = []
    page = token_api.get(url, {"on": "2021-06-01", "page_size": 3}).json()
    assert page["count"] == 7 and page["previous"] is None
    while True:
        assert len(page["results"]) <= 3
        codes += [p["code"] for p in page["results"]]
        if not page["next"]:
            break
        page = token_api.get(page["next"]).json()
        assert page["count"] == 7
    assert codes == [i.code for i in items]
    last = token_api.get(url, {"on": "2021-06-01", "page_size": 3, "page": "last"}).json()
    assert [p["code"] for p in last["results"]] == [items[-1].code]
    assert token_api.get(url, {"on": "2021-06-01", "page_size": 3, "page": 4}).status_code == 404
    assert token_api.get(url, {"on": "2021-06-01", "page": "x"}).status_code == 404
    with CaptureQueriesContext(connection) as queries:
        token_api.get(url, {"on": "2021-06-01", "page_size": 3})
    assert len(queries) == 2  # the token, the page with its total


def test_admission_over_the_api(client, editor, county_office):
    login(client, editor)
    created = client.post(
        reverse("api:catalogs:admission-request-list"),
        {"department": county_office.pk, "matter": "秸秆禁烧巡查", "description": "巡查", "reasons": "属地"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    url = reverse("api:catalogs:admission-request-review", args=[created.json()["id"]])
    refused = client.post(url, {"approve": False}, content_type="application/json")
    assert refused.status_code == 400
    refused = client.post(url, {"approve": False, "opinion": "不属于镇街职责"}, content_type="application/json")
    assert refused.json()["status"] == "refused"


def _list_queries(client, url, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("url_name", ["power-item-list", "territorial-matter-list", "service-item-list"])
def test_list_query_count_does_not_grow(client, editor, county, home_township, url_name):
    kind, factory = {
        "power-item-list": ("power", PowerItemFactory),
        "territorial-matter-list": ("territorial", TerritorialMatterFactory),
        "service-item-list": ("public_service", ServiceItemFactory),
    }[url_name]
    version = VersionFactory(county=county, kind=kind, status=VersionStatus.PUBLISHED)
    login(client, editor)
    url = reverse(f"api:catalogs:{url_name}")
    for item in [factory(version=version) for _ in range(10)]:
        if kind == "power":
            item.townships.set([home_township])
    small = _list_queries(client, url, {"page_size": 200})
    for item in [factory(version=version) for _ in range(90)]:
        if kind == "power":
            item.townships.set([home_township])
    assert _list_queries(client, url, {"page_size": 200}) == small


def test_import_and_export_over_the_api(token_api, read_only_api, draft):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("api:catalogs:catalog-version-import-items", args=[draft.pk])
    bad = "事项编码,事项名称,类别\n320623-QZ-0001,强制拆除,行政强制\n320623-QZ-0001,重复,行政强制\n".encode()
    response = token_api.post(url, {"file": SimpleUploadedFile("a.csv", bad), "dry_run": "false"}, format="multipart")
    assert response.status_code == 400
    assert response.json()["row_errors"][0]["row"] == 3
    good = "事项编码,事项名称,类别\n320623-QZ-0001,强制拆除,行政强制\n".encode()
    denied = read_only_api.post(url, {"file": SimpleUploadedFile("a.csv", good)}, format="multipart")
    assert denied.status_code == 403
    response = token_api.post(url, {"file": SimpleUploadedFile("a.csv", good), "dry_run": "false"}, format="multipart")
    assert response.status_code == 200 and response.json()["written"] is True
    export = token_api.get(reverse("api:catalogs:catalog-version-export", args=[draft.pk]), {"file_format": "csv"})
    assert export.status_code == 200 and "强制拆除" in export.content.decode("utf-8-sig")


def test_empowerment_and_data_resources_over_the_api(client, editor, county, county_office, published, home_township):
    item = PowerItemFactory(version=published)
    login(client, editor)
    created = client.post(
        reverse("api:catalogs:empowerment-batch-list"),
        {
            "county": county.code,
            "title": "第一批",
            "document_number": "苏政复〔2020〕1号",
            "approved_by": "江苏省人民政府",
            "effective_date": "2021-01-01",
            "items": [item.pk],
            "townships": [home_township.code],
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    adjust = reverse("api:catalogs:empowerment-batch-adjust", args=[created.json()["id"]])
    payload = {"action": "withdraw", "document_number": "x", "effective_date": "2022-01-01", "items": [item.pk]}
    response = client.post(adjust, {**payload, "townships": [home_township.code]}, content_type="application/json")
    assert response.status_code == 400  # a withdrawal needs a reason
    payload["reason"] = "承接能力不足"
    response = client.post(adjust, {**payload, "townships": [home_township.code]}, content_type="application/json")
    assert response.status_code == 201
    powers = reverse("api:catalogs:township-powers", args=[home_township.code])
    assert client.get(powers, {"on": "2021-06-01"}).json()["results"][0]["code"] == item.code
    assert client.get(powers, {"on": "2022-01-01"}).json()["results"] == []

    resource = client.post(
        reverse("api:catalogs:data-resource-list"),
        {"department": county_office.pk, "code": "RD-1", "name": "编制信息", "update_cycle": "monthly"}
        | {"sharing_type": "conditional", "fields": ["机构名称"]},
        content_type="application/json",
    )
    assert resource.status_code == 201, resource.content
    from ruian.organisations import OrgKind
    from tests import factories as f

    police = f.OrganisationFactory(division=county, kind=OrgKind.COUNTY_DEPARTMENT, name="县公安局")
    subscription = client.post(
        reverse("api:catalogs:data-subscription-list"),
        {"resource": resource.json()["id"], "subscriber": police.pk, "purpose": "核查"},
        content_type="application/json",
    )
    assert subscription.status_code == 201, subscription.content
    decide = reverse("api:catalogs:data-subscription-decide", args=[subscription.json()["id"]])
    assert client.post(decide, {"target": "refused"}, content_type="application/json").status_code == 400
    response = client.post(decide, {"target": "approved"}, content_type="application/json")
    assert response.json()["status"] == "approved"
    figures = client.get(reverse("api:catalogs:data-resource-figures")).json()
    assert (figures["resources"], figures["on_exchange_platform"], figures["subscriptions"]) == (1, 0, 1)
    assert figures["subscribing_departments"] == 1 and figures["subscriptions_requested"] == 0
