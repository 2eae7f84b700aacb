"""A window clerk logs in with a real browser, sees the dashboard in Chinese, switches to English, and the
navigation still works on a phone-width screen.

Runs headless Chromium from /usr/bin/chromium through Playwright's sync API against pytest-django's
live server. Set RUIAN_SCREENSHOTS=/some/dir to keep screenshots of the dashboard at 1280 and 375 px.
"""

import os
import re
from pathlib import Path

import pytest
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

pytestmark = [
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


@pytest.fixture
def page(browser):
    # A browser in China asks for Chinese; the portal's default is Chinese as well.
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    failures = []
    page.on("response", lambda response: failures.append(response.url) if response.status >= 400 else None)
    page.on("pageerror", lambda error: failures.append(str(error)))
    page.failures = failures
    yield page
    context.close()


def screenshot(page, name):
    directory = os.environ.get("RUIAN_SCREENSHOTS")
    if directory:
        page.screenshot(path=str(Path(directory) / f"{name}.png"), full_page=True)


# `clerk` comes before `page`: rows must be written before Playwright starts, because Django keeps its
# connections per context and Playwright's greenlets give this thread a new one, which would be left open.
def test_clerk_logs_in_switches_to_english_and_uses_the_phone_navigation(clerk, portal, page):
    page.goto(f"{portal}/dashboard/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/dashboard/$"))
    expect(page.get_by_role("heading", name="工作人员登录")).to_be_visible()

    page.get_by_label("用户名").fill("clerk")
    page.get_by_label("密码").fill(f.PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()

    expect(page).to_have_url(f"{portal}/dashboard/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("heading", name="我的工作")).to_be_visible()
    expect(page.get_by_test_id("user-place")).to_contain_text("长沙镇为民服务中心")
    expect(page.get_by_test_id("user-roles")).to_contain_text("窗口人员")
    screenshot(page, "dashboard-zh-1280")

    page.get_by_role("button", name="English").click()

    expect(page).to_have_url(f"{portal}/dashboard/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="My work")).to_be_visible()
    expect(page.get_by_test_id("user-roles")).to_contain_text("Window clerk")
    expect(page.get_by_role("link", name="Directory").first).to_be_visible()
    expect(page.get_by_text("我的工作")).to_have_count(0)
    screenshot(page, "dashboard-en-1280")

    # Phone width: the links fold into the collapsed menu behind the toggler, which opens it.
    page.set_viewport_size(PHONE)
    toggler = page.locator(".navbar-toggler")
    expect(toggler).to_be_visible()
    menu_link = page.locator("#portal-nav").get_by_role("link", name="Dashboard")
    expect(menu_link).to_be_hidden()
    screenshot(page, "dashboard-en-375")
    toggler.click()
    expect(page.locator("#portal-nav")).to_have_class(re.compile(r"\bshow\b"))  # the opening transition ended
    expect(menu_link).to_be_visible()
    expect(page.locator("#portal-nav").get_by_role("link", name="Notifications")).to_be_visible()
    expect(page.locator("#portal-nav").get_by_role("button", name="简体中文")).to_be_visible()
    screenshot(page, "dashboard-en-375-menu")

    # and back to Chinese from the phone menu; the choice sticks across pages
    page.locator("#portal-nav").get_by_role("button", name="简体中文").click()
    expect(page.get_by_role("heading", name="我的工作")).to_be_visible()
    page.goto(f"{portal}/organisations/")
    expect(page.get_by_role("heading", name="机构通讯录")).to_be_visible()
    page.set_viewport_size(DESKTOP)
    screenshot(page, "organisations-zh-1280")

    # every stylesheet and script came from the live server itself, and none failed
    assert page.failures == []
    assert page.evaluate("() => typeof window.bootstrap") == "object"
    assert page.evaluate("() => typeof window.htmx") == "object"
