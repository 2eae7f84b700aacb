"""Data scope: which divisions a user may work in, and filtering by it.

The grant is a django-guardian object permission, `ruian.work_in_division`, on a Division (a
township for township staff, the county for county staff and REST clients). A grant on a division
covers everything under it. Selectors call `scope_filter` so that a clerk of one township never sees
another township's data, in pages and in the API alike.
"""

from django.db import connection
from django.db.models import Q, QuerySet

from ruian.divisions import Division

PERMISSION = "ruian.work_in_division"

# The divisions in the user's scope, in one statement: the grants of the permission, to the user and to
# the user's groups (what guardian's get_objects_for_user(user, PERMISSION, klass=Division,
# accept_global_perms=False) answers, without the three lookups guardian makes to build its query), each
# grant's code prefix (Division.prefix), and the divisions whose code starts with one of them: no more than
# SCOPE_IDS_LIMIT + 1 per prefix, and none under a city's or the province's prefix: a wider scope filters
# by prefix and needs no ids (a province-level client's 14,000 divisions cost 10 ms to list per request).
_SCOPE_SQL = """
WITH granted AS (
    SELECT DISTINCT CASE dv.level
        WHEN 'province' THEN left(dv.code, 2) WHEN 'city' THEN left(dv.code, 4)
        WHEN 'county' THEN left(dv.code, 6) WHEN 'township' THEN left(dv.code, 9) ELSE dv.code END AS prefix
    FROM ruian_division dv
    WHERE dv.id IN (
        SELECT uop.object_pk::bigint FROM guardian_userobjectpermission uop
        JOIN auth_permission perm ON perm.id = uop.permission_id
        WHERE uop.user_id = {user} AND perm.content_type_id = {ct} AND perm.codename = '{codename}'
        UNION ALL
        SELECT gop.object_pk::bigint FROM guardian_groupobjectpermission gop
        JOIN auth_permission perm ON perm.id = gop.permission_id
        JOIN auth_user_groups gu ON gu.group_id = gop.group_id
        WHERE gu.user_id = {user} AND perm.content_type_id = {ct} AND perm.codename = '{codename}'
    )
)
SELECT granted.prefix, inside.id FROM granted
LEFT JOIN LATERAL (
    SELECT below.id FROM ruian_division below
    WHERE length(granted.prefix) > {wide} AND below.code LIKE granted.prefix || '{percent}'
      AND below.code::text ~>=~ granted.prefix AND below.code::text ~<~ (granted.prefix || chr(1114111))
    LIMIT {limit}
) inside ON true
"""
# A prefix known only when the statement runs is no LIKE pattern the planner can turn into an index range:
# the LIKE alone scans the divisions until the limit (2 ms for a township's 11 of a province's 14,000). The
# range on the code in byte order (from the prefix to the prefix followed by the highest character: what the
# LIKE says for the digits of a division code) walks the code's pattern index instead. A city's or the
# province's prefix fetches no ids at all (a condition on the prefix alone is checked once).

# Up to this many divisions, scope_q filters by division id (an index lookup the planner estimates
# well); a wider scope (a whole city or province) filters by code prefix.
SCOPE_IDS_LIMIT = 2000
# A grant whose prefix is this short or shorter (a province's 2 digits, a city's 4) filters by prefix.
WIDE_PREFIX = 4


def scope_prefixes(user) -> list[str] | None:
    """Code prefixes of the divisions the user may work in; None means everywhere (superuser)."""
    scope = _scope(user)
    return None if scope is None else scope[0]


def scope_sql(user: str, *, params: bool = True) -> str:
    """The scope statement for the user id `user` (a placeholder, or a column of a statement it is part of:
    `ruian.backends` reads the scope along with the signed-in user, in the same prepared statement). Its
    constants are the code's own. `params=False` for SQL run without parameters (no `%` to escape)."""
    return _SCOPE_SQL.format(
        user=user,
        # By name, not id: the statement outlives a test database flush, which numbers content types anew.
        ct=f"(SELECT id FROM django_content_type WHERE app_label = '{Division._meta.app_label}' "
        f"AND model = '{Division._meta.model_name}')",
        codename=PERMISSION.split(".", 1)[1],
        limit=SCOPE_IDS_LIMIT + 1,
        wide=WIDE_PREFIX,
        percent="%%" if params else "%",
    )


def remember_scope(user, rows) -> None:
    """Keep the scope read from the statement's (prefix, id) rows on the user object, for this request."""
    prefixes = sorted({prefix for prefix, _id in rows})
    ids = sorted({pk for _prefix, pk in rows if pk is not None})
    # None: filter by prefix (a city or the province, or more divisions than the limit).
    wide = any(len(prefix) <= WIDE_PREFIX for prefix in prefixes) or len(ids) > SCOPE_IDS_LIMIT
    user._ruian_scope = prefixes, None if wide else ids


def _scope(user) -> tuple[list[str], list[int] | None] | None:
    """(prefixes, ids of the divisions under them), read once per request; None for a superuser. The ids are
    None for a scope filtered by prefix: a city's or the province's, or more than SCOPE_IDS_LIMIT divisions.
    A user signed in through `ruian.backends` comes with it already read."""
    if not user.is_authenticated or not user.is_active:
        return [], []
    if user.is_superuser:
        return None
    if getattr(user, "_ruian_scope", None) is None:
        with connection.cursor() as cursor:
            cursor.execute(scope_sql("%(user)s"), {"user": user.pk})
            remember_scope(user, cursor.fetchall())
    return user._ruian_scope


def scope_q(user, field: str) -> Q:
    """A Q object selecting rows whose division (reached through `field`) is in the user's scope.

    `field` is the lookup path to a Division; an empty string means the rows are divisions.
    """
    scope = _scope(user)
    if scope is None:
        return Q()
    prefixes, ids = scope
    if not prefixes:
        return Q(pk__in=[])
    if ids is not None:
        return Q(**{f"{field}__in" if field else "pk__in": ids})
    condition = Q()
    for prefix in prefixes:
        condition |= Q(**{f"{field}__code__startswith" if field else "code__startswith": prefix})
    return condition


def scope_filter(queryset: QuerySet, user, field: str = "division") -> QuerySet:
    return queryset.filter(scope_q(user, field))


def in_scope(user, division: Division | None) -> bool:
    if division is None:
        return False
    prefixes = scope_prefixes(user)
    if prefixes is None:
        return True
    return any(division.code.startswith(prefix) for prefix in prefixes)


def can_view(user, obj) -> bool:
    """Whether the user may see an object that belongs to a division (it has `scope_division`)."""
    if obj is None or not user.is_authenticated:
        return False
    division = getattr(obj, "scope_division", None)
    return in_scope(user, division)
