from django.urls import reverse

from catalogs import services
from catalogs.models import PowerItem
from catalogs.states import AdmissionStatus, VersionStatus
from tests.catalogs.factories import PowerItemFactory, ServiceItemFactory, VersionFactory
from tests.conftest import login


def test_editor_home_needs_an_editor(client, clerk, editor, county):
    url = reverse("catalogs:editor_home")
    assert client.get(url).status_code == 302
    login(client, clerk)
    assert client.get(url).status_code == 403
    VersionFactory(county=county, title="如东县清单草稿")
    login(client, editor)
    response = client.get(url)
    assert response.status_code == 200
    assert "如东县清单草稿" in response.content.decode()


def test_version_page_searches_and_summarises(client, editor, county):
    version = VersionFactory(county=county)
    PowerItemFactory(version=version, name="宅基地审批", code="320623-XK-0001", category="XK")
    PowerItemFactory(version=version, name="违法建设处罚", code="320623-CF-0001")
    login(client, editor)
    url = reverse("catalogs:version_detail", args=[version.pk])
    body = client.get(url, {"q": "宅基地"}).content.decode()
    assert "宅基地审批" in body and "违法建设处罚" not in body
    body = client.get(url, {"category": "CF"}).content.decode()
    assert "违法建设处罚" in body and "宅基地审批" not in body
    assert 'data-testid="summary-total">2<' in client.get(url).content.decode()


def _form_data(item, **extra):
    data = {
        "code": item.code,
        "name": item.name,
        "category": item.category,
        "time_limit_unit": "working_days",
        "materials": "申请书|原件|1|必需\n身份证|复印件|1|非必需",
        "channels": ["window"],
        "is_active": "on",
        "revision": item.revision,
    }
    data.update(extra)
    return data


def test_edit_item_and_conflict(client, editor, county):
    version = VersionFactory(county=county)
    item = PowerItemFactory(version=version)
    login(client, editor)
    url = reverse("catalogs:item_edit", args=[version.pk, item.pk])
    assert client.get(url).status_code == 200
    stale = _form_data(item)
    response = client.post(url, _form_data(item, name="第一位编辑"))
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.name == "第一位编辑" and item.materials[1] == {
        "name": "身份证",
        "form": "copy",
        "copies": 1,
        "mandatory": False,
    }
    stale["name"] = "第二位编辑"
    response = client.post(url, stale)
    assert response.status_code == 200
    assert "已被他人修改" in response.content.decode()
    item.refresh_from_db()
    assert item.name == "第一位编辑"


def test_bad_material_line_is_a_form_error(client, editor, county):
    version = VersionFactory(county=county)
    item = PowerItemFactory(version=version)
    login(client, editor)
    url = reverse("catalogs:item_edit", args=[version.pk, item.pk])
    response = client.post(url, _form_data(item, materials="申请书|传真件|1|必需"))
    assert response.status_code == 200
    assert "第 1 行" in response.content.decode()


def test_create_item_with_bad_code_shows_error(client, editor, county):
    version = VersionFactory(county=county)
    login(client, editor)
    url = reverse("catalogs:item_new", args=[version.pk])
    item = PowerItem(code="bad", name="x", category="CF", revision=1)
    response = client.post(url, _form_data(item))
    assert response.status_code == 200
    assert "格式不对" in response.content.decode()
    assert not PowerItem.objects.exists()


def test_published_version_cannot_be_edited_from_pages(client, editor, county):
    version = VersionFactory(county=county, status=VersionStatus.PUBLISHED)
    item = PowerItemFactory(version=version)
    login(client, editor)
    url = reverse("catalogs:item_edit", args=[version.pk, item.pk])
    response = client.post(url, _form_data(item, name="改"))
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.name != "改"


def test_publish_and_compare_pages(client, editor, county):
    old = VersionFactory(county=county, status=VersionStatus.PUBLISHED)
    PowerItemFactory(version=old, code="320623-CF-0001")
    login(client, editor)
    response = client.post(reverse("catalogs:version_new_draft", args=[old.pk]))
    draft = old.drafts.get()
    assert response.url == reverse("catalogs:version_detail", args=[draft.pk])
    PowerItemFactory(version=draft, code="320623-CF-0002")
    body = client.get(reverse("catalogs:version_compare", args=[draft.pk]), {"with": old.pk}).content.decode()
    assert 'data-testid="added-count">1<' in body
    edit = reverse("catalogs:version_edit", args=[draft.pk])
    response = client.post(edit, {"title": "2022版", "effective_date": "2022-01-01", "revision": 1})
    assert response.status_code == 302
    stale = client.post(edit, {"title": "覆盖", "effective_date": "2022-01-01", "revision": 1})
    assert "已被他人修改" in stale.content.decode()
    transition = reverse("catalogs:version_transition", args=[draft.pk])
    client.post(transition, {"target": "in_review"})
    client.post(transition, {"target": "published"})
    draft.refresh_from_db()
    old.refresh_from_db()
    assert draft.status == VersionStatus.PUBLISHED and old.status == VersionStatus.SUPERSEDED


def test_public_pages_without_login(client, county):
    published = VersionFactory(county=county, kind="public_service", status=VersionStatus.PUBLISHED)
    guide = ServiceItemFactory(version=published, name="城乡居民养老保险参保登记")
    draft = VersionFactory(county=county, kind="public_service")
    hidden = ServiceItemFactory(version=draft)
    assert published.title in client.get(reverse("catalogs:public_catalogs")).content.decode()
    assert client.get(reverse("catalogs:public_version", args=[published.pk])).status_code == 200
    assert client.get(reverse("catalogs:public_version", args=[draft.pk])).status_code == 404
    response = client.get(reverse("catalogs:service_guide", args=[guide.pk]))
    assert response.status_code == 200 and "城乡居民养老保险参保登记" in response.content.decode()
    assert client.get(reverse("catalogs:service_guide", args=[hidden.pk])).status_code == 404


def test_admission_review_page(client, editor, county_office):
    admission = services.admission_apply(
        department=county_office, actor=editor, matter="秸秆禁烧巡查", description="巡查", reasons="属地"
    )
    login(client, editor)
    assert "秸秆禁烧巡查" in client.get(reverse("catalogs:admissions")).content.decode()
    url = reverse("catalogs:admission_review", args=[admission.pk])
    client.post(url, {"approve": "0", "opinion": ""})
    admission.refresh_from_db()
    assert admission.status == AdmissionStatus.APPLIED
    client.post(url, {"approve": "0", "opinion": "不属于镇街职责"})
    admission.refresh_from_db()
    assert admission.status == AdmissionStatus.REFUSED


def test_import_page_check_fix_import(client, editor, county):
    from django.core.files.uploadedfile import SimpleUploadedFile

    version = VersionFactory(county=county)
    login(client, editor)
    url = reverse("catalogs:version_import", args=[version.pk])
    assert client.get(url).status_code == 200
    bad = "事项编码,事项名称,类别\n320623-QZ-0001,强制拆除,行政强制\n320623-QZ-0002,查封,行政审批\n".encode()
    response = client.post(url, {"file": SimpleUploadedFile("list.csv", bad), "import": "1"})
    body = response.content.decode()
    assert response.status_code == 200 and "未知类别" in body and "<td>3</td>" in body
    assert not PowerItem.objects.filter(version=version).exists()
    good = bad.replace("行政审批".encode(), "行政强制".encode())
    response = client.post(url, {"file": SimpleUploadedFile("list.csv", good), "check": "1"})
    assert "检查通过" in response.content.decode()
    assert not PowerItem.objects.filter(version=version).exists()
    response = client.post(url, {"file": SimpleUploadedFile("list.csv", good), "import": "1"})
    assert response.status_code == 302
    assert PowerItem.objects.filter(version=version).count() == 2


def test_export_downloads(client, editor, county):
    version = VersionFactory(county=county, status=VersionStatus.PUBLISHED)
    PowerItemFactory(version=version)
    response = client.get(reverse("catalogs:public_export", args=[version.pk, "xlsx"]))
    assert response.status_code == 200 and response.content[:2] == b"PK"
    assert client.get(reverse("catalogs:public_export", args=[version.pk, "pdf"])).status_code == 404
    login(client, editor)
    response = client.get(reverse("catalogs:version_export", args=[version.pk, "csv"]))
    assert response.content.decode("utf-8-sig").startswith("事项编码,事项名称,类别")


def test_public_and_editor_pages_cost_a_fixed_number_of_queries(client, editor, county):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    version = VersionFactory(county=county, status=VersionStatus.PUBLISHED)
    urls = [
        reverse("catalogs:public_version", args=[version.pk]),
        reverse("catalogs:version_detail", args=[version.pk]),
    ]

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    login(client, editor)
    for _ in range(10):
        PowerItemFactory(version=version)
    [count(url) for url in urls]  # warm the content-type cache guardian uses
    small = [count(url) for url in urls]
    for _ in range(90):
        PowerItemFactory(version=version)
    assert [count(url) for url in urls] == small
