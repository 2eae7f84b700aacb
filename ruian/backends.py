"""Loading a signed-in user with what every request reads about them, in one prepared statement.

Nearly every page and API call reads `user.staff.organisation` (the data scope, the township in the
header, the stationed unit), the user's roles and, on pages, the unread badge. Loaded with the user that
is one query instead of six; and since building that query with the ORM cost more CPU than PostgreSQL
spent answering it (select_related four tables deep plus two subqueries: about a hundred query clones),
its SQL is built once per process from the models' own columns and the rows are turned into model
instances the way select_related does (`Model.from_db`, the related objects in the fields cache).

`ModelBackend` loads session users this way; `ruian.api.auth` loads token clients with their token.
"""

import functools

from django.contrib.auth import backends, get_user_model
from django.db import connection

from ruian.apiclients import ClientToken
from ruian.divisions import Division
from ruian.organisations import Organisation
from ruian.permissions import remember_scope, scope_sql
from ruian.prepared import execute_prepared
from ruian.staff import Role, StaffProfile

User = get_user_model()

# (model, alias, attribute on the parent that holds it), parents first.
_CHAIN = (
    (User, "u", None),
    (StaffProfile, "s", "staff"),
    (Organisation, "o", "organisation"),
    (Division, "d", "division"),
)


def _columns(model, alias):
    fields = model._meta.concrete_fields
    quoted = [f'{alias}."{field.column}"' for field in fields]
    converters = [
        (index, converter, field)
        for index, field in enumerate(fields)
        for converter in connection.ops.get_db_converters(field.get_col(alias)) + field.get_db_converters(connection)
    ]
    return quoted, [field.attname for field in fields], converters


@functools.cache
def _statement(with_token: bool):
    parts = [(None, None, *_columns(ClientToken, "t"))] if with_token else []
    parts += [(model, attribute, *_columns(model, alias)) for model, alias, attribute in _CHAIN]
    select = ", ".join(column for part in parts for column in part[2])
    role_names = ", ".join(f"'{role}'" for role in Role.values)  # the code's own constants
    roles = (
        "ARRAY(SELECT g.name FROM auth_group g JOIN auth_user_groups ug ON ug.group_id = g.id "
        f"WHERE ug.user_id = u.id AND g.name IN ({role_names}) ORDER BY g.name)"
    )
    unread = "(SELECT count(*) FROM ruian_notification n WHERE n.recipient_id = u.id AND n.read_at IS NULL)"
    # The data scope's (prefix, id) rows: nearly every request filters by it, and read here it costs no
    # round trip and no planning of its own (`ruian.permissions._scope` reads it apart for other users).
    scope_rows = scope_sql('u."id"', params=False)
    scope = f"(SELECT json_agg(json_build_array(sc.prefix, sc.id)) FROM ({scope_rows}) sc)"
    related = (
        f'LEFT JOIN {StaffProfile._meta.db_table} s ON s."user_id" = u."id" '
        f'LEFT JOIN {Organisation._meta.db_table} o ON o."id" = s."organisation_id" '
        f'LEFT JOIN {Division._meta.db_table} d ON d."id" = o."division_id"'
    )
    if with_token:
        sql = (
            f"SELECT {select}, {roles}, 0, {scope} FROM {ClientToken._meta.db_table} t "
            f'JOIN {User._meta.db_table} u ON u."id" = t."user_id" {related} WHERE t."key_hash" = $1'
        )
    else:
        sql = f'SELECT {select}, {roles}, {unread}, {scope} FROM {User._meta.db_table} u {related} WHERE u."id" = $1'
    return sql, parts


def _instances(row, parts):
    """Model instances from one row: each part's columns through the field converters, then `from_db`."""
    objects, offset = [], 0
    for model, _attribute, columns, attnames, converters in parts:
        values = list(row[offset : offset + len(columns)])
        offset += len(columns)
        if model is not None and values[0] is None:  # LEFT JOIN found nothing
            objects.append(None)
            continue
        for index, converter, field in converters:
            values[index] = converter(values[index], field.get_col("x"), connection)
        objects.append((model or ClientToken).from_db("default", attnames, values))
    return objects, row[offset], row[offset + 1], row[offset + 2] or []


def _load(where_value, *, with_token: bool):
    sql, parts = _statement(with_token)
    name = "ruian_load_token" if with_token else "ruian_load_user"
    with connection.cursor() as cursor:
        # A prepared statement: PostgreSQL plans it once per connection (planning the five-table join
        # cost more than running it).
        execute_prepared(connection, cursor, name, sql, [where_value])
        row = cursor.fetchone()
    if row is None:
        return None
    objects, roles, unread, scope = _instances(row, parts)
    token = objects.pop(0) if with_token else None
    user, profile, organisation, division = objects
    # What select_related("staff__organisation__division") leaves in the fields caches.
    user._state.fields_cache["staff"] = profile
    if profile is not None:
        profile._state.fields_cache["user"] = user
        profile._state.fields_cache["organisation"] = organisation
        if organisation is not None:
            organisation._state.fields_cache["division"] = division
    remember_roles(user, roles)
    remember_scope(user, scope)
    if token is not None:
        token._state.fields_cache["user"] = user
        return token
    user.unread_notifications = unread
    return user


def load_user(user_id):
    """The user with staff profile, organisation, division, roles and unread count, or None."""
    return _load(user_id, with_token=False)


def load_token(key_hash: str):
    """The client token with its user loaded as `load_user` loads one, or None."""
    return _load(key_hash, with_token=True)


def remember_roles(user, roles) -> None:
    """What `ruian.staff.roles_of` would otherwise query."""
    user._ruian_roles = set(roles)


class ModelBackend(backends.ModelBackend):
    def get_user(self, user_id):
        try:
            user = load_user(int(user_id))
        except (TypeError, ValueError):
            return None
        return user if user is not None and self.user_can_authenticate(user) else None
