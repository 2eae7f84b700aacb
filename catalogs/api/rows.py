"""Plain-dict rows for the catalogs' big read-only lists, built from `values()`.

DRF's ModelSerializer costs far more per row than the query does (a field object per column, nested
serializers per material); these functions give the same JSON, key for key and in the same order, as
`PowerItemSerializer` and `TownshipPowerSerializer` (tests/catalogs/test_rows.py compares them). The
serializers stay the API's documentation (OpenAPI schema) and the write path.
"""

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import F, OuterRef

from catalogs.models import MATERIAL_FORMS, Category, PowerItem
from ruian.api.rows import datetime_formatter

# Columns read from the power item table for a list row, in the serializer's order where they appear.
POWER_ITEM_COLUMNS = (
    "id",
    "version_id",
    "code",
    "name",
    "category",
    "legal_basis",
    "accountability_basis",
    "implementing_subject",
    "accepting_office",
    "deciding_office",
    "department_id",
    "responsibility_items",
    "accountability_cases",
    "legal_time_limit",
    "promised_time_limit",
    "time_limit_unit",
    "fees",
    "fee_basis",
    "materials",
    "conditions",
    "channels",
    "simplified_procedure",
    "is_active",
    "lineage",
    "revision",
    "updated_at",
)

_MATERIAL_KEYS = frozenset(("name", "form", "copies", "mandatory", "note"))


def power_item_values(queryset):
    """`queryset` (power items, filtered and ordered) as the dicts `power_item_row` takes: one query, the
    parent's code and the townships' codes (ordered by code, as the serializer lists them) included."""
    townships = ArraySubquery(
        PowerItem.townships.through.objects.filter(poweritem_id=OuterRef("pk"))
        .order_by("division__code")
        .values("division__code")
    )
    return queryset.values(*POWER_ITEM_COLUMNS, parent_code_value=F("parent__code"), township_codes=townships)


def _category_labels() -> dict:
    """Category labels in the active language (get_category_display)."""
    return {value: str(label) for value, label in Category.choices}


def _material(material):
    """One material as MaterialSerializer gives it; anything out of the ordinary goes through the serializer."""
    form = material.get("form", "original") if type(material) is dict else None
    if (
        type(form) is str
        and form in MATERIAL_FORMS
        and material.keys() <= _MATERIAL_KEYS
        and type(material.get("name")) is str
        and type(material.get("copies", 1)) is int
        and type(material.get("mandatory", True)) is bool
        and type(material.get("note", "")) is str
    ):
        row = {
            "name": material["name"],
            "form": form,
            "copies": material.get("copies", 1),
            "mandatory": material.get("mandatory", True),
        }
        if "note" in material:
            row["note"] = material["note"]
        return row
    from catalogs.api.serializers import MaterialSerializer

    return MaterialSerializer().to_representation(material)


def _strings(values):
    return [None if value is None else str(value) for value in values]


def power_item_row(values: dict, labels: dict, datetime_text=None) -> dict:
    """A row of `power_item_values` as PowerItemSerializer shows the item."""
    datetime_text = datetime_text or datetime_formatter()
    category = values["category"]
    updated_at = values["updated_at"]
    materials = values["materials"]
    channels = values["channels"]
    responsibilities = values["responsibility_items"]
    return {
        "id": values["id"],
        "version": values["version_id"],
        "code": values["code"],
        "name": values["name"],
        "category": category,
        "category_label": labels.get(category, category),
        "parent_code": values["parent_code_value"] or "",
        "legal_basis": values["legal_basis"],
        "accountability_basis": values["accountability_basis"],
        "implementing_subject": values["implementing_subject"],
        "accepting_office": values["accepting_office"],
        "deciding_office": values["deciding_office"],
        "department": values["department_id"],
        "responsibility_items": None if responsibilities is None else _strings(responsibilities),
        "accountability_cases": values["accountability_cases"],
        "legal_time_limit": values["legal_time_limit"],
        "promised_time_limit": values["promised_time_limit"],
        "time_limit_unit": values["time_limit_unit"],
        "fees": values["fees"],
        "fee_basis": values["fee_basis"],
        "materials": None if materials is None else [_material(m) for m in materials],
        "conditions": values["conditions"],
        "channels": None if channels is None else list(channels),
        "simplified_procedure": values["simplified_procedure"],
        "is_active": values["is_active"],
        "townships": [code for code in values["township_codes"] or () if code is not None],
        "lineage": str(values["lineage"]),
        "revision": values["revision"],
        "updated_at": datetime_text(updated_at),
    }


def power_item_rows(values) -> list[dict]:
    labels = _category_labels()
    datetime_text = datetime_formatter()
    return [power_item_row(v, labels, datetime_text) for v in values]


TOWNSHIP_POWER_COLUMNS = ("id", "code", "name", "category", "version_id", "department_id", "legal_basis")


def township_power_rows(values) -> list[dict]:
    """Rows of `queryset.values(*TOWNSHIP_POWER_COLUMNS, version_title=...)` as TownshipPowerSerializer
    shows them."""
    return [
        {
            "id": v["id"],
            "code": v["code"],
            "name": v["name"],
            "category": v["category"],
            "version": v["version_id"],
            "version_title": v["version_title"],
            "department": v["department_id"],
            "legal_basis": v["legal_basis"],
        }
        for v in values
    ]
