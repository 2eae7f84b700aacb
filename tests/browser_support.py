"""What every browser test needs: the live portal, headless Chromium, and pages logged in as a user.

Headless Chromium from /usr/bin/chromium (Debian's package; `make test` installs it) through Playwright's
sync API against pytest-django's live server. The fixtures are imported by tests/conftest.py, so any test
module can ask for `portal`, `browser` and `page`; mark the module with `BROWSER` (below).

Write every row a test needs before Playwright starts (ask for those fixtures before `portal`): Django keeps
its connections per context, and Playwright's greenlets give this thread a new one, which would be left open.
Set RUIAN_SCREENSHOTS=/some/dir to keep the screenshots tests take with `screenshot()`.
"""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import expect, sync_playwright

from tests import factories as f

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}

# pytestmark for browser test modules.
BROWSER = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]


@pytest.fixture
def portal(live_server, settings, monkeypatch):
    """The live server's base URL, set up the way a browser on plain http needs it."""
    # Playwright's sync API keeps an event loop in this thread; Django would refuse ORM calls from the
    # test (fixtures, teardown) while it runs, though nothing here is really asynchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # {% static %} without collectstatic (the manifest storage needs one); the live server serves the
    # files from the finders.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # The live server speaks http: secure-only cookies would never come back.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    return live_server.url


@pytest.fixture
def browser(portal):
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def new_page(browser, viewport=DESKTOP):
    """A fresh context (own cookies) and page, in Chinese, that records failed responses and script errors."""
    # A browser in China asks for Chinese; the portal's default is Chinese as well.
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    failures = []
    page.on("response", lambda response: failures.append(response.url) if response.status >= 400 else None)
    page.on("pageerror", lambda error: failures.append(str(error)))
    page.failures = failures
    return page


@pytest.fixture
def page(browser):
    page = new_page(browser)
    yield page
    page.context.close()


def log_in(page, portal, username, password=f.PASSWORD):
    """Log in through the login form, as a user would; ends on the dashboard."""
    page.goto(f"{portal}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    return page


def page_as(browser, portal, user, viewport=DESKTOP):
    """A page already logged in as `user` (a session cookie, no login form): for tests about other pages."""
    client = Client()
    client.force_login(user, backend="ruian.backends.ModelBackend")
    page = new_page(browser, viewport)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": portal}])
    return page


def screenshot(page, name):
    directory = os.environ.get("RUIAN_SCREENSHOTS")
    if directory:
        page.screenshot(path=str(Path(directory) / f"{name}.png"), full_page=True)
