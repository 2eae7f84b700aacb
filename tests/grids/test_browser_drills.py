"""In real headless Chromium: the operator merges two grids on the maintenance page and runs a drill; the
unit answers its drill copy; the operator sees the unit's response time."""

import pytest
from playwright.sync_api import expect

from grids import services
from grids.models import Drill, Grid
from tests.browser_support import BROWSER, DESKTOP, page_as
from tests.grids.factories import square

pytestmark = [*BROWSER, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def second_grid(home_village, grid):
    return services.create_grid(division=home_village, name="长沙村第二网格", boundary=square(121.19, 32.31))


def test_merge_on_the_page_then_a_drill_answered_by_the_unit(
    browser, closed_event, second_grid, unit, unit_staff, police, operator, portal
):
    desk = page_as(browser, portal, operator, DESKTOP)
    desk.goto(portal + "/grids/manage/")
    desk.locator("#merge_grids").select_option([str(closed_event.grid.pk), str(second_grid.pk)])
    desk.fill("#merge_name", "长沙村合并网格")
    desk.fill("#merge_reason", "两格人口减少")
    desk.locator("#merge-grids button").click()
    expect(desk.locator(".alert-success")).to_contain_text("已合并")
    merged = Grid.objects.get(name="长沙村合并网格")
    expect(desk.locator(f'tr[data-grid="{merged.code}"]')).to_be_visible()

    desk.goto(portal + "/grids/drills/")
    desk.locator("#start-drill button").click()
    expect(desk.locator("[data-status]")).to_have_attribute("data-status", "running")
    drill = Drill.objects.get()
    assert set(drill.tasks.values_list("organisation", flat=True)) == {unit.pk, police.pk}

    staff = page_as(browser, portal, unit_staff, DESKTOP)
    staff.goto(portal + "/grids/drills/mine/")
    staff.locator('form[data-drill-action="acknowledge"] button').click()
    expect(staff.locator('tr[data-task-status="acknowledged"]')).to_be_visible()
    staff.fill('form[data-drill-action="handle"] textarea', "演练: 已到场处置")
    staff.locator('form[data-drill-action="handle"] button').click()
    expect(staff.locator('tr[data-task-status="handled"]')).to_be_visible()

    desk.reload()
    desk.locator("#finish-drill button").click()
    expect(desk.locator("[data-status]")).to_have_attribute("data-status", "finished")
    expect(desk.locator('tr[data-task-status="missed"]')).to_contain_text(police.name)
    desk.goto(portal + "/grids/drills/")
    expect(desk.locator(f'#drill-times tr[data-unit="{unit.pk}"]')).to_contain_text(unit.name)
    assert desk.failures == [] and staff.failures == []
