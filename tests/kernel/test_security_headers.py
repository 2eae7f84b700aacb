"""Hardening: a content security policy with no inline scripts, on pages and on the API docs."""

import re

from tests.conftest import login

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_ATTRIBUTE = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def test_pages_carry_a_policy_that_forbids_inline_scripts(client, clerk):
    login(client, clerk)
    for path in ["/", "/dashboard/", "/organisations/", "/notifications/", "/accounts/login/"]:
        response = client.get(path, follow=True)
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
        html = response.content.decode()
        assert not INLINE_SCRIPT.search(html), f"inline <script> on {path}"
        assert not EVENT_ATTRIBUTE.search(html), f"on* attribute on {path}"


def test_api_docs_load_their_script_from_a_file(client, db):
    html = client.get("/api/docs/").content.decode()
    assert not INLINE_SCRIPT.search(html)
    sources = re.findall(r'<script src="([^"]+)"', html)
    assert all(src.startswith(("/static/", "/api/docs/")) for src in sources), sources
    config = next(src for src in sources if src.startswith("/api/docs/"))
    response = client.get(config.replace("&amp;", "&"))
    assert response.status_code == 200 and b"SwaggerUIBundle" in response.content
