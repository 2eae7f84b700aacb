"""Data scope: which divisions a user may work in, and filtering by it.

The grant is a django-guardian object permission, `ruian.work_in_division`, on a Division (a
township for township staff, the county for county staff and REST clients). A grant on a division
covers everything under it. Selectors call `scope_filter` so that a clerk of one township never sees
another township's data, in pages and in the API alike.
"""

from django.db.models import Q, QuerySet
from guardian.shortcuts import get_objects_for_user

from ruian.divisions import Division

PERMISSION = "ruian.work_in_division"


def scope_prefixes(user) -> list[str] | None:
    """Code prefixes of the divisions the user may work in; None means everywhere (superuser)."""
    if not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser:
        return None
    cached = getattr(user, "_ruian_scope", None)
    if cached is None:
        divisions = get_objects_for_user(user, PERMISSION, klass=Division, accept_global_perms=False)
        cached = sorted({division.prefix for division in divisions})
        user._ruian_scope = cached
    return cached


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
