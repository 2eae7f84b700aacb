"""Bulk writes of large imports with PostgreSQL's COPY, and ids reserved from the table's sequence.

`bulk_create` spends most of a 10,000-row import preparing each value of each row for its INSERT
(about 0.3 ms a row); COPY takes the rows as text. With the ids taken from the sequence first, the
parent of a new sub-item, the township links and the audit entries can all be written in the same pass,
without reading ids back or updating rows afterwards.

Only for rows the caller has already validated (services.items_import checks every row as full_clean
would): COPY runs the database's constraints and triggers, not Django's field validation.

On SQLite (the embedded demonstration fallback, see the README) the same functions fall back to
`bulk_create` and `bulk_update`: slower, same result.
"""

import io
import json

from django.db import connection
from django.utils import timezone

NULL = "\\N"


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _escaped(text: str) -> str:
    # Four C-level replaces cost less than a translate table on text that rarely holds any of them.
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _text_of(value) -> str:
    return NULL if value is None else _escaped(str(value))


def _json_of(value) -> str:
    return NULL if value is None else _escaped(json.dumps(value, ensure_ascii=False))


def _bool_of(value) -> str:
    return NULL if value is None else ("t" if value else "f")


def _plain_of(value) -> str:
    # Numbers, UUIDs: their str() needs no escaping.
    return NULL if value is None else str(value)


def _iso_of(value) -> str:
    return NULL if value is None else value.isoformat()


def _converter(field):
    """How one column's Python values are written in COPY's text format, chosen once per column."""
    if field.is_relation:
        return _plain_of
    kind = field.get_internal_type()
    if kind == "JSONField":
        return _json_of
    if kind in ("BooleanField", "NullBooleanField"):
        return _bool_of
    if kind in ("DateField", "DateTimeField"):
        return _iso_of
    if kind.endswith("IntegerField") or kind in ("AutoField", "BigAutoField", "SmallAutoField", "UUIDField"):
        return _plain_of
    return _text_of


def reserve_ids(model, count: int) -> list[int]:
    """`count` fresh primary keys of `model`'s table, in one query (not necessarily consecutive)."""
    if count <= 0:
        return []
    if not _postgres():
        # SQLite holds one writer at a time; the next ids after the largest are free for this transaction.
        from django.db.models import Max

        start = (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
        return list(range(start, start + count))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def copy_rows(model, field_names, rows) -> int:
    """Insert rows of plain values (one tuple a row, in the order of `field_names`) with one COPY.

    For rows that need no model instance (audit entries, many-to-many links): building ten thousand
    instances costs more than writing them.
    """
    fields = [model._meta.get_field(name) for name in field_names]
    if not _postgres():
        attnames = [field.attname for field in fields]
        objects = [model(**dict(zip(attnames, row, strict=True))) for row in rows]
        model.objects.bulk_create(objects, batch_size=500)
        return len(objects)
    converters = [_converter(field) for field in fields]
    lines = ["\t".join([convert(value) for convert, value in zip(converters, row, strict=True)]) for row in rows]
    if not lines:
        return 0
    buffer = io.StringIO("\n".join(lines) + "\n")
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN", buffer)
    return len(lines)


def copy_insert(model, objects) -> int:
    """Insert model instances with one COPY; returns the count.

    Either every instance has its primary key (from `reserve_ids`, so that others can point at it) or
    none has, and the table's sequence numbers them. Every other concrete column is written from the
    instance's attribute; `auto_now`/`auto_now_add` columns left empty get the current time, as `save()`
    would give them.
    """
    objects = list(objects)
    if not objects:
        return 0
    now = timezone.now()
    with_pk = objects[0].pk is not None
    if any((obj.pk is not None) != with_pk for obj in objects):
        raise ValueError("copy_insert needs every instance with its primary key, or none")
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for obj in objects:
                if getattr(obj, field.attname) is None:
                    setattr(obj, field.attname, now)
    attnames = [f.attname for f in fields]
    count = copy_rows(model, [f.name for f in fields], ([getattr(obj, a) for a in attnames] for obj in objects))
    if with_pk:
        for obj in objects:
            obj._state.adding = False
            obj._state.db = connection.alias
    return count


def copy_update(model, objects, field_names) -> int:
    """Write `field_names` of existing instances with one COPY into a temporary table and one
    UPDATE ... FROM it.

    `bulk_update` sends a CASE WHEN branch per row for every field, which PostgreSQL walks row by row:
    10,000 changed items took minutes. Must run inside a transaction (the table goes at commit).
    """
    objects = list(objects)
    if not objects:
        return 0
    if not _postgres():
        return model.objects.bulk_update(objects, field_names, batch_size=500)
    opts = model._meta
    quote = connection.ops.quote_name
    fields = [opts.pk, *(opts.get_field(name) for name in field_names)]
    fields = list({field.column: field for field in fields}.values())
    columns = ", ".join(quote(field.column) for field in fields)
    temporary = quote(f"copy_update_{opts.db_table}")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {temporary}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {temporary} ON COMMIT DROP AS "
            f"SELECT {columns} FROM {quote(opts.db_table)} WITH NO DATA"
        )
    attnames = [field.attname for field in fields]
    converters = [_converter(field) for field in fields]
    lines = [
        "\t".join([convert(getattr(obj, name)) for convert, name in zip(converters, attnames, strict=True)])
        for obj in objects
    ]
    assignments = ", ".join(f"{quote(f.column)} = source.{quote(f.column)}" for f in fields if not f.primary_key)
    pk = quote(opts.pk.column)
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {temporary} ({columns}) FROM STDIN", io.StringIO("\n".join(lines) + "\n"))
        cursor.execute(
            f"UPDATE {quote(opts.db_table)} AS target SET {assignments} FROM {temporary} AS source "
            f"WHERE target.{pk} = source.{pk}"
        )
        updated = cursor.rowcount
        cursor.execute(f"DROP TABLE {temporary}")
    return updated
