"""Shared fixtures: two townships of one county, and a user of each role in the first (home) one."""

import pytest
from django.db import connection
from rest_framework.test import APIClient

from ruian.apiclients import Scope, issue_token
from ruian.organisations import OrgKind
from ruian.staff import Role
from tests import factories as f
from tests.browser_support import browser, page, portal  # noqa: F401  (fixtures for every browser test)


@pytest.fixture(autouse=True)
def _postgres_only(request):
    # The suite's promise is that it tests PostgreSQL; refuse to pass on anything else.
    if "django_db_setup" in request.fixturenames or request.node.get_closest_marker("django_db"):
        assert connection.vendor == "postgresql", "tests must run against PostgreSQL (DATABASE_URL)"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2's deliberate slowness is for production; tests hash hundreds of passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def county(db):
    return f.county()


@pytest.fixture
def home_township(county):
    return f.township("320623100000", "长沙镇", parent=county)


@pytest.fixture
def other_township(county):
    return f.township("320623101000", "大豫镇", parent=county)


@pytest.fixture
def home_village(home_township):
    return f.village("320623100201", "长沙村", parent=home_township)


def _org(division, kind, name, **extra):
    return f.OrganisationFactory(division=division, kind=kind, name=name, **extra)


@pytest.fixture
def home_centre(home_township):
    return _org(home_township, OrgKind.SERVICE_CENTRE, "长沙镇为民服务中心")


@pytest.fixture
def home_squad(home_township):
    return _org(home_township, OrgKind.ENFORCEMENT_SQUAD, "长沙镇综合行政执法大队")


@pytest.fixture
def other_centre(other_township):
    return _org(other_township, OrgKind.SERVICE_CENTRE, "大豫镇为民服务中心")


@pytest.fixture
def county_office(county):
    return _org(county, OrgKind.COUNTY_DEPARTMENT, "县委编办", short_code="bb")


@pytest.fixture
def clerk(home_centre):
    return f.staff_user("clerk", Role.WINDOW_CLERK, home_centre, phone="13800000001")


@pytest.fixture
def other_clerk(other_centre):
    return f.staff_user("other_clerk", Role.WINDOW_CLERK, other_centre, phone="13800000002")


@pytest.fixture
def approver(home_township):
    return f.staff_user("approver", Role.APPROVER, _org(home_township, OrgKind.TOWNSHIP_OFFICE, "长沙镇经济发展局"))


@pytest.fixture
def leader(home_township):
    return f.staff_user("leader", Role.LEADER, _org(home_township, OrgKind.TOWNSHIP_OFFICE, "党政办公室"))


@pytest.fixture
def squad_leader(home_squad):
    return f.staff_user("squad_leader", Role.SQUAD_LEADER, home_squad, **f.officer_profile("32062300001"))


@pytest.fixture
def officer(home_squad):
    return f.staff_user("officer", Role.OFFICER, home_squad, **f.officer_profile("32062300002"))


@pytest.fixture
def editor(county_office):
    return f.staff_user("editor", Role.COUNTY_EDITOR, county_office)


@pytest.fixture
def operator(home_township):
    centre = _org(home_township, OrgKind.COMMAND_CENTRE, "长沙镇综合指挥中心")
    return f.staff_user("operator", Role.OPERATOR, centre)


@pytest.fixture
def api_client_user(county):
    centre = _org(county, OrgKind.COUNTY_DEPARTMENT, "省政务服务平台接口")
    return f.staff_user("api_client", Role.API_CLIENT, centre)


@pytest.fixture
def api_token(api_client_user):
    return issue_token(user=api_client_user, name="省政务服务平台", scopes=Scope.values)


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def token_api(api_token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token}")
    return client


def login(client, user):
    client.force_login(user, backend="ruian.backends.ModelBackend")
    return client
