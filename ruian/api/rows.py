"""Formatting values() rows as DRF's fields would, for the big read-only lists that skip serializers.

A ModelSerializer costs far more per row than the query does (a field object per column, a related object
per foreign key). The apps' list and sync endpoints build plain dicts from `values()` instead, key for key
what their serializer gives (each app's tests compare the two); the serializer stays the API's
documentation and the single-object answer. What they share lives here.
"""

import datetime
import functools

from django.conf import settings
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

_DATETIME = serializers.DateTimeField()


def datetime_formatter():
    """A function formatting a datetime (or None) as `DateTimeField().to_representation` does, with the
    current time zone looked up once per page instead of once per value."""
    if str(api_settings.DATETIME_FORMAT).lower() != ISO_8601 or not settings.USE_TZ:
        return lambda value: None if value is None else _DATETIME.to_representation(value)
    zone = timezone.get_current_timezone()

    def to_representation(value):
        if value is None:
            return None
        if type(value) is datetime.datetime and value.tzinfo is not None:
            text = value.astimezone(zone).isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return _DATETIME.to_representation(value)

    return to_representation


ORGANISATION_COLUMNS = ("id", "name", "kind", "stationed_type", "township_share", "short_code", "phone")


def organisation_values(queryset):
    return queryset.values(*ORGANISATION_COLUMNS, "parent_id", "home_department_id", "division__code", "division__name")


@functools.cache
def _share_field():
    from ruian.api.serializers import OrganisationSerializer

    return OrganisationSerializer().fields["township_share"]


def organisation_rows(values) -> list[dict]:
    """What `OrganisationSerializer(many=True)` answers, from `organisation_values` rows."""
    share = _share_field().to_representation
    return [
        {
            "id": v["id"],
            "name": v["name"],
            "kind": v["kind"],
            "division": v["division__code"],
            "division_name": v["division__name"],
            "parent": v["parent_id"],
            "home_department": v["home_department_id"],
            "stationed_type": v["stationed_type"],
            "township_share": None if v["township_share"] is None else share(v["township_share"]),
            "short_code": v["short_code"],
            "phone": v["phone"],
        }
        for v in values
    ]


def organisation_row(organisation) -> dict:
    """What `OrganisationSerializer(organisation).data` answers (its division loaded)."""
    values = {name: getattr(organisation, name) for name in ORGANISATION_COLUMNS}
    values.update(
        parent_id=organisation.parent_id,
        home_department_id=organisation.home_department_id,
        division__code=organisation.division.code,
        division__name=organisation.division.name,
    )
    return organisation_rows([values])[0]


ME_COLUMNS = ("username", "first_name", "last_name", "email")


def me_row(user) -> dict:
    """What `MeSerializer(user).data` answers: the account, its roles and its organisation. Building the
    serializer (its fields copied per instance) cost a third of the whole `/api/v1/me/` request."""
    from ruian.staff import roles_of

    profile = getattr(user, "staff", None)
    organisation = None if profile is None else profile.organisation
    return {
        **{name: getattr(user, name) for name in ME_COLUMNS},
        "roles": sorted(roles_of(user)),
        "organisation": None if organisation is None else organisation_row(organisation),
    }
