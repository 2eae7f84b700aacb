"""Reading catalog spreadsheets (xlsx or csv) into rows, with a report of everything wrong.

Nothing here writes to the database: `services.items_import` takes the parsed rows, checks them against the
version, and writes all or nothing. Problems are collected, not raised one by one, so an editor sees every
bad row (with its spreadsheet row number and the reason) in one dry run.
"""

import csv
import io
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from catalogs.resources import RESOURCES

MAX_BYTES = getattr(settings, "CATALOG_IMPORT_MAX_BYTES", 10 * 1024 * 1024)
MAX_ROWS = getattr(settings, "CATALOG_IMPORT_MAX_ROWS", 50_000)


@dataclass
class ImportReport:
    file_errors: list[str] = field(default_factory=list)
    # (spreadsheet row number, column header, message)
    row_errors: list[tuple[int, str, str]] = field(default_factory=list)
    total: int = 0
    added: list[str] = field(default_factory=list)
    changed: list[tuple[str, list[str]]] = field(default_factory=list)
    unchanged: int = 0
    written: bool = False
    dry_run: bool = True

    @property
    def ok(self) -> bool:
        return not self.file_errors and not self.row_errors

    @classmethod
    def from_dict(cls, data: dict) -> "ImportReport":
        return cls(
            file_errors=list(data.get("file_errors", [])),
            row_errors=[(e["row"], e["column"], e["message"]) for e in data.get("row_errors", [])],
            total=data.get("total", 0),
            added=list(data.get("added", [])),
            changed=[(c["code"], c["fields"]) for c in data.get("changed", [])],
            unchanged=data.get("unchanged", 0),
            written=data.get("written", False),
            dry_run=data.get("dry_run", True),
        )

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "written": self.written,
            "dry_run": self.dry_run,
            "total": self.total,
            "added": self.added,
            "changed": [{"code": code, "fields": fields} for code, fields in self.changed],
            "unchanged": self.unchanged,
            "file_errors": self.file_errors,
            "row_errors": [{"row": r, "column": c, "message": m} for r, c, m in self.row_errors],
        }


@dataclass
class ParsedRow:
    number: int  # the row number the editor sees in the spreadsheet (the header is row 1)
    data: dict
    # Fields whose cell could not be read: already reported once, not to be reported again as missing.
    unreadable: frozenset = frozenset()


def read_table(content: bytes, filename: str, report: ImportReport) -> list[list] | None:
    """The sheet's cells as rows of values (header first), or None with file errors in the report."""
    if len(content) > MAX_BYTES:
        report.file_errors.append(
            _("文件过大(%(size)s MB),上限为 %(max)s MB。")
            % {"size": round(len(content) / 1048576, 1), "max": MAX_BYTES // 1048576}
        )
        return None
    if not content:
        report.file_errors.append(_("文件是空的。"))
        return None
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _read_xlsx(content, report)
    if name.endswith(".csv"):
        return _read_csv(content, report)
    report.file_errors.append(_("只接受 .xlsx 或 .csv 文件。"))
    return None


def _read_xlsx(content: bytes, report: ImportReport):
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - openpyxl is in requirements
        report.file_errors.append(_("服务器未安装 openpyxl,无法读取 xlsx 文件,请改用 csv。"))
        return None
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as error:
        report.file_errors.append(_("不是有效的 Excel(xlsx)文件: %(e)s") % {"e": type(error).__name__})
        return None
    except Exception as error:  # openpyxl raises its own InvalidFileException and friends
        report.file_errors.append(_("无法读取该 Excel 文件: %(e)s") % {"e": type(error).__name__})
        return None
    sheet = workbook.worksheets[0]
    rows = []
    # With data_only=False a formula cell's value is its formula text, so values_only still shows formulas.
    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        values = list(row)
        for index, value in enumerate(values):
            if isinstance(value, str) and value.startswith("="):
                # Formulas are refused: their cached value may be stale and they may run on the next opening.
                report.row_errors.append((number, _column_name(index), _("单元格含公式,请改为数值或文本。")))
                values[index] = ""
        rows.append(values)
        if number > MAX_ROWS + 1:
            report.file_errors.append(_("行数超过上限 %(max)s。") % {"max": MAX_ROWS})
            return None
    workbook.close()
    return rows


def _column_name(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _read_csv(content: bytes, report: ImportReport):
    if b"\x00" in content[:65536]:
        report.file_errors.append(_("文件含有二进制内容,不是文本 csv(如是 Excel 文件请用 .xlsx)。"))
        return None
    text = None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        report.file_errors.append(_("无法识别文件编码,请保存为 UTF-8 或 GBK 编码的 csv。"))
        return None
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as error:
        report.file_errors.append(_("csv 格式错误: %(e)s") % {"e": error})
        return None
    if len(rows) > MAX_ROWS + 1:
        report.file_errors.append(_("行数超过上限 %(max)s。") % {"max": MAX_ROWS})
        return None
    for number, row in enumerate(rows[1:], start=2):
        for index, value in enumerate(row):
            if value.startswith("="):
                report.row_errors.append((number, str(index + 1), _("单元格以“=”开头,疑似公式,请去掉。")))
    return rows


def parse_rows(kind: str, table: list[list], report: ImportReport) -> list[ParsedRow]:
    """Map the header to the resource's columns and clean every cell with its widget."""
    resource = RESOURCES[kind]()
    columns = {f.column_name: (name, f) for name, f in resource.fields.items()}
    header = [str(h).strip() if h is not None else "" for h in (table[0] if table else [])]
    missing = [c for c in resource.REQUIRED_COLUMNS if c not in header]
    if missing:
        report.file_errors.append(
            _("缺少必需的列: %(cols)s。第一行应为列名,可先导出一份作为模板。") % {"cols": "、".join(missing)}
        )
        return []
    unknown = [h for h in header if h and h not in columns]
    if unknown:
        report.file_errors.append(_("无法识别的列: %(cols)s。") % {"cols": "、".join(unknown)})
        return []
    duplicates = sorted({h for h in header if h and header.count(h) > 1})
    if duplicates:
        report.file_errors.append(_("列名重复: %(cols)s。") % {"cols": "、".join(duplicates)})
        return []
    parsed, seen = [], {}
    for number, cells in enumerate(table[1:], start=2):
        if all(v is None or str(v).strip() == "" for v in cells):
            continue
        if len(cells) > len(header) and any(str(v).strip() for v in cells[len(header) :] if v is not None):
            report.row_errors.append((number, "", _("该行的单元格多于列名。")))
        row = {h: (cells[i] if i < len(cells) else None) for i, h in enumerate(header) if h}
        data, unreadable = {}, set()
        for column, value in row.items():
            name, resource_field = columns[column]
            try:
                data[name] = resource_field.widget.clean(value, row=row)
            except ValueError as error:
                report.row_errors.append((number, column, str(error)))
                unreadable.add(resource_field.attribute)
        code = data.get("code")
        if not code:
            report.row_errors.append((number, "事项编码", _("事项编码不能为空。")))
        elif code in seen:
            report.row_errors.append(
                (number, "事项编码", _("编码 %(code)s 与第 %(row)s 行重复。") % {"code": code, "row": seen[code]})
            )
        else:
            seen[code] = number
        if not data.get("name"):
            report.row_errors.append((number, "事项名称", _("事项名称不能为空。")))
        parsed.append(ParsedRow(number, data, frozenset(unreadable)))
    report.total = len(parsed)
    if not parsed and not report.row_errors:
        report.file_errors.append(_("文件中没有数据行。"))
    return parsed


def export_dataset(version):
    """The version's items as a tablib Dataset with the import columns (it imports back unchanged).

    The columns and cell formats are the resource's; the rows are read here as plain values in one query
    (parent code and township codes aggregated in SQL), because Resource.export pages through model
    instances with OFFSET and costs seconds per thousand rows.
    """
    import tablib
    from django.contrib.postgres.aggregates import ArrayAgg
    from django.db.models import F, Q

    from catalogs.models import ITEM_MODELS, PowerItem

    model = ITEM_MODELS[version.kind]
    columns = [(f.attribute, f) for f in RESOURCES[version.kind]().fields.values()]
    qs = model.objects.filter(version=version).order_by("code", "id")
    plain = [attribute for attribute, _f in columns if attribute not in ("parent_code", "township_codes")]
    if model is PowerItem:
        qs = qs.annotate(
            parent_code_value=F("parent__code"),
            township_codes_value=ArrayAgg(
                "townships__code", filter=Q(townships__isnull=False), order_by="townships__code", default=[]
            ),
        )
    dataset = tablib.Dataset(headers=[f.column_name for _a, f in columns])
    for values in qs.values(*plain, *(["parent_code_value", "township_codes_value"] if model is PowerItem else [])):
        values["parent_code"] = values.pop("parent_code_value", None) or ""
        values["township_codes"] = values.pop("township_codes_value", [])
        dataset.append([f.widget.render(values[attribute]) for attribute, f in columns])
    return dataset


def import_file(*, version, content: bytes, filename: str, actor, dry_run: bool, progress=None) -> ImportReport:
    """Read, parse and (unless dry run or anything is wrong) import a spreadsheet into a draft.

    `progress(percent)` is called between the stages (a background job shows it as a progress bar).
    """
    from catalogs import services

    progress = progress or (lambda percent: None)
    report = ImportReport(dry_run=dry_run)
    table = read_table(content, filename, report)
    if table is None:
        return report
    progress(30)
    rows = parse_rows(version.kind, table, report)
    if report.file_errors:
        return report
    progress(60)
    return services.items_import(
        version=version, rows=rows, report=report, actor=actor, dry_run=dry_run, filename=filename
    )


def dataset_bytes(dataset, file_format: str) -> bytes:
    if file_format == "xlsx":
        # openpyxl's write-only mode streams rows; tablib's own xlsx export is ten times slower.
        import openpyxl

        workbook = openpyxl.Workbook(write_only=True)
        sheet = workbook.create_sheet()
        sheet.append(dataset.headers)
        for row in dataset:
            sheet.append(list(row))
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()
    # UTF-8 with a byte-order mark, so that Excel on Chinese Windows opens it without garbling.
    return ("\ufeff" + dataset.export("csv")).encode("utf-8")
