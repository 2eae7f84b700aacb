import pytest
from django.core.exceptions import ValidationError

from catalogs import selectors, services
from catalogs.models import Category, PowerItem, validate_item_code
from catalogs.states import VersionStatus
from ruian.audit import AuditEntry
from tests.catalogs.factories import PowerItemFactory, VersionFactory


@pytest.fixture
def draft(county):
    return VersionFactory(county=county)


def _data(**extra):
    return {
        "code": "320623-XK-0001",
        "name": "农村村民宅基地审批",
        "category": Category.LICENSING,
        "legal_time_limit": 20,
        "promised_time_limit": 5,
        "materials": [{"name": "宅基地申请表", "form": "original", "copies": 1, "mandatory": True}],
        "channels": ["window", "online"],
        **extra,
    }


def test_create_item_audits(draft, editor):
    item = services.item_create(version=draft, actor=editor, data=_data())
    assert item.revision == 1
    assert AuditEntry.objects.for_object(item).filter(action="catalogs.poweritem.created").exists()


@pytest.mark.parametrize(
    "bad",
    [
        {"code": "XK-1"},
        {"code": "320623-CF-0001"},  # category in the code disagrees with the item's
        {"category": "ZZ"},
        {"materials": [{"form": "original"}]},
        {"materials": [{"name": "申请书", "copies": -1}]},
        {"channels": ["fax"]},
        {"promised_time_limit": 30},
    ],
)
def test_bad_items_are_refused(draft, editor, bad):
    with pytest.raises(ValidationError):
        services.item_create(version=draft, actor=editor, data=_data(**bad))
    assert not PowerItem.objects.exists()


def test_codes_unique_in_a_version(draft, editor):
    services.item_create(version=draft, actor=editor, data=_data())
    with pytest.raises(ValidationError):
        services.item_create(version=draft, actor=editor, data=_data(name="另一个"))


def test_code_scheme_is_a_setting(settings):
    validate_item_code("320623-01-0001-001")
    settings.CATALOG_ITEM_CODE_PATTERN = r"^RD\d{3}$"
    validate_item_code("RD001")
    with pytest.raises(ValidationError):
        validate_item_code("320623-XK-0001")


def test_second_editor_is_told_of_the_first_editors_change(draft, editor):
    item = services.item_create(version=draft, actor=editor, data=_data())
    loaded = item.revision
    services.item_update(item=item, actor=editor, expected_revision=loaded, data={"name": "第一位编辑的名称"})
    with pytest.raises(services.EditConflict) as conflict:
        services.item_update(item=item, actor=editor, expected_revision=loaded, data={"name": "第二位编辑的名称"})
    assert "已被他人修改" in str(conflict.value)
    item.refresh_from_db()
    assert item.name == "第一位编辑的名称" and item.revision == 2


def test_update_records_field_changes(draft, editor):
    item = services.item_create(version=draft, actor=editor, data=_data())
    services.item_update(item=item, actor=editor, data={"promised_time_limit": 3})
    entry = AuditEntry.objects.for_object(item).get(action="catalogs.poweritem.updated")
    assert entry.data["changes"] == {"promised_time_limit": [5, 3]}


def test_compare_versions(county, editor):
    old = VersionFactory(county=county, status=VersionStatus.PUBLISHED)
    PowerItemFactory(version=old, code="320623-CF-0001", name="甲")
    PowerItemFactory(version=old, code="320623-CF-0002", name="乙")
    PowerItemFactory(version=old, code="320623-CF-0003", name="丙")
    new = services.version_create_draft(source=old, actor=editor)
    items = {i.code: i for i in PowerItem.objects.filter(version=new)}
    services.item_delete(item=items["320623-CF-0001"], actor=editor)
    services.item_update(item=items["320623-CF-0002"], actor=editor, data={"name": "乙(修订)", "legal_time_limit": 15})
    services.item_create(version=new, actor=editor, data=_data(code="320623-XK-0009"))
    diff = selectors.compare_versions(old, new)
    assert [i.code for i in diff["added"]] == ["320623-XK-0009"]
    assert [i.code for i in diff["removed"]] == ["320623-CF-0001"]
    assert len(diff["changed"]) == 1
    assert diff["changed"][0]["changes"] == {"name": ["乙", "乙(修订)"], "legal_time_limit": [20, 15]}


def test_category_summary(county):
    version = VersionFactory(county=county)
    counts = {"XK": 4, "CF": 4, "JF": 1, "QZ": 8, "QR": 2, "CJ": 3, "QT": 79}
    rows = []
    for category, n in counts.items():
        rows += [
            PowerItem(version=version, category=category, code=f"320623-{category}-{i:04d}", name="x")
            for i in range(1, n + 1)
        ]
    PowerItem.objects.bulk_create(rows)
    parent = PowerItem.objects.get(code="320623-QT-0001")
    PowerItemFactory(version=version, code="320623-QT-0001-001", category="QT", parent=parent)
    summary = selectors.category_summary(version)
    assert {row["category"]: row["count"] for row in summary} == counts
    assert sum(row["count"] for row in summary) == 101
    assert [row["category"] for row in summary] == ["XK", "CF", "QZ", "JF", "QR", "CJ", "QT"]


def test_item_history_follows_lineage(county, editor):
    old = VersionFactory(county=county, status=VersionStatus.PUBLISHED)
    item = PowerItemFactory(version=old)
    new = services.version_create_draft(source=old, actor=editor)
    copy = PowerItem.objects.get(version=new)
    services.item_update(item=copy, actor=editor, data={"name": "新名称"})
    history = selectors.item_history(copy)
    assert [i.version_id for i in history["versions"]] == [old.pk, new.pk]
    assert history["entries"].filter(action="catalogs.poweritem.updated").count() == 1
    assert item.lineage == copy.lineage
