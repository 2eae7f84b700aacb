"""The machinery of the permission matrix: what the endpoints are (read from the URL configuration and the
OpenAPI schema), who asks (the principals), how one request is made, and what an answer means.

The expectations themselves are in test_permission_matrix.py.
"""

import re
from dataclasses import dataclass, field

from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.trust.world import INTERNAL, ROLES, SECRETS

HOME_ROLES = tuple(ROLES)
OTHER_ROLES = tuple(f"other_{role}" for role in ROLES)

# Routes that are not portal pages: Django's admin (its own permission system, superusers only) and DRF's
# format-suffix twins of API routes (the same view as the route without the suffix).
SKIPPED_ROUTE = re.compile(r"^admin/|\\\.\(\?P<format>|<drf_format_suffix:format>")


@dataclass(frozen=True)
class Endpoint:
    key: str  # a page's URL name, or "METHOD /api/path/{param}/" for an API operation
    kind: str  # "page" or "api"
    route: str  # the URL pattern, with its parameters
    params: tuple = ()


def _walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), (namespace + pattern.name) if pattern.name else ""


def _clean(route: str) -> str:
    return "/" + route.replace("^", "").replace("$", "").replace("\\.", ".")


ROUTE_PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")
SCHEMA_PARAM = re.compile(r"\{(\w+)\}")


def pages() -> list[Endpoint]:
    """Every route of the URL configuration outside the REST API (whose operations come from the schema).

    A route without a name cannot be given an expectation: it is returned under its pattern, so the
    test tells the developer to name it."""
    found = {}
    for route, name in _walk(get_resolver().url_patterns):
        if SKIPPED_ROUTE.search(route):
            continue
        path = _clean(route)
        if path.startswith("/api/v1/") and name != "api:api-root":
            continue
        key = name or f"<unnamed route {path}>"
        params = tuple(a or b for a, b in ROUTE_PARAM.findall(path))
        found.setdefault(key, Endpoint(key, "page", path, params))
    return sorted(found.values(), key=lambda e: e.key)


def api_routes_outside_schema(operations: list[Endpoint]) -> list[str]:
    """API routes of the URL configuration that the schema does not document (and so the matrix and the
    fuzzer would never call)."""
    documented = {re.sub(SCHEMA_PARAM, "{}", e.route) for e in operations}
    missing = []
    for route, name in _walk(get_resolver().url_patterns):
        path = _clean(route)
        if not path.startswith("/api/v1/") or SKIPPED_ROUTE.search(route) or name == "api:api-root":
            continue
        if re.sub(ROUTE_PARAM, "{}", path) not in documented:
            missing.append(f"{name} {path}")
    return missing


def operations() -> list[Endpoint]:
    """Every operation of the OpenAPI schema, as drf-spectacular generates it for /api/schema/."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = []
    for path, item in schema["paths"].items():
        for method in item:
            if method in ("get", "post", "put", "patch", "delete"):
                key = f"{method.upper()} {path}"
                found.append(Endpoint(key, "api", path, tuple(SCHEMA_PARAM.findall(path))))
    return sorted(found, key=lambda e: e.key)


@dataclass
class Answer:
    principal: str
    status: int
    location: str = ""
    leaked: list = field(default_factory=list)

    @property
    def to_login(self) -> bool:
        return self.status == 302 and self.location.startswith("/accounts/login/")

    def __str__(self):
        more = f" → {self.location}" if self.location else ""
        return f"{self.principal}: {self.status}{more}"


def ask(world, principal: str, method: str, path: str) -> Answer:
    """One request by `principal` ("clerk", "other_clerk", "anonymous", "token:<scope missing>"), inside a
    savepoint that is rolled back, so a write by one principal does not change what the next one sees."""
    client = Client()
    headers = {}
    if principal.startswith("token:"):
        headers["HTTP_AUTHORIZATION"] = f"Token {world.tokens[principal[6:]]}"
    elif principal == "token":
        headers["HTTP_AUTHORIZATION"] = f"Token {world.full_token}"
    elif principal != "anonymous":
        client.cookies.load({world.session_cookie: world.sessions[principal]})
    from django.core.cache import cache

    cache.clear()  # throttling counters: thousands of requests in a minute are the test, not an attack
    with transaction.atomic():
        response = getattr(client, method.lower())(path, **headers)
        transaction.set_rollback(True)
    body = b"".join(response) if response.streaming else response.content
    text = body.decode("utf-8", errors="replace")
    leaked = [s for s in SECRETS + INTERNAL if s in text]
    return Answer(principal, response.status_code, response.get("Location", ""), leaked)
