"""In real headless Chromium: a grid worker reports from a phone-width screen; an operator sees it on the
command centre (with the SVG map), registers, dispatches and blows the whistle."""

import pytest
from playwright.sync_api import expect

from grids.models import Event, Whistle
from tests.browser_support import BROWSER, DESKTOP, PHONE, page_as
from tests.grids.conftest import HOME_POINT

pytestmark = [*BROWSER, pytest.mark.django_db(transaction=True)]


def test_report_then_dispatch_and_whistle(browser, portal, grid_worker, operator, category, unit, police):
    phone = page_as(browser, portal, grid_worker, PHONE)
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

    desk = page_as(browser, portal, operator, DESKTOP)
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
    assert phone.failures == [] and desk.failures == []
