"""In the browser: a county editor ranks the townships, drills down to the applications behind a score, and
is refused weights that do not add up."""

import re

import pytest
from playwright.sync_api import expect

from ruian.assessment import MetricWeight
from tests.browser_support import BROWSER, page_as
from tests.mechanisms.conftest import PERIOD, applications

pytestmark = [*BROWSER, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def rows(home_township, power):
    applications(home_township, power, 2)
    return applications(home_township, power, 1, overdue=True)


def test_ranking_drill_down_and_weights_in_the_browser(rows, editor, browser, portal):
    (late,) = rows
    page = page_as(browser, portal, editor)
    page.goto(f"{portal}/assessment/?subject=township&period={PERIOD}")
    expect(page.locator("#ranking")).to_contain_text("长沙镇")
    page.locator('#ranking a[data-metric="approvals.on_time"]').first.click()
    expect(page).to_have_url(re.compile(r"/assessment/township/\d+/approvals\.on_time/"))
    expect(page.locator("#records")).to_contain_text(late.number)
    page.goto(f"{portal}/assessment/weights/")
    section = page.locator("#weights-officer")
    section.get_by_label("承办案件结案率").fill("70")
    section.get_by_role("button", name="保存").click()
    expect(page.locator("#weights-officer .alert-danger")).to_contain_text("120%")
    assert not MetricWeight.objects.exists()
    assert page.failures == [] or all("/assessment/weights/" in url for url in page.failures)
