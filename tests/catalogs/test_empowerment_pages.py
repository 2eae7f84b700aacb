"""The editors' empowerment pages: list with the township lookup, a new batch, adjustments."""

import datetime

from django.urls import reverse

from catalogs import services
from catalogs.models import EmpowermentAdjustment, EmpowermentBatch, EmpowermentEntry
from catalogs.states import VersionStatus
from ruian.audit import AuditEntry
from tests import factories as f
from tests.catalogs.factories import PowerItemFactory, VersionFactory
from tests.conftest import login
from tests.querycount import assert_constant_queries


def _published(county, *codes):
    version = VersionFactory(county=county, status=VersionStatus.PUBLISHED)
    return [PowerItemFactory(version=version, code=code) for code in codes]


def test_editor_creates_a_batch_from_codes_and_townships(client, editor, county, home_township, other_township):
    _published(county, "320623-CF-0001", "320623-CF-0002")
    login(client, editor)
    url = reverse("catalogs:empowerment_new")
    assert client.get(url).status_code == 200
    data = {
        "county": county.pk,
        "title": "赋予镇(街道)县级行政处罚权(第一批)",
        "document_number": "苏政复〔2020〕1号",
        "approved_by": "江苏省人民政府",
        "effective_date": "2020-09-01",
        "item_codes": "320623-CF-0001\n320623-CF-0002",
        "townships": [home_township.pk, other_township.pk],
    }
    response = client.post(url, data)
    batch = EmpowermentBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "catalogs:empowerment_detail", args=[batch.pk]
    )
    assert EmpowermentEntry.objects.filter(batch=batch).count() == 4
    assert AuditEntry.objects.for_object(batch).filter(action="catalogs.empowerment.batch_created").exists()
    body = client.get(reverse("catalogs:empowerment_list")).content.decode()
    assert "赋予镇(街道)县级行政处罚权(第一批)" in body


def test_unknown_codes_and_missing_townships_are_refused_and_nothing_is_saved(client, editor, county, home_township):
    _published(county, "320623-CF-0001")
    VersionFactory(county=county)  # a draft: its items may not be delegated
    login(client, editor)
    data = {
        "county": county.pk,
        "title": "第一批",
        "document_number": "苏政复〔2020〕1号",
        "approved_by": "江苏省人民政府",
        "effective_date": "2020-09-01",
        "item_codes": "320623-CF-0001, 320623-CF-0099",
        "townships": [home_township.pk],
    }
    response = client.post(reverse("catalogs:empowerment_new"), data)
    assert response.status_code == 200
    assert "以下编码不在本县已发布的权力清单中: 320623-CF-0099" in response.content.decode()
    response = client.post(
        reverse("catalogs:empowerment_new"), {**data, "item_codes": "320623-CF-0001", "townships": []}
    )
    assert response.status_code == 200
    assert not EmpowermentBatch.objects.exists()


def test_adjustments_add_and_withdraw_with_their_own_documents(client, editor, county, home_township):
    first, second = _published(county, "320623-CF-0001", "320623-CF-0002")
    batch = services.empowerment_batch_create(
        county=county,
        title="第一批",
        document_number="苏政复〔2020〕1号",
        approved_by="江苏省人民政府",
        effective_date=datetime.date(2020, 9, 1),
        items=[first],
        townships=[home_township],
        actor=editor,
    )
    login(client, editor)
    url = reverse("catalogs:empowerment_detail", args=[batch.pk])
    common = {"item_codes": "320623-CF-0002", "townships": [home_township.pk]}
    response = client.post(
        url, {**common, "action": "grant", "document_number": "苏政复〔2021〕2号", "effective_date": "2021-01-01"}
    )
    assert response.status_code == 302
    # Withdrawing needs a reason: refused, nothing saved.
    withdraw = {**common, "action": "withdraw", "document_number": "苏政复〔2022〕3号", "effective_date": "2022-01-01"}
    response = client.post(url, withdraw)
    assert response.status_code == 200 and EmpowermentAdjustment.objects.count() == 1
    assert "收回权力必须说明理由。" in response.content.decode()
    assert client.post(url, {**withdraw, "reason": "承接不到位"}).status_code == 302
    lookup = reverse("catalogs:empowerment_list")
    held = client.get(lookup, {"township": home_township.pk, "on": "2021-06-01"}).content.decode()
    assert "320623-CF-0002" in held and "320623-CF-0001" in held
    assert '<span class="text-body-secondary">行政处罚</span>' in held  # the category's label
    held = client.get(lookup, {"township": home_township.pk, "on": "2022-06-01"}).content.decode()
    assert "320623-CF-0002" not in held and "320623-CF-0001" in held
    body = client.get(url).content.decode()
    assert "苏政复〔2021〕2号" in body and "承接不到位" in body


def test_other_counties_batches_are_not_shown_and_clerks_are_refused(client, editor, clerk, county):
    batch = EmpowermentBatch.objects.create(
        county=f.county("320621000000", "海安市"),
        title="海安第一批",
        document_number="x",
        approved_by="y",
        effective_date="2020-01-01",
    )
    login(client, editor)
    assert "海安第一批" not in client.get(reverse("catalogs:empowerment_list")).content.decode()
    assert client.get(reverse("catalogs:empowerment_detail", args=[batch.pk])).status_code == 404
    login(client, clerk)
    assert client.get(reverse("catalogs:empowerment_list")).status_code == 403


def test_batch_list_costs_a_fixed_number_of_queries(client, editor, county, home_township):
    (item,) = _published(county, "320623-CF-0001")
    login(client, editor)

    def grow(n):
        for i in range(n):
            EmpowermentBatch.objects.create(
                county=county, title=f"批次{i}", document_number=f"d{i}", approved_by="省", effective_date="2020-01-01"
            )

    assert_constant_queries(lambda: client.get(reverse("catalogs:empowerment_list")), grow, small=2, large=30)
