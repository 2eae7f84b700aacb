"""`manage.py load_demo`: Rudong county with one working login per role, and safe to run twice."""

import re
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.http import HttpRequest
from django.utils import timezone
from guardian.models import UserObjectPermission

from ruian import demo
from ruian.apiclients import ClientToken
from ruian.audit import AuditEntry
from ruian.divisions import Division, Kind, Level, validate_division_code
from ruian.organisations import Organisation, OrgKind
from ruian.permissions import scope_prefixes
from ruian.staff import Role, roles_of

pytestmark = pytest.mark.django_db


def load_demo(*args) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def printed_token(output: str) -> str | None:
    match = re.search(r"Authorization: Token (\S+)", output)
    return match.group(1) if match else None


def counts() -> dict[str, int]:
    return {
        "divisions": Division.objects.count(),
        "organisations": Organisation.objects.count(),
        "users": get_user_model().objects.count(),
        "guardian permissions": UserObjectPermission.objects.count(),
        "tokens": ClientToken.objects.count(),
        "audit entries": AuditEntry.objects.count(),
    }


def test_it_builds_the_fourteen_townships_of_rudong():
    load_demo()
    townships = Division.objects.townships().filter(code__startswith="320623")
    assert townships.count() == 14
    assert set(townships.filter(kind=Kind.STREET).values_list("name", flat=True)) == {
        "掘港街道",
        "城中街道",
        "苴镇街道",
    }
    for township in townships:
        validate_division_code(township.code)
        assert township.parent.code == "320623000000"
        assert township.kind == (Kind.STREET if int(township.code[6:9]) <= 99 else Kind.TOWN)
        villages = township.children.all()
        assert 3 <= len(villages) <= 5
        for village in villages:
            validate_division_code(village.code)
            assert village.kind == (Kind.COMMUNITY if int(village.code[9:]) <= 199 else Kind.VILLAGE)
    assert Division.objects.get(code="320623000000").parent.code == "320600000000"
    assert Division.objects.get(level=Level.PROVINCE).name == "江苏省"


def test_each_township_has_its_organisations():
    load_demo()
    for township in Division.objects.townships():
        kinds = list(Organisation.objects.filter(division=township).values_list("kind", flat=True))
        assert kinds.count(OrgKind.SERVICE_CENTRE) == 1
        assert kinds.count(OrgKind.ENFORCEMENT_SQUAD) == 1
        assert kinds.count(OrgKind.COMMAND_CENTRE) == 1
        assert kinds.count(OrgKind.WINDOW) >= 2
        assert kinds.count(OrgKind.STATIONED_UNIT) == 5
        assert Organisation.objects.filter(kind=OrgKind.PROXY_POINT, division__parent=township).count() == (
            township.children.count()
        )
    police = Organisation.objects.get(name="如东县公安局长沙派出所")
    assert police.home_department.short_code == "gaj"
    for window in Organisation.objects.filter(kind=OrgKind.WINDOW):
        assert window.parent.kind == OrgKind.SERVICE_CENTRE


def test_every_role_has_a_user_who_can_log_in(client):
    load_demo()
    User = get_user_model()
    for role in Role.values:
        user = User.objects.filter(groups__name=role).order_by("pk").first()
        assert user is not None, role
        # axes needs a request to authenticate, which the test client does not pass by itself.
        assert client.login(request=HttpRequest(), username=user.username, password=settings.DEMO_PASSWORD), role
        client.logout()
    assert User.objects.get(username="admin").is_superuser
    assert client.login(request=HttpRequest(), username="admin", password=settings.DEMO_PASSWORD)


def test_officers_hold_valid_certificates():
    load_demo()
    for username in ("squad_leader", "officer", "officer2"):
        profile = get_user_model().objects.get(username=username).staff
        assert profile.organisation.kind == OrgKind.ENFORCEMENT_SQUAD
        # valid today (the training demo may have renewed one after a passed exam)
        assert profile.certificate_valid_on(timezone.localdate())


def test_clerk_sees_only_changsha_and_clerk2_only_dayu():
    load_demo()
    User = get_user_model()
    clerk, clerk2 = User.objects.get(username="clerk"), User.objects.get(username="clerk2")
    assert scope_prefixes(clerk) == ["320623100"]
    assert clerk.staff.organisation.division.name == "长沙镇"
    assert scope_prefixes(clerk2) == ["320623101"]
    assert roles_of(clerk) == roles_of(clerk2) == {Role.WINDOW_CLERK}
    assert scope_prefixes(User.objects.get(username="editor")) == ["320623"]


def test_running_it_twice_duplicates_nothing():
    first_output = load_demo()
    first = counts()
    roles_assigned = AuditEntry.objects.filter(action="ruian.staff.role_assigned").count()
    assert roles_assigned >= len(demo.USERS)  # the apps' demos may add users of their own
    second_output = load_demo()
    assert counts() == first
    assert first["tokens"] == 1
    assert AuditEntry.objects.filter(action="ruian.staff.role_assigned").count() == roles_assigned
    assert printed_token(first_output)
    assert printed_token(second_output) is None
    assert "issue_token api_client" in second_output


def test_new_token_replaces_the_old_one(client):
    old = printed_token(load_demo())
    new = printed_token(load_demo("--new-token"))
    assert new and new != old
    assert ClientToken.objects.count() == 1
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {old}").status_code == 401


def test_printed_token_authenticates(client):
    token = printed_token(load_demo())
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200
    assert response.json()["username"] == "api_client"


def test_it_runs_the_app_demo_loaders_that_exist_in_order(tmp_path, monkeypatch):
    for app in ("demo_first", "demo_second", "demo_without_loader"):
        (tmp_path / app).mkdir()
        (tmp_path / app / "__init__.py").write_text("")
    for app in ("demo_first", "demo_second"):
        (tmp_path / app / "demo.py").write_text(f"def load(stdout):\n    stdout.write('loaded {app}')\n")
    monkeypatch.syspath_prepend(tmp_path)
    monkeypatch.setattr(
        demo,
        "APP_DEMO_MODULES",
        ["demo_no_such_app.demo", "demo_second.demo", "demo_without_loader.demo", "demo_first.demo"],
    )
    output = load_demo()
    assert output.index("loaded demo_second") < output.index("loaded demo_first")
    assert "App demo data: demo_second.demo, demo_first.demo" in output


def test_an_import_error_inside_an_app_demo_propagates_and_nothing_is_written(tmp_path, monkeypatch):
    (tmp_path / "demo_broken").mkdir()
    (tmp_path / "demo_broken" / "__init__.py").write_text("")
    (tmp_path / "demo_broken" / "demo.py").write_text("import demo_no_such_dependency\n")
    monkeypatch.syspath_prepend(tmp_path)
    monkeypatch.setattr(demo, "APP_DEMO_MODULES", ["demo_broken.demo"])
    with pytest.raises(ImportError, match="demo_no_such_dependency"):
        load_demo()
    assert not Division.objects.exists()  # one transaction: nothing half-written


def test_issue_token_prints_a_new_token(client):
    load_demo()
    out = StringIO()
    call_command("issue_token", "api_client", "--scopes", "catalogs:read", stdout=out)
    token = printed_token(out.getvalue())
    assert ClientToken.objects.get().scopes == ["catalogs:read"]
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200
