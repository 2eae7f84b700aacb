"""12-digit division codes (6 + 3 + 3): validation, levels, kinds, and the tree."""

import pytest
from django.core.exceptions import ValidationError

from ruian.divisions import Kind, Level, create_division, validate_division_code


@pytest.mark.parametrize(
    ("code", "level", "kind"),
    [
        ("320623000000", Level.COUNTY, Kind.OTHER),
        ("320623001000", Level.TOWNSHIP, Kind.STREET),
        ("320623101000", Level.TOWNSHIP, Kind.TOWN),
        ("320623201000", Level.TOWNSHIP, Kind.XIANG),
        ("320623101005", Level.VILLAGE, Kind.COMMUNITY),
        ("320623101201", Level.VILLAGE, Kind.VILLAGE),
    ],
)
def test_level_and_kind_follow_the_code(db, code, level, kind):
    create_division(code="320623000000", name="如东县")
    if level == Level.VILLAGE:
        create_division(code=code[:9] + "000", name="镇")
    division = create_division(code=code, name="x")
    assert (division.level, division.kind) == (level, kind)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("32062310100", "12位"),  # 11 digits
        ("3206231010001", "12位"),  # 13 digits
        ("32062310100A", "12位"),
        ("320623400000", "001-399"),  # township part out of range
        ("320623101400", "001-399"),  # village part out of range
        ("000623101001", "省级"),
    ],
)
def test_malformed_codes_are_refused_with_a_reason(code, reason):
    with pytest.raises(ValidationError) as error:
        validate_division_code(code)
    assert reason in error.value.messages[0]


def test_a_village_needs_its_township(db):
    create_division(code="320623000000", name="如东县")
    with pytest.raises(ValidationError):
        create_division(code="320623101201", name="无主村")


def test_tree_and_scope_prefixes(db):
    county = create_division(code="320623000000", name="如东县")
    town = create_division(code="320623101000", name="长沙镇")
    village = create_division(code="320623101201", name="长沙村")
    assert town.parent == county and village.parent == town
    assert village.township == town
    assert county.prefix == "320623" and town.prefix == "320623101"


def test_api_refuses_a_malformed_code_with_the_json_error_format(api, db, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="x-very-long-password")
    api.force_authenticate(admin)
    response = api.post("/api/v1/divisions/", {"code": "3206231", "name": "坏代码"}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert "code" in error["fields"]
    assert "12位" in error["message"]


def test_api_creates_a_division_under_its_parent(api, db, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="x-very-long-password")
    api.force_authenticate(admin)
    api.post("/api/v1/divisions/", {"code": "320623000000", "name": "如东县"}, format="json")
    response = api.post("/api/v1/divisions/", {"code": "320623101000", "name": "长沙镇"}, format="json")
    assert response.status_code == 201
    assert response.json()["parent_code"] == "320623000000"
    assert response.json()["kind"] == "town"


def test_only_administrators_add_divisions(api, clerk):
    api.force_authenticate(clerk)
    response = api.post("/api/v1/divisions/", {"code": "320623102000", "name": "大豫镇"}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_creating_again_changes_and_audits_only_what_changed(db):
    from ruian.audit import AuditEntry

    create_division(code="320623000000", name="如东县")
    create_division(code="320623000000", name="如东县")
    assert AuditEntry.objects.filter(action__startswith="ruian.division.").count() == 1
    create_division(code="320623000000", name="如东县(新)")
    entry = AuditEntry.objects.get(action="ruian.division.updated")
    assert (entry.from_state, entry.to_state) == ("如东县", "如东县(新)")
