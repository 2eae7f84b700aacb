"""The kernel's web pages over HTTP: login, dashboard, language switch, notifications, the organisation
directory, error pages and /healthz."""

import re

import pytest
from django.db import connection
from django.template.response import SimpleTemplateResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ruian import errors
from ruian.notifications import Notification, notify
from ruian.organisations import OrgKind
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # Without DEBUG the project uses whitenoise's manifest storage, whose {% static %} needs collectstatic.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def logged_in(client, user):
    client.force_login(user, backend="ruian.backends.ModelBackend")
    return client


def text_of(response) -> str:
    return response.content.decode()


# --- public pages and login ---------------------------------------------------------------------------


def test_home_page_names_the_product_and_links_to_login(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "乡镇(街道)审批服务执法一体化门户" in text_of(response)
    assert f'href="{reverse("login")}"' in text_of(response)


def test_every_link_on_the_home_page_opens(client, county):
    body = text_of(client.get("/"))
    links = set(re.findall(r'<a [^>]*href="(/[^"]*)"', body)) - {reverse("home")}
    assert reverse("login") in links
    for link in links:
        assert client.get(link).status_code == 200, link


def test_home_sends_a_logged_in_user_to_the_dashboard(client, clerk):
    response = logged_in(client, clerk).get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")


def test_login_page_renders_with_the_lockout_hint(client, settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = 0.25  # hours
    response = client.get(reverse("login"))
    assert response.status_code == 200
    body = text_of(response)
    assert "工作人员登录" in body
    assert "连续 5 次登录失败后,将被锁定 15 分钟" in body


def test_login_with_the_password_lands_on_the_dashboard(client, clerk):
    response = client.post(reverse("login"), {"username": "clerk", "password": f.PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("dashboard")
    assert "长沙镇为民服务中心" in text_of(response)


def test_wrong_password_shows_a_form_error(client, clerk):
    response = client.post(reverse("login"), {"username": "clerk", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in text_of(response)


def test_repeated_failures_show_the_locked_out_page(client, clerk, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _attempt in range(3):
        response = client.post(reverse("login"), {"username": "clerk", "password": "wrong"})
    assert response.status_code == 429
    assert "账号已被暂时锁定" in text_of(response)
    # even the right password is refused while the lock lasts
    response = client.post(reverse("login"), {"username": "clerk", "password": f.PASSWORD})
    assert response.status_code == 429


def test_logout_is_a_post_and_ends_the_session(client, clerk):
    logged_in(client, clerk)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 302


def test_password_change_page_renders(client, clerk):
    response = logged_in(client, clerk).get(reverse("password_change"))
    assert response.status_code == 200
    assert "修改密码" in text_of(response)


# --- dashboard ---------------------------------------------------------------------------------------


def test_dashboard_requires_login(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={reverse('dashboard')}"


def test_dashboard_shows_the_clerks_organisation_township_and_role(client, clerk, other_clerk):
    body = text_of(logged_in(client, clerk).get(reverse("dashboard")))
    assert "长沙镇为民服务中心" in body
    assert "长沙镇" in body
    assert "窗口人员" in body
    assert "机构通讯录" in body  # a section card every role has
    assert "大豫镇" not in body


def test_dashboard_shows_recent_notifications_and_the_unread_badge(client, clerk):
    notify([clerk], title="补正材料已提交", body="申请 RD-0001")
    body = text_of(logged_in(client, clerk).get(reverse("dashboard")))
    assert "补正材料已提交" in body
    assert 'data-testid="unread-count">1<' in body


def test_dashboard_costs_the_same_queries_however_many_notifications(client, clerk):
    logged_in(client, clerk)
    notify([clerk], title="第一条")
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("dashboard"))
    for number in range(10):
        notify([clerk], title=f"通知 {number}")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("dashboard"))
    assert len(many) == len(few)


def test_pages_carry_no_inline_script_or_event_handler(client, clerk):
    # A content security policy without 'unsafe-inline' is planned: pages must already comply.
    pages = [client.get("/"), client.get(reverse("login"))]
    logged_in(client, clerk)
    pages += [client.get(reverse(name)) for name in ("dashboard", "notifications", "organisations")]
    for response in pages:
        body = text_of(response)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body)
        assert not re.search(r"\son[a-z]+\s*=", body)
        assert "javascript:" not in body
        assert "cdn" not in body.lower()


# --- language switch ---------------------------------------------------------------------------------


def test_language_switch_gives_english_and_back(client, clerk):
    logged_in(client, clerk)
    assert "我的工作" in text_of(client.get(reverse("dashboard")))

    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("dashboard")})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert client.cookies["django_language"].value == "en"
    body = text_of(client.get(reverse("dashboard")))
    assert "My work" in body
    assert "Window clerk" in body
    assert "我的工作" not in body
    assert '<html lang="en">' in body

    client.post(reverse("set_language"), {"language": "zh-hans", "next": reverse("dashboard")})
    assert "我的工作" in text_of(client.get(reverse("dashboard")))


def test_language_switch_works_for_anonymous_visitors(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Staff login" in text_of(client.get(reverse("login")))


# --- notifications -----------------------------------------------------------------------------------


def test_notifications_page_marks_one_read(client, clerk):
    notify([clerk], title="甲")
    notify([clerk], title="乙")
    first = Notification.objects.get(title="甲")
    logged_in(client, clerk)
    assert "甲" in text_of(client.get(reverse("notifications")))

    response = client.post(reverse("notifications_read"), {"id": first.pk}, follow=True)
    assert "已将 1 条通知标为已读" in text_of(response)
    first.refresh_from_db()
    assert first.read_at is not None
    assert Notification.objects.get(title="乙").read_at is None


def test_marking_read_only_accepts_post(client, clerk):
    assert logged_in(client, clerk).get(reverse("notifications_read")).status_code == 405


def test_others_notifications_are_not_listed(client, clerk, other_clerk):
    notify([other_clerk], title="大豫镇的通知")
    assert "大豫镇的通知" not in text_of(logged_in(client, clerk).get(reverse("notifications")))


# --- organisation directory --------------------------------------------------------------------------


def test_organisation_list_shows_kind_division_and_phone(client, clerk, other_centre, county_office):
    clerk.staff.organisation.phone = "0513-84100000"
    clerk.staff.organisation.save()
    body = text_of(logged_in(client, clerk).get(reverse("organisations")))
    assert "长沙镇为民服务中心" in body
    assert f"<td>{OrgKind.SERVICE_CENTRE.label}</td>" in body
    assert "0513-84100000" in body
    assert "县委编办" in body  # county departments are listed to every township
    assert "大豫镇为民服务中心" not in body


def test_organisation_list_query_count_does_not_grow(client, clerk, home_township):
    logged_in(client, clerk)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("organisations"))
    for number in range(5):
        f.OrganisationFactory(division=home_township, kind=OrgKind.TOWNSHIP_OFFICE, name=f"办公室{number}")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("organisations"))
    assert len(many) == len(few)


def test_organisation_detail_lists_its_staff(client, clerk):
    response = logged_in(client, clerk).get(reverse("organisation_detail", args=[clerk.staff.organisation.pk]))
    assert response.status_code == 200
    assert "13800000001" in text_of(response)


def test_organisation_of_another_township_is_404(client, clerk, other_centre):
    response = logged_in(client, clerk).get(reverse("organisation_detail", args=[other_centre.pk]))
    assert response.status_code == 404
    body = text_of(response)
    assert "大豫镇" not in body
    assert "页面不存在" in body


# --- error pages and health --------------------------------------------------------------------------


def test_unknown_page_renders_the_html_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert 'data-testid="error-status">404<' in text_of(response)


def test_api_errors_stay_json(client):
    response = client.get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("handler", "status", "text"),
    [(errors.permission_denied, 403, "您没有执行此操作的权限"), (errors.server_error, 500, "服务器内部错误")],
)
def test_error_handlers_render_the_error_page(clerk, handler, status, text):
    request = RequestFactory().get("/somewhere/")
    request.user = clerk
    response = handler(request) if handler is errors.server_error else handler(request, None)
    assert response.status_code == status
    assert text in response.content.decode()
    assert f'data-testid="error-status">{status}<' in response.content.decode()


def test_503_page_renders_without_touching_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = SimpleTemplateResponse("503.html", {"message": "数据库暂时不可用,请稍后重试。"}, status=503)
        response.render()
    assert "数据库暂时不可用" in response.content.decode()


def test_healthz_reports_database_and_redis_as_json(client):
    response = client.get(reverse("healthz"))
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["database"] == {"ok": True, "engine": "postgresql"}
    assert "redis" in body
    assert response.status_code == (200 if body["redis"]["ok"] else 503)
