"""Data scope: which divisions a user may work in, and filtering by it.

The grant is a django-guardian object permission, `ruian.work_in_division`, on a Division (a
township for township staff, the county for county staff and REST clients). A grant on a division
covers everything under it. Selectors call `scope_filter` so that a clerk of one township never sees
another township's data, in pages and in the API alike.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Q, QuerySet

from ruian.divisions import Division

PERMISSION = "ruian.work_in_division"

# The grants of the permission, to the user and to the user's groups, in one statement. What
# guardian's get_objects_for_user(user, PERMISSION, klass=Division, accept_global_perms=False) answers,
# read on every request of a scoped page, without the three lookups guardian makes to build its query.
_SCOPE_SQL = """
SELECT DISTINCT d.code, d.level FROM ruian_division d
WHERE d.id IN (
    SELECT u.object_pk::bigint FROM guardian_userobjectpermission u
    JOIN auth_permission p ON p.id = u.permission_id
    WHERE u.user_id = %(user)s AND p.content_type_id = %(ct)s AND p.codename = %(codename)s
    UNION ALL
    SELECT g.object_pk::bigint FROM guardian_groupobjectpermission g
    JOIN auth_permission p ON p.id = g.permission_id
    JOIN auth_user_groups ug ON ug.group_id = g.group_id
    WHERE ug.user_id = %(user)s AND p.content_type_id = %(ct)s AND p.codename = %(codename)s
)
"""


def scope_prefixes(user) -> list[str] | None:
    """Code prefixes of the divisions the user may work in; None means everywhere (superuser)."""
    if not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser:
        return None
    cached = getattr(user, "_ruian_scope", None)
    if cached is None:
        cached = sorted({Division(code=code, level=level).prefix for code, level in _granted_divisions(user)})
        user._ruian_scope = cached
    return cached


def _granted_divisions(user) -> list[tuple[str, str]]:
    content_type = ContentType.objects.get_for_model(Division)
    with connection.cursor() as cursor:
        cursor.execute(
            _SCOPE_SQL,
            {"user": user.pk, "ct": content_type.pk, "codename": PERMISSION.split(".", 1)[1]},
        )
        return cursor.fetchall()


def scope_q(user, field: str) -> Q:
    """A Q object selecting rows whose division (reached through `field`) is in the user's scope.

    `field` is the lookup path to a Division; an empty string means the rows are divisions.
    """
    prefixes = scope_prefixes(user)
    if prefixes is None:
        return Q()
    if not prefixes:
        return Q(pk__in=[])
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
