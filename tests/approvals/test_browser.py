"""In a real browser: a clerk receives an application with a material missing, gives the one-time notice,
takes the supplement, accepts and sends it on; the approver decides; the clerk issues the certificate.

Headless Chromium from /usr/bin/chromium through Playwright against pytest-django's live server, fixtures from
tests/browser_support.py. Every row the test needs is written before Playwright starts (see tests/browser).
"""

import re

from playwright.sync_api import expect

from tests.browser_support import BROWSER, log_in, new_page

pytestmark = BROWSER


def test_clerk_receives_notices_accepts_and_issues(item, clerk, approver, second_approver, portal, browser):
    page = log_in(new_page(browser), portal, "clerk")
    page.goto(f"{portal}/approvals/")
    expect(page.get_by_role("heading", name=re.compile("窗口工作台"))).to_be_visible()
    # the item search answers as the clerk types (htmx)
    page.get_by_placeholder("事项名称、编码或拼音首字母").fill(item.name[-3:])
    page.get_by_role("link", name=re.compile(item.code)).click()
    page.locator("#id_applicant_name").fill("张三")
    page.locator("#id_applicant_id_number").fill("11010519491231002X")
    page.locator("#id_applicant_phone").fill("13912345678")
    page.get_by_label("申请书").check()
    page.get_by_role("button", name="收件并生成申请编号").click()
    expect(page.get_by_test_id("status")).to_have_text("已收件")
    number = page.locator("h1").inner_text()

    page.locator("#notice").get_by_role("button").click()
    expect(page.get_by_test_id("status")).to_have_text("已一次性告知")
    for name in ("身份证明", "场地证明"):
        page.locator("#supplement").get_by_label(name).check()
    page.locator("#supplement").get_by_role("button").click()
    expect(page.get_by_test_id("status")).to_have_text("已收件")
    page.get_by_role("button", name="受理", exact=True).click()
    expect(page.get_by_test_id("status")).to_have_text("已受理")
    page.get_by_role("button", name="转后台审批").click()
    expect(page.get_by_test_id("status")).to_have_text("审查中")

    review = log_in(new_page(browser), portal, "approver")
    review.goto(f"{portal}/approvals/queue/")
    review.get_by_role("link", name=number).click()
    decide = review.locator("#decide")
    decide.locator("#decide_approve").select_option("1")
    decide.locator("#decide_reasons").fill("材料齐全,经两人核查符合条件")
    decide.locator("#decide_second_reviewer").select_option(str(second_approver.pk))
    decide.get_by_role("button").click()
    expect(review.get_by_test_id("status")).to_have_text("准予许可")

    page.goto(f"{portal}/approvals/")
    page.get_by_test_id("issuance-queue").get_by_role("link", name=number).click()
    page.locator("#issue_delivery").select_option("collected")
    page.locator("#issue").get_by_role("button").click()
    expect(page.get_by_test_id("status")).to_have_text("已出件")
    expect(page.get_by_test_id("documents")).to_contain_text("证照")
