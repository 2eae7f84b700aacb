"""What every signed-in request costs before the page's own work: the session from Redis, the user with
staff profile, organisation, roles, unread badge and data scope in one query."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ruian import notifications
from ruian.permissions import scope_prefixes
from tests.conftest import login


@pytest.fixture
def redis_cache(settings):
    # The real session cache (the suite may run with a local-memory cache elsewhere).
    settings.CACHES = {"default": {"BACKEND": "ruian.cache.RedisCache", "LOCATION": settings.REDIS_URL}}
    yield
    cache.clear()


def _statements(client, path):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def test_a_signed_in_page_reads_session_user_roles_and_badge_in_one_query(client, clerk, redis_cache):
    notifications.notify([clerk], title="待办", body="一件待办")
    login(client, clerk)
    client.get("/dashboard/")  # the first read puts the session in the cache
    statements = _statements(client, "/dashboard/")
    assert not any("django_session" in sql for sql in statements), "the session comes from Redis"
    user_loads = [sql for sql in statements if "ruian_load_user" in sql]
    assert len(user_loads) == 1  # the prepared statement of ruian.backends
    # The header shows the organisation, the roles and the unread count, none of them queried again.
    assert not any('"auth_group"' in sql or '"ruian_staffprofile"' in sql for sql in statements)
    page = client.get("/dashboard/").content.decode()
    assert "1 条未读" in page or 'data-testid="unread-count">1<' in page


def test_the_api_reads_token_user_and_roles_in_one_query(token_api, api_client_user):
    token_api.get("/api/v1/me/")
    statements = _statements(token_api, "/api/v1/me/")
    assert len(statements) == 1
    body = token_api.get("/api/v1/me/").json()
    assert body["roles"] == ["api_client"]


def test_signing_out_ends_the_session_in_the_cache_too(client, clerk, redis_cache):
    login(client, clerk)
    assert client.get("/dashboard/").status_code == 200
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post("/accounts/logout/")
    client.cookies[settings.SESSION_COOKIE_NAME] = cookie  # replaying the old cookie
    response = client.get("/dashboard/")
    assert response.status_code == 302 and "/login" in response["Location"]


def test_data_scope_is_one_statement_and_follows_the_organisation(clerk, home_township):
    with CaptureQueriesContext(connection) as captured:
        assert scope_prefixes(clerk) == [home_township.prefix]
    assert len(captured) == 1


def test_the_signed_in_user_comes_with_the_data_scope_of_the_standalone_statement(
    client, clerk, api_client_user, home_township, county, django_user_model, redis_cache
):
    from ruian.apiclients import hash_key, issue_token
    from ruian.backends import load_token, load_user

    key = issue_token(user=api_client_user, name="平台", scopes=["directory:read"])
    for loaded, plain in ((load_user(clerk.pk), clerk), (load_token(hash_key(key)).user, api_client_user)):
        with CaptureQueriesContext(connection) as captured:
            prefixes = scope_prefixes(loaded)
        assert len(captured) == 0, "read with the user"
        fresh = django_user_model.objects.get(pk=plain.pk)  # loaded by the ORM: the scope is read apart
        assert prefixes == scope_prefixes(fresh) != []
    assert scope_prefixes(load_user(clerk.pk)) == [home_township.prefix]
    # A page of a township's data: the user's load is the only statement before the page's own queries.
    login(client, clerk)
    client.get("/approvals/")
    statements = _statements(client, "/approvals/")
    assert not any("guardian_userobjectpermission" in sql for sql in statements if "ruian_load_user" not in sql)


def test_users_without_profile_or_organisation_load_as_the_orm_loads_them(db, django_user_model, clerk):
    from ruian.backends import load_user
    from ruian.staff import StaffProfile

    bare = django_user_model.objects.create_user("bare", password="x-very-long-password")
    loaded = load_user(bare.pk)
    assert loaded == bare and loaded.unread_notifications == 0
    with pytest.raises(StaffProfile.DoesNotExist):
        _ = loaded.staff
    StaffProfile.objects.create(user=bare)
    assert load_user(bare.pk).staff.organisation is None
    full = load_user(clerk.pk)
    assert full.staff.organisation == clerk.staff.organisation and full.staff.user is full
    assert full.staff.organisation.division == clerk.staff.organisation.division
    assert full.get_full_name() == clerk.get_full_name() and full.password == clerk.password
    assert load_user(10**9) is None


def test_organisations_list_is_the_serializers_json_in_one_page_query(api, editor, home_centre, home_township):
    from ruian.api.serializers import OrganisationSerializer
    from ruian.organisations import Organisation, OrgKind
    from ruian.selectors import organisations_for

    Organisation.objects.create(
        name="县市场监管局长沙所",
        kind=OrgKind.STATIONED_UNIT,
        division=home_township,
        parent=home_centre,
        stationed_type="market_regulation",
        township_share="0.60",
        short_code="SC",
        phone="0513-1",
    )
    api.force_authenticate(editor)
    api.get("/api/v1/organisations/")
    with CaptureQueriesContext(connection) as captured:
        body = api.get("/api/v1/organisations/", {"page_size": 500}).json()
    pages = [q["sql"] for q in captured.captured_queries if "ruian_organisation" in q["sql"]]
    assert len(pages) == 1 and "count(*)" in pages[0]  # the page carries its total: no COUNT query of its own
    expected = OrganisationSerializer(organisations_for(editor), many=True).data
    assert body["results"] == [dict(row) for row in expected] and body["count"] == len(expected)
    assert any(row["township_share"] == "0.60" for row in body["results"])
    assert api.get("/api/v1/organisations/", {"page": 99}).status_code == 404


def test_the_redis_cache_keeps_one_client_per_pool(redis_cache):
    from django.core.cache import caches

    backend = caches["default"]
    backend.set("ruian-test", 1)
    assert backend.get("ruian-test") == 1
    assert backend._cache.get_client(write=True) is backend._cache.get_client(write=True)


def test_me_answers_the_serializers_json_without_building_it(api, clerk, django_user_model):
    from ruian.api.rows import ME_COLUMNS
    from ruian.api.serializers import MeSerializer
    from ruian.backends import load_user

    assert set(MeSerializer.Meta.fields) == {*ME_COLUMNS, "roles", "organisation"}, "a field added to one only"
    bare = django_user_model.objects.create_user("bare", password="x-very-long-password", email="b@example.cn")
    for user in (clerk, bare):
        api.force_authenticate(load_user(user.pk))
        body = api.get("/api/v1/me/").json()
        assert body == MeSerializer(load_user(user.pk)).data
    assert body["organisation"] is None and body["email"] == "b@example.cn"
    api.force_authenticate(load_user(clerk.pk))
    assert api.get("/api/v1/me/").json()["organisation"]["name"] == clerk.staff.organisation.name


def test_prepared_statements_are_planned_once_per_connection(clerk):
    """The user's load is not re-planned at each request (PostgreSQL's default may choose to)."""
    from ruian.backends import load_user

    load_user(clerk.pk)
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone()[0] == "force_generic_plan"
        for _ in range(6):
            load_user(clerk.pk)
        cursor.execute("SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = 'ruian_load_user'")
        generic, custom = cursor.fetchone()
    assert custom == 0 and generic >= 6
