"""Permission matrix, read from the URL configuration so that a new page or endpoint cannot be forgotten.

For every route: an anonymous visitor gets nothing but a login redirect, 401, 403 or 405, unless the
route is in PUBLIC; a REST client whose token lacks an app's scope gets 403 from every endpoint of that
app's API. Per-object checks (another township's objects) live with each app's tests.
"""

import re

import pytest
from django.urls import URLResolver, get_resolver
from rest_framework.test import APIClient

from ruian.apiclients import issue_token

# Routes anyone may open (the public pages and API), by URL name.
PUBLIC = {
    "home",
    "healthz",
    "login",
    "set_language",
    "schema",
    "api-docs",
    "api:ping",
    "catalogs:public_catalogs",
    "catalogs:public_version",
    "catalogs:public_export",
    "catalogs:service_guide",
    "approvals:public_lookup",
    "grids:public_grids",
    "enforcement:public_decisions",
    "enforcement:public_inspections",
    "api:enforcement:enforcement-decision-list",
    "api:enforcement:enforcement-decision-detail",
    "open311_services",
    "open311_service",
    "open311_requests",
    "open311_request",
}

SAMPLES = [
    (r"<int:[a-z_]+>", "999999"),
    (r"<str:file_format>", "xlsx"),
    (r"<(str|slug):[a-z_]+>", "x"),
    (r"\(\?P<fmt>json\|xml\)", "json"),
    (r"\(\?P<number>\[0-9A-Za-z-\]\+\)", "320623100-20261123-9999"),
    (r"\(\?P<[a-z_]+>[^)]*\)", "999999"),
]


def routes():
    def walk(patterns, prefix="", namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
            else:
                yield prefix + str(pattern.pattern), namespace + (pattern.name or "")

    seen = set()
    for route, name in walk(get_resolver().url_patterns):
        if route.startswith("admin/") or "format>" in route or "drf_format_suffix" in route:
            continue
        path = "/" + route.replace("^", "").replace("$", "").replace("\\.", ".")
        for pattern, sample in SAMPLES:
            path = re.sub(pattern, sample, path)
        if path not in seen:
            seen.add(path)
            yield pytest.param(path, name, id=f"{name or '?'} {path}")


ROUTES = list(routes())


def test_every_route_is_in_the_matrix():
    assert len(ROUTES) > 150


@pytest.mark.parametrize(("path", "name"), ROUTES)
def test_anonymous_gets_nothing_but_what_is_public(client, db, path, name):
    response = client.get(path)
    assert response.status_code < 500, f"{path}: {response.status_code}"
    if name in PUBLIC:
        return
    if response.status_code == 302:
        assert response["Location"].startswith("/accounts/login/"), f"{path} redirects to {response['Location']}"
    else:
        assert response.status_code in (401, 403, 405), f"{path} answers {response.status_code} to anonymous"


@pytest.mark.parametrize("app", ["catalogs", "approvals", "enforcement", "grids"])
def test_a_token_without_the_apps_scope_gets_403_everywhere_in_that_app(app, api_client_user):
    others = [
        scope
        for scope in ("catalogs:read", "approvals:read", "enforcement:read", "grids:read")
        if not scope.startswith(app)
    ]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user=api_client_user, name='t', scopes=others)}")
    checked = 0
    for param in ROUTES:
        path, name = param.values
        if not path.startswith(f"/api/v1/{app}/") or name in PUBLIC:
            continue
        response = client.get(path)
        assert response.status_code in (403, 405), f"{path}: {response.status_code} without {app}:read"
        checked += 1
    assert checked >= 3
