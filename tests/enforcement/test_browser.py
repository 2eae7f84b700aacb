"""A squad leader files a lead as a case, assigns two officers and transfers another lead, in a real browser.

Headless Chromium through Playwright against pytest-django's live server (fixtures from tests/browser_support.py).
"""

import pytest
from playwright.sync_api import expect

from enforcement.models import Case, Transfer
from enforcement.states import CaseStatus
from tests import factories as f
from tests.browser_support import BROWSER
from tests.enforcement import factories as ef

pytestmark = BROWSER


@pytest.fixture
def scene(home_township, squad_leader, officer, officer2, power, department):
    """Rows written before Playwright starts (it gives this thread a new connection)."""
    foreign = ef.PenaltyPowerFactory(department=department, name="对无照经营的处罚")
    ef.lead(home_township, squad_leader, summary="人民路占道经营")
    ef.lead(home_township, squad_leader, summary="无照经营烟花爆竹", power=foreign)
    return {"officers": [str(officer.pk), str(officer2.pk)], "power": str(power.pk)}


def test_squad_leader_files_assigns_and_transfers(scene, portal, page):
    page.goto(f"{portal}/accounts/login/?next=/enforcement/")
    page.get_by_label("用户名").fill("squad_leader")
    page.get_by_label("密码").fill(f.PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("heading", name="执法中队看板", exact=False)).to_be_visible()

    row = page.locator("tr", has_text="人民路占道经营")
    row.get_by_role("link", name="立案").click()
    filing = page.get_by_test_id("file-form")
    filing.get_by_label("处罚事项", exact=False).select_option(scene["power"])
    expect(filing.get_by_label("案由", exact=False)).to_have_value("人民路占道经营")
    filing.get_by_role("button", name="立案").click()
    expect(page.get_by_test_id("case-status")).to_have_text("已立案")

    assign = page.locator('form[data-action="assign"]')
    assign.locator('select[name="officers"]').select_option(scene["officers"])
    assign.get_by_role("button", name="指派").click()
    expect(page.get_by_test_id("case-status")).to_have_text("调查取证")
    expect(page.get_by_test_id("timeline")).to_contain_text("enforcement.case.assigned")

    page.goto(f"{portal}/enforcement/")
    # The transfer fields are on the page once; the row's button sends them for its lead.
    actions = page.get_by_test_id("lead-actions")
    actions.get_by_label("移送理由").fill("不属于本镇赋权事项,移送县市场监管局")
    actions.get_by_label("移送理由").press("Enter")  # submits nothing: it would pick the first row's button
    expect(actions.get_by_label("移送理由")).to_have_value("不属于本镇赋权事项,移送县市场监管局")
    row = page.locator("tr", has_text="无照经营烟花爆竹")
    row.get_by_role("button", name="移送").click()
    expect(page.get_by_text("已移送,并抄告相关部门。")).to_be_visible()
    expect(page.locator("#transfers-heading + ul")).to_contain_text("无照经营烟花爆竹")

    assert Case.objects.get().status == CaseStatus.INVESTIGATING
    assert Transfer.objects.get().department.short_code == "scj"
