"""Plain-dict rows of applications for the API's incremental sync, built from `values()`.

`ApplicationSerializer` (a ModelSerializer with nested serializers for the materials, the decision and
the issuance) costs far more per row than the query does. `application_values` reads a page in one query
(township, decision and issuance joined) and `application_row` gives the same JSON as the serializer, key
for key and in the same order (tests/approvals/test_rows.py compares them). The serializer stays the API's
documentation (OpenAPI schema) and the answer of single-object endpoints.
"""

import datetime

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from approvals.states import Status

# Model columns of a row, as the serializer names them.
APPLICATION_COLUMNS = (
    "id",
    "number",
    "item_code",
    "item_name",
    "deciding_office",
    "legal_limit",
    "promised_limit",
    "channel",
    "applicant_kind",
    "applicant_name",
    "applicant_id_number",
    "applicant_phone",
    "materials",
    "status",
    "received_at",
    "accepted_at",
    "deemed_accepted",
    "decided_at",
    "issued_at",
    "closed_at",
    "extended",
    "extension_reason",
    "refusal_reason",
    "competent_department",
    "pledge",
    "joint_handling",
    "overdue",
    "updated_at",
)

# Joined columns: the township, the decision and the issuance (reverse one-to-ones: NULL when missing).
JOINED = {
    "township_code": F("township__code"),
    "township_name": F("township__name"),
    "decision_pk": F("decision__id"),
    "decision_outcome": F("decision__outcome"),
    "decision_reasons": F("decision__reasons"),
    "decision_decided_at": F("decision__decided_at"),
    "decision_on_pledge": F("decision__on_pledge"),
    "decision_certificate_number": F("decision__certificate_number"),
    "issuance_pk": F("issuance__id"),
    "issuance_delivery": F("issuance__delivery"),
    "issuance_delivery_detail": F("issuance__delivery_detail"),
    "issuance_issued_at": F("issuance__issued_at"),
}

_DATETIME = serializers.DateTimeField()
_BOOLEAN = serializers.BooleanField()
_MATERIAL_KEYS = ("name", "form", "copies", "mandatory", "provided")


def application_values(queryset):
    """`queryset` (applications, filtered and ordered) as the dicts `application_row` takes: one query."""
    return queryset.values(*APPLICATION_COLUMNS, **JOINED)


def _datetime(value, tz=None):
    """DateTimeField's ISO 8601 in the current time zone; `tz` (the current time zone, looked up once per
    page) spares the look-up per value. Anything but an aware datetime goes through the field."""
    if value is None:
        return None
    if tz is not None and type(value) is datetime.datetime and value.tzinfo is not None:
        text = value.astimezone(tz).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    return _DATETIME.to_representation(value)


def _material(material) -> dict:
    """One material as ApprovalMaterialSerializer gives it; anything out of the ordinary goes through it."""
    if (
        type(material) is dict
        and type(material.get("name")) is str
        and type(material.get("form")) is str
        and type(material.get("copies")) is int
        and type(material.get("mandatory")) is bool
        and type(material.get("provided")) is bool
    ):
        return {key: material[key] for key in _MATERIAL_KEYS}
    from approvals.api.serializers import ApprovalMaterialSerializer

    return ApprovalMaterialSerializer().to_representation(material)


def _string(value):
    return None if value is None else str(value)


def _boolean(value):
    if type(value) is bool or value is None:
        return value
    return _BOOLEAN.to_representation(value)


def status_labels() -> dict:
    """Status labels in the active language (get_status_display)."""
    return {value: str(label) for value, label in Status.choices}


def _time_zone():
    """The zone DateTimeField writes in, when it writes ISO 8601 (else None: every value goes through it)."""
    if not settings.USE_TZ or str(api_settings.DATETIME_FORMAT).lower() != ISO_8601:
        return None
    return timezone.get_current_timezone()


def application_row(values: dict, labels: dict, tz=None) -> dict:
    """A row of `application_values` as ApplicationSerializer shows the application."""
    status = values["status"]
    materials = values["materials"]
    decision = None
    if values["decision_pk"] is not None:
        decision = {
            "outcome": values["decision_outcome"],
            "reasons": values["decision_reasons"],
            "decided_at": _datetime(values["decision_decided_at"], tz),
            "on_pledge": _boolean(values["decision_on_pledge"]),
            "certificate_number": values["decision_certificate_number"],
        }
    issuance = None
    if values["issuance_pk"] is not None:
        issuance = {
            "delivery": values["issuance_delivery"],
            "delivery_detail": values["issuance_delivery_detail"],
            "issued_at": _datetime(values["issuance_issued_at"], tz),
        }
    return {
        "number": values["number"],
        "township": _string(values["township_code"]),
        "township_name": _string(values["township_name"]),
        "item_code": values["item_code"],
        "item_name": values["item_name"],
        "deciding_office": values["deciding_office"],
        "legal_limit": values["legal_limit"],
        "promised_limit": values["promised_limit"],
        "channel": values["channel"],
        "applicant_kind": values["applicant_kind"],
        "applicant_name": values["applicant_name"],
        "applicant_id_number": values["applicant_id_number"],
        "applicant_phone": values["applicant_phone"],
        "materials": None if materials is None else [_material(m) for m in materials],
        "status": status,
        "status_label": labels.get(status, status),
        "received_at": _datetime(values["received_at"], tz),
        "accepted_at": _datetime(values["accepted_at"], tz),
        "deemed_accepted": _boolean(values["deemed_accepted"]),
        "decided_at": _datetime(values["decided_at"], tz),
        "issued_at": _datetime(values["issued_at"], tz),
        "closed_at": _datetime(values["closed_at"], tz),
        "extended": _boolean(values["extended"]),
        "extension_reason": values["extension_reason"],
        "refusal_reason": values["refusal_reason"],
        "competent_department": values["competent_department"],
        "pledge": _boolean(values["pledge"]),
        "joint_handling": _boolean(values["joint_handling"]),
        "overdue": _boolean(values["overdue"]),
        "decision": decision,
        "issuance": issuance,
        "updated_at": _datetime(values["updated_at"], tz),
    }


def application_rows(values) -> list[dict]:
    labels = status_labels()
    tz = _time_zone()
    return [application_row(v, labels, tz) for v in values]
