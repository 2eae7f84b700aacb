"""Token authentication for REST clients, the one JSON error format, throttling, and the schema."""

import pytest
from django.core.cache import cache

from ruian.apiclients import ClientToken, issue_token, revoke_token


def test_token_authenticates_the_client(token_api, api_client_user):
    response = token_api.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["username"] == "api_client"
    assert ClientToken.objects.get(user=api_client_user).last_used_at is not None


def test_bearer_keyword_is_accepted_too(api, api_token):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token}")
    assert api.get("/api/v1/me/").status_code == 200


def test_only_a_hash_of_the_token_is_stored(api_token, api_client_user):
    token = ClientToken.objects.get(user=api_client_user)
    assert api_token not in (token.key_hash, token.prefix)
    assert len(token.key_hash) == 64


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Token not-a-real-token", "令牌无效"),
        ("Token", "令牌格式错误"),
        ("Token a b", "令牌格式错误"),
    ],
)
def test_bad_tokens_get_401_in_the_error_format(api, db, header, message):
    api.credentials(HTTP_AUTHORIZATION=header)
    response = api.get("/api/v1/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == "authentication_failed"
    assert message in body["error"]["message"]


def test_a_revoked_token_stops_working(token_api, api_client_user):
    revoke_token(user=api_client_user)
    response = token_api.get("/api/v1/me/")
    assert response.status_code == 401
    assert "吊销" in response.json()["error"]["message"]


def test_reissuing_replaces_the_old_token(api, api_client_user, api_token):
    new = issue_token(user=api_client_user, name="省平台", scopes=["catalogs:read"])
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token}")
    assert api.get("/api/v1/me/").status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Token {new}")
    assert api.get("/api/v1/me/").status_code == 200
    assert ClientToken.objects.filter(user=api_client_user).count() == 1


def test_unknown_scopes_are_refused(api_client_user):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        issue_token(user=api_client_user, name="x", scopes=["everything"])


def test_bad_json_is_a_400_in_the_error_format(api, notification_user):
    api.force_authenticate(notification_user)
    response = api.post("/api/v1/notifications/read/", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_validation_errors_name_the_fields(api, notification_user):
    api.force_authenticate(notification_user)
    response = api.post("/api/v1/notifications/read/", {"ids": ["abc"]}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error" and "ids" in error["fields"]


def test_unknown_api_path_is_json_404(api, db):
    response = api.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_working_day_calculator(api, clerk):
    from ruian import workdays

    workdays.seed_from_package([2026])
    api.force_authenticate(clerk)
    body = api.get("/api/v1/calendar/add-working-days/", {"start": "2026-09-30", "days": 5}).json()
    assert body["due"] == "2026-10-13" and body["calendar_known"] is True
    bad = api.get("/api/v1/calendar/add-working-days/", {"start": "2026-13-40", "days": -1})
    assert bad.status_code == 400 and set(bad.json()["error"]["fields"]) == {"start", "days"}
    workdays.clear_cache()


def test_requests_over_the_rate_are_throttled(api, clerk, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": "2/min", "anon": "2/min"})
    cache.clear()
    api.force_authenticate(clerk)
    try:
        codes = [api.get("/api/v1/me/").status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        error = api.get("/api/v1/me/").json()["error"]
        assert error["code"] == "throttled" and error["retry_after"] > 0
    finally:
        cache.clear()


def test_the_redis_throttle_counts_in_one_round_trip(api, clerk, monkeypatch, settings):
    """INCR and EXPIRE in one pipeline: the two-call form (add, then incr) is never taken with Redis."""
    from django.core.cache.backends.redis import RedisCache
    from rest_framework.throttling import SimpleRateThrottle

    settings.CACHES = {"default": {"BACKEND": "ruian.cache.RedisCache", "LOCATION": settings.REDIS_URL}}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": "2/min", "anon": "2/min"})
    monkeypatch.setattr(RedisCache, "add", lambda *args, **kwargs: pytest.fail("a second round trip (add)"))
    cache.clear()
    api.force_authenticate(clerk)
    try:
        assert [api.get("/api/v1/me/").status_code for _ in range(3)] == [200, 200, 429]
    finally:
        cache.clear()


def test_throttling_lets_requests_through_when_redis_is_unreachable(api, clerk, monkeypatch, settings):
    from django.core.cache import caches
    from rest_framework.throttling import SimpleRateThrottle

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    monkeypatch.setattr(SimpleRateThrottle, "cache", caches["default"])
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": "1/min", "anon": "1/min"})
    api.force_authenticate(clerk)
    assert [api.get("/api/v1/me/").status_code for _ in range(2)] == [200, 200]


def test_schema_and_docs_are_served_without_a_cdn(client, db):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/organisations/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html
    assert "cdn" not in html.lower() and "https://" not in html.split("<body")[0]


@pytest.fixture
def notification_user(clerk):
    return clerk
