import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from grids.models import Grid, GridWorker
from grids.resources import import_sheet
from ruian.audit import AuditEntry
from tests.conftest import login
from tests.grids.factories import square

pytestmark = pytest.mark.django_db

GRID_HEADER = ["村(社区)代码", "网格名称", "类型", "专属类别", "户数", "人口", "边界GeoJSON"]


def sheet(header, rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def grid_row(name, lng=121.18, code="320623100201", **extra):
    row = {"村(社区)代码": code, "网格名称": name, "类型": "综合", "专属类别": "", "户数": "320", "人口": "900"}
    row.update(extra)
    row["边界GeoJSON"] = json.dumps(square(lng, 32.31))
    return [row[h] for h in GRID_HEADER]


def test_dry_run_checks_and_writes_nothing(home_village, operator):
    content = sheet(GRID_HEADER, [grid_row("一格"), grid_row("二格", lng=121.19)])
    report = import_sheet(kind="grids", content=content, filename="g.csv", actor=operator, dry_run=True)
    assert report.ok and report.created == 2 and not report.written
    assert not Grid.objects.exists()
    report = import_sheet(kind="grids", content=content, filename="g.csv", actor=operator, dry_run=False)
    assert report.written
    assert list(Grid.objects.order_by("code").values_list("code", flat=True)) == ["320623100201001", "320623100201002"]
    assert AuditEntry.objects.filter(action="grids.grid.created").count() == 2
    again = import_sheet(kind="grids", content=content, filename="g.csv", actor=operator, dry_run=False)
    assert again.updated == 2 and Grid.objects.count() == 2


def test_errors_have_row_numbers_and_nothing_is_written(home_village, operator):
    content = sheet(
        GRID_HEADER,
        [
            grid_row("好"),
            grid_row("坏区划", code="320623999201"),
            grid_row("坏户数", 户数="很多"),
            grid_row("坏类型", 类型="其他"),
        ],
    )
    report = import_sheet(kind="grids", content=content, filename="g.csv", actor=operator, dry_run=False)
    assert [row for row, _message in report.row_errors] == [3, 4, 5]
    assert not report.written
    assert not Grid.objects.exists()


def test_missing_columns_and_bad_files(operator):
    report = import_sheet(kind="grids", content=sheet(["名称"], [["x"]]), filename="g.csv", actor=operator)
    assert report.file_errors and "边界GeoJSON" in report.file_errors[0]
    report = import_sheet(kind="grids", content=b"PK\x03\x04junk", filename="g.xlsx", actor=operator)
    assert report.file_errors
    assert import_sheet(kind="grids", content=b"x", filename="g.pdf", actor=operator).file_errors


def test_workers_import(grid, operator):
    content = sheet(
        ["网格编码", "姓名", "电话", "专兼职"], [[grid.code, "张三", "13900000001", "兼职"], ["0", "李四", "1", ""]]
    )
    report = import_sheet(kind="workers", content=content, filename="w.csv", actor=operator, dry_run=False)
    assert report.row_errors == [(3, report.row_errors[0][1])]
    assert not GridWorker.objects.exists()


def test_other_townships_operator_cannot_import_into_my_village(home_village, other_township):
    from ruian.organisations import OrgKind
    from ruian.staff import Role
    from tests import factories as f

    centre = f.OrganisationFactory(division=other_township, kind=OrgKind.COMMAND_CENTRE, name="大豫镇综合指挥中心")
    stranger = f.staff_user("other_operator", Role.OPERATOR, centre)
    report = import_sheet(
        kind="grids", content=sheet(GRID_HEADER, [grid_row("一格")]), filename="g.csv", actor=stranger, dry_run=False
    )
    assert report.row_errors and not Grid.objects.exists()


def test_import_and_export_pages(client, operator, home_village, grid):
    login(client, operator)
    upload = SimpleUploadedFile("g.csv", sheet(GRID_HEADER, [grid_row("新格", lng=121.2)]))
    page = client.post(reverse("grids:import"), {"kind": "grids", "file": upload, "dry_run": "on"})
    assert "试导入通过" in page.content.decode()
    assert Grid.objects.count() == 1
    export = client.get(reverse("grids:export", args=["grids"]))
    assert export.status_code == 200 and export.content.startswith(b"PK")
