"""Catalogs at scale: a published township power list for every county, empowerment, spreadsheet imports.

`generate` puts into `ctx.catalog` (a dict), for the approvals' and enforcement's generators:

    versions     {county id: the county's published power list (CatalogVersion, kind "power")}
    items        {county id: {"XK": [PowerItem, ...], "CF": [PowerItem, ...]}}: licensing and penalty items
                 of that list; they list no townships, so they apply to every township of the county
    big_county   the county whose list holds `scale["catalog_items"]` items
    big_version  that county's published list
    township     a township of the big county holding empowered powers (EmpowermentEntry rows)
    on           the date to ask "powers of township X on date D" for (after the grants, some withdrawn)
    editor       a superuser the import sweeps act as
    import_rows  scale["import_rows"]: the size of the timed import and export

Every list is published with effective date 2020-01-01 and all its items are active.
"""

import argparse
import csv
import datetime
import io
import os
import time


def _standalone_arguments(argv=None):
    """`python -m bench.data_catalogs`: the catalogs' figures alone (see `main`). Django is configured here,
    before the models below are imported, for the database the arguments name."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.data_catalogs",
        description="Catalogs figures alone: import and export of a spreadsheet, category summary and "
        "powers of a township on a date on a big county. No server, no wrk. The database is dropped and "
        "created again.",
    )
    parser.add_argument("--items", type=int, default=20_000, help="items of the big county's power list")
    parser.add_argument("--rows", type=int, default=10_000, help="rows of the imported spreadsheet")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ruian_bench"),
    )
    args = parser.parse_args(argv)
    from bench.load import server_env

    os.environ.update(server_env(args.database_url))
    os.environ["DJANGO_SETTINGS_MODULE"] = "ruian.settings"
    import django

    django.setup()
    return args


ARGS = _standalone_arguments() if __name__ == "__main__" else None

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import transaction  # noqa: E402

from catalogs.models import (  # noqa: E402
    AdjustmentAction,
    CatalogKind,
    CatalogVersion,
    Category,
    EmpowermentAdjustment,
    EmpowermentBatch,
    EmpowermentEntry,
    PowerItem,
)
from catalogs.states import VersionStatus  # noqa: E402

EFFECTIVE = datetime.date(2020, 1, 1)
GRANTED = datetime.date(2021, 1, 1)
WITHDRAWN = datetime.date(2023, 1, 1)
ASK_ON = datetime.date(2024, 6, 1)
SMALL_LIST = {Category.LICENSING: 4, Category.PENALTY: 6, Category.INSPECTION: 2}
# Categories the big list (and the import file) cycles through: 9,999 codes per category at most.
BIG_CATEGORIES = [Category.PENALTY, Category.LICENSING, Category.INSPECTION, Category.COERCION, Category.CONFIRMATION]
MATERIALS = [{"name": "申请书", "form": "original", "copies": 1, "mandatory": True}]


def _item(version, county, category, seq, **extra):
    return PowerItem(
        version=version,
        category=category,
        code=f"{county.code[:6]}-{category}-{seq:04d}",
        name=f"{Category(category).label}事项{seq}",
        legal_basis="《中华人民共和国行政处罚法》" if category == Category.PENALTY else "《中华人民共和国行政许可法》",
        implementing_subject="乡镇人民政府(街道办事处)",
        legal_time_limit=20,
        promised_time_limit=10,
        materials=MATERIALS,
        channels=["window", "online"],
        **extra,
    )


@transaction.atomic
def generate(scale: dict, ctx, out) -> None:
    started = time.monotonic()
    editor = get_user_model().objects.create(username="bench_catalog_editor", is_superuser=True, is_staff=True)
    big_county = ctx.counties[0]
    versions = {}
    for county in ctx.counties:
        versions[county.pk] = CatalogVersion(
            county=county,
            kind=CatalogKind.POWER,
            title=f"{county.name}镇(街道)权力清单和责任清单",
            edition="2020版",
            document_number=f"{county.name}政发〔2020〕1号",
            effective_date=EFFECTIVE,
            status=VersionStatus.PUBLISHED,
            created_by=editor,
        )
    CatalogVersion.objects.bulk_create(versions.values())

    items = []
    for county in ctx.counties:
        version = versions[county.pk]
        if county is big_county:
            for n in range(scale["catalog_items"]):
                category = BIG_CATEGORIES[n % len(BIG_CATEGORIES)]
                items.append(_item(version, county, category, n // len(BIG_CATEGORIES) + 1))
        else:
            for category, count in SMALL_LIST.items():
                items += [_item(version, county, category, seq) for seq in range(1, count + 1)]
    PowerItem.objects.bulk_create(items, batch_size=5000)
    by_county = {}
    for item in items:
        by_county.setdefault(item.version.county_id, {}).setdefault(item.category, []).append(item)

    # Sub-items: every tenth big-list item is a child of the one before it (they count with the parent).
    big_items = [i for i in items if i.version.county_id == big_county.pk]
    children = []
    for n in range(10, len(big_items), 10):
        big_items[n].parent_id = big_items[n - 1].pk
        children.append(big_items[n])
    PowerItem.objects.bulk_update(children, ["parent"], batch_size=5000)

    # Empowerment of the big county's townships: a third of the list each, a tenth of it withdrawn later.
    townships = [t for t in ctx.townships if t.parent_id == big_county.pk]
    batch = EmpowermentBatch.objects.create(
        county=big_county,
        title=f"{big_county.name}赋予乡镇(街道)县级审批执法权限(第一批)",
        document_number="苏政复〔2021〕1号",
        approved_by="江苏省人民政府",
        effective_date=GRANTED,
        created_by=editor,
    )
    adjustment = EmpowermentAdjustment.objects.create(
        batch=batch,
        action=AdjustmentAction.WITHDRAW,
        document_number="苏政复〔2023〕2号",
        effective_date=WITHDRAWN,
        reason="承接不到位",
        created_by=editor,
    )
    entries = []
    for t, township in enumerate(townships):
        granted = big_items[t % 3 :: 3]
        entries += [
            EmpowermentEntry(
                batch=batch, township=township, item=i, action=AdjustmentAction.GRANT, effective_date=GRANTED
            )
            for i in granted
        ]
        entries += [
            EmpowermentEntry(
                batch=batch,
                adjustment=adjustment,
                township=township,
                item=i,
                action=AdjustmentAction.WITHDRAW,
                effective_date=WITHDRAWN,
            )
            for i in granted[::10]
        ]
    EmpowermentEntry.objects.bulk_create(entries, batch_size=5000)

    ctx.catalog = {
        "versions": versions,
        "items": {
            county_id: {c: by_category.get(c, []) for c in (Category.LICENSING, Category.PENALTY)}
            for county_id, by_category in by_county.items()
        },
        "big_county": big_county,
        "big_version": versions[big_county.pk],
        "township": townships[0],
        "on": ASK_ON,
        "editor": editor,
        "import_rows": scale["import_rows"],
    }
    ctx.timings["catalogs"] = time.monotonic() - started
    out.write(
        f"catalogs: {len(versions)} published power lists, {len(items):,} items, {len(entries):,} empowerment "
        f"entries in {ctx.timings['catalogs']:.1f}s\n"
    )


def _catalog(ctx) -> dict:
    """ctx.catalog, rebuilt from the database after `--reuse`."""
    if getattr(ctx, "catalog", None):
        return ctx.catalog
    versions = {
        v.county_id: v
        for v in CatalogVersion.objects.filter(kind=CatalogKind.POWER, status=VersionStatus.PUBLISHED).select_related(
            "county"
        )
    }
    big_county = ctx.counties[0]
    ctx.catalog = {
        "versions": versions,
        "big_county": big_county,
        "big_version": versions[big_county.pk],
        "township": next(t for t in ctx.townships if t.parent_id == big_county.pk),
        "on": ASK_ON,
        "editor": get_user_model().objects.get(username="bench_catalog_editor"),
    }
    return ctx.catalog


def requests(ctx) -> list[dict]:
    catalog = _catalog(ctx)
    version = catalog["big_version"]
    township = catalog["township"]
    return [
        {
            "name": "catalogs: power items of a version",
            "group": "read",
            "path": f"/api/v1/catalogs/power-items/?version={version.pk}",
            "auth": "token",
        },
        {
            "name": "catalogs: powers of township on date",
            "group": "read",
            "path": f"/api/v1/catalogs/townships/{township.code}/powers/?on={catalog['on'].isoformat()}",
            "auth": "token",
        },
        {"name": "catalogs: public catalog page", "group": "read", "path": f"/catalogs/public/{version.pk}/"},
        {
            "name": "catalogs: category summary",
            "group": "read",
            "path": f"/api/v1/catalogs/versions/{version.pk}/summary/",
            "auth": "token",
        },
    ]


def import_csv(county, townships, rows: int) -> bytes:
    """A power-list spreadsheet (csv) of `rows` items: every tenth a sub-item, every fifth for two townships."""
    header = ["事项编码", "事项名称", "类别", "上级事项编码", "设定依据", "法定时限", "承诺时限", "申请材料"]
    header += ["办理渠道", "适用乡镇(街道)代码"]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    codes = []
    for n in range(rows):
        category = BIG_CATEGORIES[n % len(BIG_CATEGORIES)]
        code = f"{county.code[:6]}-{category}-{n // len(BIG_CATEGORIES) + 1:04d}"
        parent = codes[n - 1] if n % 10 == 9 else ""
        codes.append(code)
        listed = ",".join(t.code for t in townships[n % len(townships) :][:2]) if n % 5 == 0 else ""
        writer.writerow(
            [code, f"导入事项{n}", str(Category(category).label), parent, "《行政许可法》", 20, 10]
            + ["申请书|原件|1|必需\n身份证明|复印件|1|必需", "窗口办理、网上办理", listed]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def sweeps(ctx) -> dict:
    """Timed imports into a fresh draft of the big county (dry run, real) and the export of what was imported."""
    from catalogs import imports, services

    catalog = _catalog(ctx)
    rows = catalog.get("import_rows") or _import_rows()
    county = catalog["big_county"]
    editor = catalog["editor"]
    townships = [t for t in ctx.townships if t.parent_id == county.pk]
    content = import_csv(county, townships, rows)
    draft = services.version_create(
        county=county, kind=CatalogKind.POWER, title=f"导入测试 {time.time():.0f}", actor=editor
    )
    results = {}
    for label, dry_run in (("dry-run import", True), ("import", False)):
        started = time.monotonic()
        report = imports.import_file(
            version=draft, content=content, filename="bench.csv", actor=editor, dry_run=dry_run
        )
        seconds = time.monotonic() - started
        if not report.ok or report.written == dry_run or len(report.added) != rows:
            raise RuntimeError(f"catalogs {label} failed: {report.as_dict()['row_errors'][:5]}")
        results[f"catalogs: {label} of {rows:,} rows ({rows / seconds:,.0f} rows/s)"] = seconds
    # The same file again with every row changed (a new edition's legal basis): all updates, no inserts.
    changed = content.decode("utf-8").replace("《行政许可法》", "《中华人民共和国行政许可法》").encode("utf-8")
    started = time.monotonic()
    report = imports.import_file(version=draft, content=changed, filename="bench.csv", actor=editor, dry_run=False)
    seconds = time.monotonic() - started
    if not report.written or len(report.changed) != rows:
        raise RuntimeError(f"catalogs re-import failed: {report.as_dict()['row_errors'][:5]}")
    results[f"catalogs: re-import changing all {rows:,} rows ({rows / seconds:,.0f} rows/s)"] = seconds
    started = time.monotonic()
    exported = imports.dataset_bytes(imports.export_dataset(draft), "xlsx")
    seconds = time.monotonic() - started
    if not exported or PowerItem.objects.filter(version=draft).count() != rows:
        raise RuntimeError("catalogs export failed")
    results[f"catalogs: export of {rows:,} rows ({rows / seconds:,.0f} rows/s)"] = seconds
    # The exported workbook (every column) imported into another fresh draft: the editor's round trip.
    again = services.version_create(
        county=county, kind=CatalogKind.POWER, title=f"导入测试 xlsx {time.time():.0f}", actor=editor
    )
    for label, dry_run in (("dry-run import", True), ("import", False)):
        started = time.monotonic()
        report = imports.import_file(
            version=again, content=exported, filename="bench.xlsx", actor=editor, dry_run=dry_run
        )
        seconds = time.monotonic() - started
        if not report.ok or report.written == dry_run or len(report.added) != rows:
            raise RuntimeError(f"catalogs xlsx {label} failed: {report.as_dict()['row_errors'][:5]}")
        results[f"catalogs: {label} of the exported xlsx ({rows / seconds:,.0f} rows/s)"] = seconds
    return results


def _import_rows() -> int:
    """scale["import_rows"] of the scale being run (the harness passes the scale to generate only)."""
    import sys

    from bench.scales import SCALES

    scale = "small"
    argv = sys.argv[1:]
    for n, arg in enumerate(argv):
        if arg == "--scale" and n + 1 < len(argv):
            scale = argv[n + 1]
        elif arg.startswith("--scale="):
            scale = arg.split("=", 1)[1]
    return SCALES.get(scale, SCALES["small"])["import_rows"]


def queries(ctx) -> dict:
    """The category summary and "powers of township X on date D" on the big county: seconds and statements."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from catalogs import selectors

    catalog = _catalog(ctx)
    results = {}
    for label, run in (
        # Counted each time: a running server keeps a published list's figures after the first count.
        ("category summary", lambda: selectors.count_figures(catalog["big_version"])["categories"]),
        ("powers of township on date", lambda: list(selectors.powers_of_township(catalog["township"], catalog["on"]))),
    ):
        run()  # warm the caches once, as a running server would have them
        started = time.monotonic()
        with CaptureQueriesContext(connection) as captured:
            answer = run()
        seconds = time.monotonic() - started
        size = sum(answer.values()) if label == "category summary" else len(answer)
        results[f"catalogs: {label} ({size:,} items, {len(captured)} SQL)"] = seconds
    return results


def main(args) -> None:
    """Builds a small kernel (two counties of ten townships) and the catalogs' data with a big county of
    `args.items` items, then times the dry-run and real import of `args.rows` rows into a fresh draft, the
    export of what was imported, the category summary and "powers of township X on date D"."""
    import sys

    from django.core.management import call_command
    from django.db import connection

    from bench import data
    from bench.__main__ import recreate_database

    recreate_database(args.database_url)
    call_command("migrate", verbosity=0)
    scale = {
        "cities": 1,
        "counties_per_city": 2,
        "townships_per_county": 10,
        "villages_per_township": 2,
        "catalog_items": args.items,
        "import_rows": args.rows,
    }
    out = sys.stdout
    ctx = data.generate_kernel(scale, out)
    generate(scale, ctx, out)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # after bulk loading, as autovacuum soon would on a running server
    for name, seconds in {**sweeps(ctx), **queries(ctx)}.items():
        out.write(f"{name}: {seconds * 1000:,.0f} ms\n")


if __name__ == "__main__":
    main(ARGS)
