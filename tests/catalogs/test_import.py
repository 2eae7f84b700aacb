import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from catalogs import imports
from catalogs.imports import dataset_bytes, export_dataset, import_file
from catalogs.models import PowerItem
from catalogs.states import VersionStatus
from ruian.audit import AuditEntry
from tests.catalogs.factories import PowerItemFactory, ServiceItemFactory, TerritorialMatterFactory, VersionFactory

HEADER = "事项编码,事项名称,类别,法定时限,承诺时限,申请材料\n"


@pytest.fixture
def draft(county, home_township):
    version = VersionFactory(county=county)
    parent = PowerItemFactory(version=version, code="320623-CF-0001", name="甲")
    child = PowerItemFactory(version=version, code="320623-CF-0001-001", name="甲子项", parent=parent)
    child.townships.set([home_township])
    PowerItemFactory(version=version, code="320623-XK-0001", category="XK", name="=SUM(A1)乙")
    return version


def _csv(text: str) -> bytes:
    return text.encode("utf-8")


def _messages(report):
    return [(row, column, message) for row, column, message in report.row_errors]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_export_imports_back_unchanged(draft, editor, file_format):
    content = dataset_bytes(export_dataset(draft), file_format)
    report = import_file(version=draft, content=content, filename=f"x.{file_format}", actor=editor, dry_run=False)
    assert report.ok, (report.file_errors, report.row_errors)
    assert (report.added, report.changed, report.unchanged) == ([], [], 3)
    assert not AuditEntry.objects.filter(action="catalogs.poweritem.imported").exists()


def test_dry_run_lists_changes_and_writes_nothing(draft, editor):
    content = _csv(
        HEADER
        + "320623-CF-0001,甲(修订),行政处罚,20,10,申请书|原件|1|必需\n"
        + "320623-QZ-0001,新强制事项,03,,,申请书|原件|1|必需\n"
    )
    report = import_file(version=draft, content=content, filename="x.csv", actor=editor, dry_run=True)
    assert report.ok and report.added == ["320623-QZ-0001"]
    assert report.changed == [("320623-CF-0001", ["name"])]
    assert not PowerItem.objects.filter(code="320623-QZ-0001").exists()
    assert PowerItem.objects.get(version=draft, code="320623-CF-0001").name == "甲"

    report = import_file(version=draft, content=content, filename="x.csv", actor=editor, dry_run=False)
    assert report.written
    item = PowerItem.objects.get(version=draft, code="320623-CF-0001")
    assert item.name == "甲(修订)" and item.revision == 2
    added = PowerItem.objects.get(code="320623-QZ-0001")
    assert added.category == "QZ" and added.materials[0]["name"] == "申请书"
    assert AuditEntry.objects.filter(action="catalogs.poweritem.imported").count() == 2
    assert AuditEntry.objects.for_object(draft).filter(action="catalogs.version.imported").exists()


def test_every_bad_row_is_reported_and_nothing_is_written(draft, editor):
    content = _csv(
        HEADER
        + "320623-QZ-0001,好的一行,行政强制,,,\n"
        + "320623-QZ-0002,类别不对,行政审批,,,\n"
        + "320623-QZ-0001,编码重复,行政强制,,,\n"
        + "320623-QZ-0003,时限不对,行政强制,二十,,\n"
        + "320623-QZ-0004,承诺长于法定,行政强制,5,10,\n"
        + "bad-code,编码格式,行政强制,,,\n"
        + "320623-QZ-0005,材料不对,行政强制,,,申请书|传真件|1|必需\n"
        + '320623-QZ-0006,=HYPERLINK("x"),行政强制,,,\n'
    )
    report = import_file(version=draft, content=content, filename="x.csv", actor=editor, dry_run=False)
    assert not report.ok and not report.written
    rows = {row for row, _c, _m in report.row_errors}
    assert rows == {3, 4, 5, 6, 7, 8, 9}
    messages = " ".join(m for _r, _c, m in report.row_errors)
    assert "未知类别" in messages and "与第 2 行重复" in messages and "不是整数" in messages
    assert "承诺时限不能长于法定时限" in messages and "格式不对" in messages and "疑似公式" in messages
    assert not PowerItem.objects.filter(code__startswith="320623-QZ").exists()
    # A cell that cannot be read is reported once, not again as an empty required field.
    (only,) = [(c, m) for r, c, m in report.row_errors if r == 3]
    assert only[0] == "类别" and "未知类别" in only[1]


@pytest.mark.parametrize(
    "content,filename,expected",
    [
        (_csv("编码,名称\n1,2\n"), "x.csv", "缺少必需的列"),
        ("事项编码,事项名称,类别\n320623-QZ-0001,强制,行政强制\n".encode("utf-16"), "x.csv", "二进制"),
        (bytes([0xFF, 0xFE, 0xFA, 0x80, 0x81]) * 10, "x.csv", "编码"),
        (b"PK\x03\x04 this is no workbook", "x.xlsx", "Excel"),
        (b"hello", "x.pdf", ".xlsx"),
        (b"", "x.csv", "空"),
        (_csv(HEADER), "x.csv", "没有数据行"),
        (_csv("事项编码,事项名称,类别,颜色\n"), "x.csv", "无法识别的列"),
    ],
)
def test_bad_files_are_refused_with_a_clear_message(draft, editor, content, filename, expected):
    before = PowerItem.objects.count()
    report = import_file(version=draft, content=content, filename=filename, actor=editor, dry_run=False)
    assert not report.ok
    assert expected in " ".join(report.file_errors), report.file_errors
    assert PowerItem.objects.count() == before


def test_oversize_junk_is_refused_before_reading(draft, editor, monkeypatch):
    monkeypatch.setattr(imports, "MAX_BYTES", 1024 * 1024)
    report = import_file(
        version=draft, content=b"\x01" * (2 * 1024 * 1024), filename="x.xlsx", actor=editor, dry_run=True
    )
    assert "文件过大" in report.file_errors[0]


def test_gbk_csv_is_read(draft, editor):
    content = (HEADER + "320623-QZ-0001,对违法建筑的强制拆除,行政强制,,,\n").encode("gbk")
    report = import_file(version=draft, content=content, filename="x.csv", actor=editor, dry_run=True)
    assert report.ok and report.added == ["320623-QZ-0001"]


def test_formula_cells_in_xlsx_are_refused(draft, editor):
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["事项编码", "事项名称", "类别", "法定时限"])
    sheet.append(["320623-QZ-0001", "强制", "行政强制", "=10+10"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = import_file(version=draft, content=buffer.getvalue(), filename="x.xlsx", actor=editor, dry_run=False)
    assert not report.ok and (2, "D", "单元格含公式,请改为数值或文本。") in _messages(report)
    assert not PowerItem.objects.filter(code="320623-QZ-0001").exists()


def test_unknown_township_and_parent(draft, editor):
    content = _csv(
        "事项编码,事项名称,类别,上级事项编码,适用乡镇(街道)代码\n320623-QZ-0001,强制,行政强制,320623-QZ-9999,320621100000\n"
    )
    report = import_file(version=draft, content=content, filename="x.csv", actor=editor, dry_run=True)
    messages = " ".join(m for _r, _c, m in report.row_errors)
    assert "不在文件或本目录中" in messages and "不是本县的乡镇" in messages


def test_published_version_and_clerks_are_refused(county, draft, editor, clerk):
    content = dataset_bytes(export_dataset(draft), "csv")
    with pytest.raises(PermissionDenied):
        import_file(version=draft, content=content, filename="x.csv", actor=clerk, dry_run=True)
    published = VersionFactory(county=county, status=VersionStatus.PUBLISHED)
    with pytest.raises(ValidationError):
        import_file(version=published, content=content, filename="x.csv", actor=editor, dry_run=True)


@pytest.mark.parametrize(
    "kind,factory", [("territorial", TerritorialMatterFactory), ("public_service", ServiceItemFactory)]
)
def test_other_kinds_round_trip(county, editor, kind, factory):
    version = VersionFactory(county=county, kind=kind)
    factory(version=version)
    factory(version=version)
    content = dataset_bytes(export_dataset(version), "xlsx")
    report = import_file(version=version, content=content, filename="x.xlsx", actor=editor, dry_run=False)
    assert report.ok and report.unchanged == 2, report.row_errors


def test_new_items_with_new_parents_townships_and_awkward_text_are_written_whole(draft, editor, home_township):
    """New rows go in with COPY under reserved ids: a new sub-item points at a new parent, township links
    and each item's history entry are written, and tabs, newlines and backslashes survive."""
    header = "事项编码,事项名称,类别,上级事项编码,设定依据,责任事项,适用乡镇(街道)代码\n"
    content = _csv(
        header
        + '320623-QZ-0001,新强制,行政强制,,"《条例》\t第\\3条\n第二款","受理责任\n审查责任",\n'
        + f"320623-QZ-0001-001,新强制子项,行政强制,320623-QZ-0001,,,{home_township.code}\n"
        + "320623-CF-0001-001,甲子项(改挂),行政处罚,320623-QZ-0001,,,\n"
    )
    report = import_file(version=draft, content=content, filename="x.csv", actor=editor, dry_run=False)
    assert report.written, report.row_errors
    parent = PowerItem.objects.get(version=draft, code="320623-QZ-0001")
    assert parent.legal_basis == "《条例》\t第\\3条\n第二款" and parent.responsibility_items == ["受理责任", "审查责任"]
    child = PowerItem.objects.get(version=draft, code="320623-QZ-0001-001")
    assert child.parent_id == parent.pk and list(child.townships.all()) == [home_township]
    moved = PowerItem.objects.get(version=draft, code="320623-CF-0001-001")
    assert moved.parent_id == parent.pk and moved.revision == 2
    assert AuditEntry.objects.for_object(child).filter(action="catalogs.poweritem.imported").exists()
    # The new rows took ids from the sequence: the next ordinary insert does not collide with them.
    assert PowerItemFactory(version=draft).pk > max(parent.pk, child.pk)


def test_changed_items_are_updated_in_place_with_revision_and_history(draft, editor):
    """Changed rows are written with one COPY and one UPDATE ... FROM: values, revision and time change."""
    item = PowerItem.objects.get(version=draft, code="320623-CF-0001")
    before = item.updated_at
    header = "事项编码,事项名称,类别,设定依据,法定时限\n"
    content = _csv(header + '320623-CF-0001,甲,行政处罚,"第一条\t第\\二款\n附则",30\n')
    report = import_file(version=draft, content=content, filename="x.csv", actor=editor, dry_run=False)
    assert report.written and report.changed == [("320623-CF-0001", ["legal_basis", "legal_time_limit"])]
    item.refresh_from_db()
    assert item.legal_basis == "第一条\t第\\二款\n附则" and item.legal_time_limit == 30
    assert item.revision == 2 and item.updated_at > before and item.parent_id is None
    entry = AuditEntry.objects.for_object(item).get(action="catalogs.poweritem.imported")
    assert entry.data["changed"] == ["legal_basis", "legal_time_limit"]
