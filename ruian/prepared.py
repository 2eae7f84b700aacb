"""Prepared statements: a query asked on nearly every request, planned by PostgreSQL once per connection.

Some questions cost the ORM more CPU to build than PostgreSQL spends answering them, and PostgreSQL more to
plan than to run: the signed-in user (ruian/backends.py), whether a township holds an item (approvals). The
SQL is built once per process; `execute_prepared` prepares it once per connection and executes it with
the request's values.

`PreparedFirst` does that for a queryset, which stays the one statement of the rule: it builds the queryset
once per process from stand-in arguments, compiles it, puts a statement parameter wherever a stand-in value
went, and turns each row into model instances the way the queryset would (`Model.from_db`, select_related
objects in the fields cache). tests/approvals/test_held_items.py checks that both ways agree.
"""

import datetime
import functools
import re

from django.db import connections
from django.db.models.query import get_related_populators

# Stand-in values: none of them can be a constant of the query (a negative id, a date long gone, a text no
# code or status has). A text a stand-in was turned into (a prefix of it, say) still holds the marker.
MARKER = "ZQPREP"
STAND_IN_TOWNSHIP_ID = -7301
STAND_IN_COUNTY_ID = -7302
STAND_IN_DAY = datetime.date(1901, 2, 3)
STAND_IN_CODE = f"{MARKER}-item-code"
STAND_IN_TOWNSHIP_CODE = f"{MARKER}123456"
STAND_IN_ID = -7303  # a row's id


class UnmappedParameter(Exception):
    """The compiled query holds a value made from a stand-in that no parameter stands for."""


def execute_prepared(connection, cursor, name: str, sql: str, params) -> None:
    """Execute `sql` (parameters `$1`, `$2`...) as the prepared statement `name` of this connection, preparing
    it first on a connection that has not. A prepared statement outlives a rolled-back transaction; a new
    connection (after a reconnect) prepares it anew."""
    # Kept on this thread's connection wrapper (django.db.connection forwards attributes to it).
    prepared = getattr(connection, "ruian_prepared", None)
    if prepared is None:
        prepared = connection.ruian_prepared = {}
    if prepared.get(name) is not connection.connection:
        cursor.execute(f"PREPARE {name} AS {sql}")
        prepared[name] = connection.connection
    cursor.execute(f"EXECUTE {name}({', '.join(['%s'] * len(params))})", list(params))


def _key(value):
    return type(value), value


class PreparedFirst:
    """`build(*args).first()` as a prepared statement. `parameters(*args)` gives the {name: value} that the
    query's values come from; the stand-in arguments must give values no constant of the query has. Every
    value of the query that may change must come from the arguments: the rest (here the statuses, kinds and
    levels of the code) is frozen into the statement when it is first compiled."""

    def __init__(self, name: str, build, parameters, stand_in_args, using: str = "default"):
        self.name, self.build, self.parameters, self.stand_in_args, self.using = (
            name,
            build,
            parameters,
            stand_in_args,
            using,
        )
        self._compiled = None

    def _compile(self, connection):
        qs = self.build(*self.stand_in_args)
        qs = (qs if qs.ordered else qs.order_by("pk"))[:1]  # as QuerySet.first()
        compiler = qs.query.get_compiler(using=self.using)
        sql, params = compiler.as_sql()
        slots = {_key(value): name for name, value in self.parameters(*self.stand_in_args).items()}
        order, pieces = [], iter(params)

        def placeholder(match):
            if match.group(0) == "%%":
                return "%"
            value = next(pieces)
            try:
                name = slots.get(_key(value))
            except TypeError:  # unhashable: a constant
                name = None
            if name is None:
                if MARKER in str(value) or value in (
                    STAND_IN_TOWNSHIP_ID,
                    STAND_IN_COUNTY_ID,
                    STAND_IN_ID,
                    STAND_IN_DAY,
                ):
                    raise UnmappedParameter(f"{self.name}: {value!r} is made from a stand-in")
                return connection.ops.compose_sql("%s", [value])  # a constant, inlined as the ORM sends it
            if name not in order:
                order.append(name)
            return f"${order.index(name) + 1}"

        statement = re.sub(r"%s|%%", placeholder, sql)
        select, klass_info = compiler.select, compiler.klass_info
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        init_list = [column[0].target.attname for column in select[start:end]]
        populators = get_related_populators(klass_info, select, self.using)
        self._compiled = (statement, tuple(order), compiler, klass_info["model"], start, end, init_list, populators)
        return self._compiled

    def first(self, *args):
        connection = connections[self.using]
        compiled = self._compiled or self._compile(connection)
        statement, order, compiler, model, start, end, init_list, populators = compiled
        values = self.parameters(*args)
        with connection.cursor() as cursor:
            execute_prepared(connection, cursor, self.name, statement, [values[name] for name in order])
            row = cursor.fetchone()
        if row is None:
            return None
        (row,) = compiler.results_iter(results=[[row]])  # the fields' converters (JSON, ...)
        obj = model.from_db(self.using, init_list, row[start:end])
        for populator in populators:
            populator.populate(row, obj)
        return obj

    def get(self, *args):
        """`first(*args)`, for a lookup of one row: none raises the model's DoesNotExist, as `get()` does."""
        obj = self.first(*args)
        if obj is None:
            model = (self._compiled or self._compile(connections[self.using]))[3]
            raise model.DoesNotExist(f"{self.name}{args!r}: no such {model._meta.object_name}.")
        return obj


@functools.cache
def _row_lock(model, using: str) -> PreparedFirst:
    return PreparedFirst(
        f"lock_{model._meta.db_table}",
        lambda pk: model._default_manager.filter(pk=pk).select_for_update(),
        lambda pk: {"pk": pk},
        (STAND_IN_ID,),
        using,
    )


def lock_row(model, pk, *, using: str = "default"):
    """`model.objects.select_for_update().get(pk=pk)` (inside a transaction), as a prepared statement built once
    per model: the services lock the row of every step they take."""
    return _row_lock(model, using).get(pk)


# --- inserts ------------------------------------------------------------------------------------------------
# Every workflow step writes an audit entry and starts or stops a clock: `Model.save()` compiles its INSERT anew
# each time, which cost a step more CPU than PostgreSQL spent on the row.


@functools.cache
def _insert_statement(model, using: str, with_pk: bool) -> tuple[list, str]:
    """The INSERT of a new `model` row, its id given or generated by the database: its fields and SQL."""
    connection = connections[using]
    quote = connection.ops.quote_name
    generated = None if with_pk else model._meta.pk
    fields = [f for f in model._meta.concrete_fields if f is not generated]
    columns = ", ".join(quote(f.column) for f in fields)
    values = ", ".join(["%s"] * len(fields))
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    return fields, f"INSERT INTO {table} ({columns}) VALUES ({values}) RETURNING {pk}"


def insert_new(obj, *, before: tuple[str, list] | None = None, using: str = "default") -> None:
    """Write the new instance `obj` as `obj.save(force_insert=True)` writes it (each field's `pre_save`, e.g.
    `auto_now_add`, and database value), with no save signals (the portal's models have no receivers) and no
    `save()` override, and set its id (or keep the one it has, drawn from the sequence beforehand).

    `before` is a statement (SQL, parameters) sent in the same round trip and run first, e.g. stopping the
    clock a new one replaces: psycopg2 sends the values inline, so both go as one query string."""
    sql, params = _insert_of(obj, using)
    if before is not None:
        sql, params = f"{before[0]}; {sql}", [*before[1], *params]
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        obj.pk = cursor.fetchone()[0]
    obj._state.adding = False
    obj._state.db = using


def _insert_of(obj, using: str) -> tuple[str, list]:
    fields, sql = _insert_statement(type(obj), using, obj.pk is not None)
    return sql, [f.get_db_prep_save(f.pre_save(obj, True), connections[using]) for f in fields]


def insert_of(obj, *, using: str = "default") -> tuple[str, list]:
    """The statement (SQL, parameters) that writes the new instance `obj`, its id drawn beforehand, as
    `insert_new` writes it: sent as `before=` of the next insert (its audit entry, say), both go in one round
    trip. `obj` counts as saved from here on: the statement runs in the caller's transaction, and if it fails,
    so does the transaction."""
    if obj.pk is None:
        raise ValueError(f"insert_of needs the {type(obj).__name__}'s id drawn beforehand")
    statement = _insert_of(obj, using)
    obj._state.adding = False
    obj._state.db = using
    return statement


@functools.cache
def _update_statement(model, using: str, names: tuple[str, ...]) -> tuple[list, str]:
    """The UPDATE of the named fields of one `model` row, by id: its fields and SQL."""
    quote = connections[using].ops.quote_name
    fields = [model._meta.get_field(name) for name in names]
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    return fields, f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(model._meta.pk.column)} = %s"


def update_of(obj, fields, *, using: str = "default") -> tuple[str, list]:
    """The statement (SQL, parameters) that `obj.save(update_fields=fields)` sends, each field's `pre_save`
    applied as save() applies it (`auto_now` sets the time on `obj`), the SQL built once per model and fields.
    Sent as `before=` of `insert_new` (the audit entry of the change), the row and its entry go in one round
    trip. For a row the caller has locked (or just read): save()'s check that a row was updated is not made,
    and no save signal is sent (the portal's models have no receivers)."""
    connection = connections[using]
    names = tuple(dict.fromkeys(fields))
    model_fields, sql = _update_statement(type(obj), using, names)
    params = [f.get_db_prep_save(f.pre_save(obj, False), connection) for f in model_fields]
    return sql, [*params, obj.pk]
