"""In a real browser: a county editor imports a spreadsheet with errors, reads every bad row, fixes the file,
imports it, and publishes the version.

Headless Chromium through Playwright against the live server (tests/browser_support.py). The rows the test
needs are written before the portal starts.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser_support import BROWSER, log_in, new_page, screenshot
from tests.catalogs.factories import PowerItemFactory, VersionFactory

pytestmark = BROWSER

HEADER = "事项编码,事项名称,类别,法定时限,承诺时限,申请材料\n"
BAD = (
    HEADER
    + "320623-XK-0002,农村村民宅基地审批,行政许可,20,10,申请书|原件|1|必需\n"
    + "320623-CF-0002,违法建设行为的处罚,行政惩罚,90,,\n"  # unknown category
    + "320623-XK-0002,重复的编码,行政许可,20,10,\n"  # duplicate code
    + "320623-QZ-0001,查封场所设施财物,行政强制,20,30,\n"  # promised longer than legal
)
FIXED = (
    HEADER
    + "320623-XK-0002,农村村民宅基地审批,行政许可,20,10,申请书|原件|1|必需\n"
    + "320623-CF-0002,违法建设行为的处罚,行政处罚,90,,\n"
    + "320623-QZ-0001,查封场所设施财物,行政强制,30,20,\n"
)


@pytest.fixture
def draft(county):
    version = VersionFactory(county=county, title="如东县镇(街道)权力清单和责任清单(2021版)")
    PowerItemFactory(version=version, code="320623-XK-0001", category="XK", name="临时占用道路审批")
    return version


def test_editor_imports_with_errors_fixes_the_file_imports_and_publishes(editor, draft, tmp_path, portal, browser):
    bad, fixed = tmp_path / "清单.csv", tmp_path / "清单(修正).csv"
    bad.write_text(BAD, encoding="utf-8")
    fixed.write_text(FIXED, encoding="utf-8")
    page = log_in(new_page(browser), portal, "editor")
    page.goto(f"{portal}/catalogs/")
    page.get_by_role("link", name=draft.title).click()
    page.get_by_role("link", name="导入表格").click()

    page.get_by_label("表格文件").set_input_files(str(bad))
    page.get_by_role("button", name="导入", exact=True).click()
    report = page.get_by_test_id("import-report")
    expect(report.get_by_role("heading")).to_have_text("发现问题,未写入任何数据")
    errors = page.get_by_test_id("row-errors")
    expect(errors.locator("tbody tr")).to_have_count(3)
    expect(errors.locator("tbody tr").nth(0)).to_contain_text("未知类别 “行政惩罚”")
    expect(errors).to_contain_text("编码 320623-XK-0002 与第 2 行重复")
    expect(errors).to_contain_text("承诺时限不能长于法定时限")
    for row in ("3", "4", "5"):
        expect(errors.locator("tbody tr td:first-child", has_text=re.compile(f"^{row}$"))).to_have_count(1)
    screenshot(page, "catalogs-import-errors")
    # Nothing was written: the draft still holds its one item.
    page.get_by_role("link", name=draft.title).click()
    expect(page.get_by_test_id("summary-total")).to_have_text("1")
    page.get_by_role("link", name="导入表格").click()

    page.get_by_label("表格文件").set_input_files(str(fixed))
    page.get_by_role("button", name="检查(不写入)").click()
    expect(page.get_by_test_id("import-report").get_by_role("heading")).to_have_text("检查通过")
    expect(page.get_by_test_id("import-report")).to_contain_text("新增 3 项")
    page.get_by_label("表格文件").set_input_files(str(fixed))
    page.get_by_role("button", name="导入", exact=True).click()
    expect(page.get_by_text("已导入: 新增 3 项,修改 0 项,未变 0 项。")).to_be_visible()
    expect(page.get_by_test_id("summary-total")).to_have_text("4")

    page.get_by_role("button", name="转为“审核中”").click()
    expect(page.get_by_text("状态已变为“审核中”。")).to_be_visible()
    page.get_by_role("button", name="转为“已发布”").click()
    expect(page.get_by_text("状态已变为“已发布”。")).to_be_visible()
    expect(page.get_by_text("该版本不是草稿,只读。")).to_be_visible()
    screenshot(page, "catalogs-published")
    assert page.failures == []
    # The published catalog is public: every imported item is on it (read in the browser: the database
    # connection of this thread belongs to the fixtures, see tests/browser_support.py).
    page.goto(f"{portal}/catalogs/public/{draft.pk}/")
    for code in ("320623-CF-0002", "320623-QZ-0001", "320623-XK-0001", "320623-XK-0002"):
        expect(page.get_by_text(code, exact=True)).to_be_visible()
