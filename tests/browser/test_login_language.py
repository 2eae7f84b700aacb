"""A window clerk logs in with a real browser, sees the dashboard in Chinese, switches to English, and the
navigation still works on a phone-width screen.

Fixtures from tests/browser_support.py. Set RUIAN_SCREENSHOTS=/some/dir to keep screenshots of the dashboard
at 1280 and 375 px.
"""

import re

from playwright.sync_api import expect

from tests import factories as f
from tests.browser_support import BROWSER, DESKTOP, PHONE, screenshot

pytestmark = BROWSER


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
