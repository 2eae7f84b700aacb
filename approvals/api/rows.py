"""Plain-dict rows of applications for the API's incremental sync, built from `values()`.

`ApplicationSerializer` (a ModelSerializer with nested serializers for the materials, the decision and
the issuance) costs far more per row than the query does. `application_values` reads a page in one query
(township, decision and issuance joined) and `application_row` gives the same JSON as the serializer, key
for key and in the same order (tests/approvals/test_rows.py compares them). The serializer stays the API's
documentation (OpenAPI schema) and the answer of single-object endpoints.
"""

import functools

from django.db.models import F
from rest_framework import serializers

from approvals.states import Status
from ruian.api.rows import datetime_formatter
from ruian.selectors import choice_labels


@functools.cache
def _own_columns() -> tuple[str, ...]:
    """The serializer's fields that are the application's own columns (the rest are joined below)."""
    from approvals.api.serializers import ApplicationSerializer
    from approvals.models import Application

    columns = {field.attname for field in Application._meta.concrete_fields}
    return tuple(name for name in ApplicationSerializer.Meta.fields if name in columns)


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

_BOOLEAN = serializers.BooleanField()
_MATERIAL_KEYS = ("name", "form", "copies", "mandatory", "provided")


def application_values(queryset):
    """`queryset` (applications, filtered and ordered) as the dicts `application_row` takes: one query."""
    return queryset.values(*_own_columns(), **JOINED)


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


_STATUS_LABELS = dict(Status.choices)  # lazy: translated when shown


def status_labels() -> dict:
    """Status labels in the active language (get_status_display)."""
    return choice_labels(Status)


def application_row(values: dict, labels: dict, moment) -> dict:
    """A row of `application_values` as ApplicationSerializer shows the application."""
    status = values["status"]
    materials = values["materials"]
    decision = None
    if values["decision_pk"] is not None:
        decision = {
            "outcome": values["decision_outcome"],
            "reasons": values["decision_reasons"],
            "decided_at": moment(values["decision_decided_at"]),
            "on_pledge": _boolean(values["decision_on_pledge"]),
            "certificate_number": values["decision_certificate_number"],
        }
    issuance = None
    if values["issuance_pk"] is not None:
        issuance = {
            "delivery": values["issuance_delivery"],
            "delivery_detail": values["issuance_delivery_detail"],
            "issued_at": moment(values["issuance_issued_at"]),
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
        "received_at": moment(values["received_at"]),
        "accepted_at": moment(values["accepted_at"]),
        "deemed_accepted": _boolean(values["deemed_accepted"]),
        "decided_at": moment(values["decided_at"]),
        "issued_at": moment(values["issued_at"]),
        "closed_at": moment(values["closed_at"]),
        "extended": _boolean(values["extended"]),
        "extension_reason": values["extension_reason"],
        "refusal_reason": values["refusal_reason"],
        "competent_department": values["competent_department"],
        "pledge": _boolean(values["pledge"]),
        "joint_handling": _boolean(values["joint_handling"]),
        "overdue": _boolean(values["overdue"]),
        "decision": decision,
        "issuance": issuance,
        "updated_at": moment(values["updated_at"]),
    }


def application_row_of(app) -> dict:
    """What `ApplicationSerializer(app, context={"undecided": True})` answers, from the instance in hand (its
    township loaded): an application just received or accepted, with no decision or issuance. No query."""
    values = {name: getattr(app, name) for name in _own_columns()}
    values.update(
        township_code=app.township.code,
        township_name=app.township.name,
        decision_pk=None,
        issuance_pk=None,
    )
    # Only the label it shows is translated (translating every label cost more than the rest of the row).
    label = _STATUS_LABELS.get(app.status)
    labels = {} if label is None else {app.status: str(label)}
    return application_row(values, labels, datetime_formatter())


def application_rows(values) -> list[dict]:
    labels = status_labels()
    moment = datetime_formatter()
    return [application_row(v, labels, moment) for v in values]
