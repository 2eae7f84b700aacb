"""Spreadsheet import and export of grids and grid workers (django-import-export resources).

The resources define the columns and their Chinese headers; exporting uses them directly. Importing reads
the sheet with tablib, cleans every row and writes through the services in one transaction: a dry run, or
any bad row, rolls everything back, and the report lists each problem with its spreadsheet row number
(the header is row 1), like the catalogs' import.
"""

import json
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from import_export import fields, resources

from grids import services
from grids.models import DedicatedType, Employment, Grid, GridKind, GridWorker
from ruian.divisions import Division

MAX_ROWS = 20_000
KIND_BY_LABEL = {
    "综合": GridKind.COMPREHENSIVE,
    "综合网格": GridKind.COMPREHENSIVE,
    "专属": GridKind.DEDICATED,
    "专属网格": GridKind.DEDICATED,
}
DEDICATED_BY_LABEL = {str(label): value for value, label in DedicatedType.choices}
EMPLOYMENT_BY_LABEL = {"专职": Employment.FULL_TIME, "兼职": Employment.PART_TIME}


class GridResource(resources.ModelResource):
    division = fields.Field(attribute="division__code", column_name="村(社区)代码")
    code = fields.Field(attribute="code", column_name="网格编码")
    name = fields.Field(attribute="name", column_name="网格名称")
    kind = fields.Field(attribute="get_kind_display", column_name="类型")
    dedicated_type = fields.Field(attribute="get_dedicated_type_display", column_name="专属类别")
    households = fields.Field(attribute="households", column_name="户数")
    population = fields.Field(attribute="population", column_name="人口")
    boundary = fields.Field(column_name="边界GeoJSON")

    class Meta:
        model = Grid
        fields = ("division", "code", "name", "kind", "dedicated_type", "households", "population", "boundary")
        export_order = fields

    def dehydrate_boundary(self, grid):
        return json.dumps(grid.boundary, ensure_ascii=False)


class GridWorkerResource(resources.ModelResource):
    grid = fields.Field(attribute="grid__code", column_name="网格编码")
    name = fields.Field(attribute="name", column_name="姓名")
    phone = fields.Field(attribute="phone", column_name="电话")
    employment = fields.Field(attribute="get_employment_display", column_name="专兼职")

    class Meta:
        model = GridWorker
        fields = ("grid", "name", "phone", "employment")
        export_order = fields


@dataclass
class ImportReport:
    file_errors: list[str] = field(default_factory=list)
    row_errors: list[tuple[int, str]] = field(default_factory=list)  # (spreadsheet row number, message)
    created: int = 0
    updated: int = 0
    dry_run: bool = True
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.file_errors and not self.row_errors


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _count(value, label) -> int:
    text = _text(value)
    if not text:
        return 0
    if not text.isdigit():
        raise ValidationError(_("%(label)s “%(v)s” 不是非负整数。") % {"label": label, "v": text})
    return int(text)


def read_sheet(content: bytes, filename: str, resource, report: ImportReport):
    """The rows as dicts keyed by the resource's headers, or None with file errors in the report."""
    import tablib

    name = filename.lower()
    try:
        if name.endswith(".xlsx"):
            dataset = tablib.Dataset().load(content, format="xlsx")
        elif name.endswith(".csv"):
            dataset = tablib.Dataset().load(content.decode("utf-8-sig"), format="csv")
        else:
            report.file_errors.append(_("只接受 .xlsx 或 .csv 文件。"))
            return None
    except Exception as error:  # tablib and openpyxl raise many kinds for a broken file
        report.file_errors.append(_("无法读取文件: %(e)s") % {"e": type(error).__name__})
        return None
    headers = [str(h).strip() for h in (dataset.headers or [])]
    required = [h for h in _required(resource) if h not in headers]
    if required:
        report.file_errors.append(_("缺少列: %(cols)s") % {"cols": "、".join(required)})
        return None
    if len(dataset) > MAX_ROWS:
        report.file_errors.append(_("行数超过上限 %(max)s。") % {"max": MAX_ROWS})
        return None
    return [dict(zip(headers, row, strict=False)) for row in dataset]


def _required(resource) -> list[str]:
    if isinstance(resource, GridResource):
        return ["村(社区)代码", "网格名称", "边界GeoJSON"]
    return ["网格编码", "姓名", "电话"]


def _grid_row(row: dict, actor) -> bool:
    """Create or update one grid (keyed by community code + name); True when it was created."""
    code = _text(row.get("村(社区)代码"))
    division = Division.objects.filter(code=code).first()
    if division is None:
        raise ValidationError(_("村(社区)代码 %(code)s 不存在。") % {"code": code})
    kind_label = _text(row.get("类型")) or "综合"
    if kind_label not in KIND_BY_LABEL:
        raise ValidationError(_("类型应为“综合”或“专属”,收到“%(v)s”。") % {"v": kind_label})
    dedicated_label = _text(row.get("专属类别"))
    if dedicated_label and dedicated_label not in DEDICATED_BY_LABEL:
        raise ValidationError(_("专属类别“%(v)s”无效。") % {"v": dedicated_label})
    try:
        boundary = json.loads(_text(row.get("边界GeoJSON")))
    except ValueError:
        raise ValidationError(_("边界GeoJSON 不是有效的 JSON。")) from None
    values = {
        "name": _text(row.get("网格名称")),
        "kind": KIND_BY_LABEL[kind_label],
        "dedicated_type": DEDICATED_BY_LABEL.get(dedicated_label, ""),
        "households": _count(row.get("户数"), _("户数")),
        "population": _count(row.get("人口"), _("人口")),
    }
    if not values["name"]:
        raise ValidationError(_("网格名称不能为空。"))
    existing = Grid.objects.filter(division=division, name=values["name"]).first()
    if existing is not None:
        services.update_grid(grid=existing, actor=actor, boundary=boundary, **values)
        return False
    services.create_grid(division=division, boundary=boundary, actor=actor, **values)
    return True


def _worker_row(row: dict, actor) -> bool:
    code = _text(row.get("网格编码"))
    grid = Grid.objects.filter(code=code, is_active=True).first()
    if grid is None:
        raise ValidationError(_("网格编码 %(code)s 不存在或已撤销。") % {"code": code})
    employment = _text(row.get("专兼职")) or "专职"
    if employment not in EMPLOYMENT_BY_LABEL:
        raise ValidationError(_("专兼职应为“专职”或“兼职”。"))
    name, phone = _text(row.get("姓名")), _text(row.get("电话"))
    if not name or not phone:
        raise ValidationError(_("姓名和电话不能为空。"))
    existed = GridWorker.objects.filter(grid=grid, name=name, phone=phone).exists()
    services.add_grid_worker(grid=grid, name=name, phone=phone, employment=EMPLOYMENT_BY_LABEL[employment], actor=actor)
    return not existed


IMPORTERS = {"grids": (GridResource, _grid_row), "workers": (GridWorkerResource, _worker_row)}


def import_sheet(*, kind: str, content: bytes, filename: str, actor, dry_run: bool = True) -> ImportReport:
    """Import grids or workers: all rows or none; a dry run checks everything and writes nothing."""
    resource_class, write_row = IMPORTERS[kind]
    report = ImportReport(dry_run=dry_run)
    rows = read_sheet(content, filename, resource_class(), report)
    if rows is None:
        return report
    with transaction.atomic():
        for number, row in enumerate(rows, start=2):
            try:
                # A savepoint per row: one bad row is reported and the others are still checked.
                with transaction.atomic():
                    if write_row(row, actor):
                        report.created += 1
                    else:
                        report.updated += 1
            except ValidationError as error:
                report.row_errors.append((number, "; ".join(error.messages)))
            except PermissionDenied as error:
                report.row_errors.append((number, str(error)))
        if dry_run or not report.ok:
            transaction.set_rollback(True)
        else:
            report.written = True
    return report
