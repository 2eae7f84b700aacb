"""In real headless Chromium: a grid worker reports from a phone-width screen; an operator sees it on the
command centre (with the SVG map), registers, dispatches and blows the whistle."""

import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import expect, sync_playwright

from grids.models import Event, Whistle
from tests.grids.conftest import HOME_POINT

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]


@pytest.fixture
def portal(live_server, settings, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    return live_server.url


@pytest.fixture
def chromium(portal):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def page_as(chromium, portal, user, viewport):
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    context = chromium.new_context(viewport=viewport, locale="zh-CN")
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": portal}])
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return page


def test_report_then_dispatch_and_whistle(chromium, portal, grid_worker, operator, category, unit, police):
    phone = page_as(chromium, portal, grid_worker, {"width": 375, "height": 812})
    phone.goto(portal + "/grids/report/")
    phone.select_option("#id_category", label=category.name)
    phone.fill("#id_description", "河边垃圾堆放")
    phone.fill("#id_lng", str(HOME_POINT[0]))
    phone.fill("#id_lat", str(HOME_POINT[1]))
    phone.get_by_role("button", name="上报", exact=True).click()
    expect(phone.locator(".alert-success")).to_contain_text("已上报")
    # Nothing on the phone page is wider than the screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    event = Event.objects.get()

    desk = page_as(chromium, portal, operator, {"width": 1280, "height": 900})
    desk.goto(portal + "/grids/command-centre/")
    expect(desk.locator(f'tr[data-event="{event.number}"]')).to_be_visible()
    expect(desk.locator("#grid-map svg path")).to_have_count(1)
    assert desk.locator("#grid-map svg path").get_attribute("data-open") == "1"
    desk.click(f"text={event.number}")
    desk.locator('form[data-action="register"] button').click()
    expect(desk.locator("[data-status]")).to_have_attribute("data-status", "registered")
    desk.locator('form[data-action="dispatch"] select').select_option(label=unit.name)
    desk.locator('form[data-action="dispatch"] button').click()
    expect(desk.locator("#event-unit")).to_have_text(unit.name)
    desk.locator('form[data-action="whistle"] select').select_option(label=police.name)
    desk.fill('form[data-action="whistle"] textarea', "请派出所到场")
    desk.locator('form[data-action="whistle"] button').click()
    expect(desk.locator("[data-call-status]")).to_contain_text(police.name)
    assert Whistle.objects.filter(event=event).count() == 1
    assert phone.errors == [] and desk.errors == []
