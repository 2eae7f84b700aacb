"""The content security policy breaks nothing: the main pages of every app run in Chromium with no
policy violation and no script error."""

import pytest

from ruian.organisations import OrgKind
from ruian.staff import Role, assign_role
from tests import factories as f
from tests.browser_support import BROWSER

pytestmark = [*BROWSER, pytest.mark.django_db(transaction=True)]

PAGES = [
    "/dashboard/",
    "/approvals/",
    "/approvals/queue/",
    "/approvals/dashboard/",
    "/approvals/status/",
    "/enforcement/",
    "/enforcement/dashboard/",
    "/enforcement/decisions/",
    "/grids/report/",
    "/grids/command-centre/",
    "/grids/public/",
    "/catalogs/public/",
    "/api/docs/",
]


@pytest.fixture
def everyone(home_township):
    centre = f.OrganisationFactory(division=home_township, kind=OrgKind.COMMAND_CENTRE, name="综合指挥中心")
    user = f.staff_user("everyone", Role.WINDOW_CLERK, centre)
    for role in (Role.APPROVER, Role.SQUAD_LEADER, Role.OPERATOR, Role.GRID_WORKER, Role.LEGAL_REVIEWER):
        assign_role(user=user, role=role)
    return user


def test_main_pages_run_without_policy_violations(everyone, portal, page):
    console = []
    page.on("console", lambda message: console.append(message.text) if message.type == "error" else None)
    page.goto(f"{portal}/accounts/login/")
    page.get_by_label("用户名").fill("everyone")
    page.get_by_label("密码").fill(f.PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_url(f"{portal}/dashboard/")
    for path in PAGES:
        response = page.goto(f"{portal}{path}")
        assert response.status < 400, f"{path}: {response.status}"
        page.wait_for_load_state("networkidle")
    violations = [text for text in console if "Content Security Policy" in text or "Refused to" in text]
    assert violations == []
    assert [failure for failure in page.failures if "favicon" not in failure] == []
