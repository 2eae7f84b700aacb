"""Pages: the workbench and queues (fixed queries), one-click actions, the public lookup, the dashboard."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from approvals import services
from approvals.models import Application
from approvals.states import Status
from tests.approvals import factories as af
from tests.conftest import login


def _many(township, item, clerk, n):
    return [af.receive(township, item, clerk) for _ in range(n)]


def test_workbench_queue_has_a_fixed_number_of_queries(client, home_township, item, clerk):
    login(client, clerk)
    _many(home_township, item, clerk, 10)
    client.get(reverse("approvals:workbench"))
    with CaptureQueriesContext(connection) as small:
        response = client.get(reverse("approvals:workbench"))
    assert response.content.decode().count('data-clock="green"') == 10
    _many(home_township, item, clerk, 90)
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("approvals:workbench"))
    page = response.content.decode()
    # one page of the queue at a time, the badge counting all of it
    assert page.count('data-clock="green"') == 50
    assert '<span class="badge text-bg-secondary">100</span>' in page and "第 1 / 2 页" in page
    assert len(small) == len(large)


def test_workbench_queue_pages_oldest_first_and_keeps_the_search(client, home_township, item, clerk):
    login(client, clerk)
    apps = _many(home_township, item, clerk, 55)
    first = client.get(reverse("approvals:workbench")).content.decode()
    second = client.get(reverse("approvals:workbench"), {"page": 2, "q": "食品"}).content.decode()
    assert apps[0].number in first and apps[-1].number not in first
    assert second.count('data-clock="green"') == 5 and apps[-1].number in second
    assert "q=%E9%A3%9F%E5%93%81&amp;page=1" in second  # back to page 1 with the item search kept
    # a page number out of range shows the last page rather than an error
    assert apps[-1].number in client.get(reverse("approvals:workbench"), {"page": 99}).content.decode()


def test_approver_queue_has_a_fixed_number_of_queries(client, home_township, item, clerk, approver):
    def send(n):
        for app in _many(home_township, item, clerk, n):
            services.accept_application(application=app, actor=clerk)
            services.send_to_back_office(application=app, actor=clerk)

    login(client, approver)
    send(10)
    client.get(reverse("approvals:approver_queue"))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("approvals:approver_queue"))
    send(30)
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("approvals:approver_queue"))
    assert response.content.decode().count("data-clock=") == 40
    assert len(small) == len(large)


def test_workbench_rows_offer_the_actions_of_their_status(client, home_township, item, clerk):
    complete = af.receive(home_township, item, clerk)
    incomplete = af.receive(home_township, item, clerk, complete=False)
    accepted = services.accept_application(application=af.receive(home_township, item, clerk), actor=clerk)
    noticed = af.receive(home_township, item, clerk, complete=False)
    services.give_material_notice(application=noticed, actor=clerk)
    login(client, clerk)
    page = client.get(reverse("approvals:workbench"), {"q": "x", "page": 1}).content.decode()

    def actions(app):
        url = reverse("approvals:detail", args=[app.number])
        return {
            name
            for name, markup in {
                "accept": f'action="{url}accept/"',
                "notice": f'action="{url}notice/"',
                "refuse": f'href="{url}#refuse"',
                "send": f'action="{url}send/"',
                "supplement": f'href="{url}#supplement"',
            }.items()
            if markup in page
        }

    assert actions(complete) == {"accept", "refuse"}
    assert actions(incomplete) == {"accept", "notice", "refuse"}
    assert actions(accepted) == {"send"}
    assert actions(noticed) == {"supplement"}
    # each form posts the CSRF token and comes back to this page
    assert page.count('<input type="hidden" name="csrfmiddlewaretoken" value="') >= 5
    assert page.count('<input type="hidden" name="next" value="/approvals/?q=x&amp;page=1">') == 5


def test_workbench_lists_items_only_when_the_clerk_searches(client, home_township, item, clerk):
    login(client, clerk)
    page = client.get(reverse("approvals:workbench")).content.decode()
    assert item.code not in page and 'data-testid="item-search-hint"' in page
    page = client.get(reverse("approvals:workbench"), {"q": item.name[:4]}).content.decode()
    assert item.code in page and 'data-testid="item-search-hint"' not in page
    assert 'data-testid="item-search-hint"' in client.get(reverse("approvals:item_search"), {"q": " "}).content.decode()


def test_queues_show_only_the_townships_in_scope(client, home_township, other_township, item, clerk, other_clerk):
    mine = af.receive(home_township, item, clerk)
    theirs = af.receive(other_township, af.licence(other_township.parent), other_clerk)
    login(client, clerk)
    page = client.get(reverse("approvals:workbench")).content.decode()
    assert mine.number in page and theirs.number not in page
    login(client, other_clerk)
    page = client.get(reverse("approvals:workbench")).content.decode()
    assert theirs.number in page and mine.number not in page


def test_item_search_finds_held_items(client, home_township, item, clerk):
    login(client, clerk)
    response = client.get(reverse("approvals:item_search"), {"q": item.name[:4]})
    assert item.code in response.content.decode()
    response = client.get(reverse("approvals:item_search"), {"q": "不存在的事项"})
    assert item.code not in response.content.decode()


def test_receive_accept_send_decide_issue_through_pages(client, home_township, item, clerk, approver, second_approver):
    login(client, clerk)
    url = reverse("approvals:receive", args=[f"p-{item.pk}"])
    assert client.get(url).status_code == 200
    bad = client.post(
        url,
        {
            "channel": "window",
            "applicant_kind": "person",
            "applicant_name": "张三",
            "applicant_id_number": "110105194912310021",
            "applicant_phone": "13912345678",
        },
    )
    assert bad.status_code == 200 and "无效" in bad.content.decode()
    assert Application.objects.count() == 0
    response = client.post(
        url,
        {
            "channel": "window",
            "applicant_kind": "person",
            "applicant_name": "张三",
            "applicant_id_number": af.VALID_RIC,
            "applicant_phone": "13912345678",
            "materials": af.ALL_MANDATORY,
        },
    )
    app = Application.objects.get()
    assert response.status_code == 302 and response.url == reverse("approvals:detail", args=[app.number])
    client.post(reverse("approvals:act", args=[app.number, "accept"]))
    client.post(reverse("approvals:act", args=[app.number, "send"]))
    app.refresh_from_db()
    assert app.status == Status.IN_REVIEW
    login(client, approver)
    assert app.number in client.get(reverse("approvals:approver_queue")).content.decode()
    client.post(
        reverse("approvals:act", args=[app.number, "decide"]),
        {"approve": "1", "reasons": "符合条件", "second_reviewer": second_approver.pk},
    )
    app.refresh_from_db()
    assert app.status == Status.APPROVED
    login(client, clerk)
    client.post(reverse("approvals:act", args=[app.number, "issue"]), {"delivery": "collected"})
    app.refresh_from_db()
    assert app.status == Status.ISSUED


def test_wrong_role_and_other_township(client, home_township, item, clerk, approver, other_clerk):
    app = af.receive(home_township, item, clerk)
    login(client, approver)
    assert client.get(reverse("approvals:workbench")).status_code == 403
    response = client.post(reverse("approvals:act", args=[app.number, "accept"]))
    assert response.status_code == 403  # wrong role: refused, nothing changed
    app.refresh_from_db()
    assert app.status == Status.RECEIVED
    login(client, other_clerk)
    assert client.get(reverse("approvals:detail", args=[app.number])).status_code == 404
    assert client.post(reverse("approvals:act", args=[app.number, "accept"])).status_code == 404
    app.refresh_from_db()
    assert app.status == Status.RECEIVED


def test_public_lookup_needs_the_phone_and_shows_no_personal_data(client, home_township, item, clerk):
    app = af.receive(
        home_township, item, clerk, applicant_name="王小明", contact_name="王大明", address="长沙镇人民路1号"
    )
    url = reverse("approvals:public_lookup")
    wrong = client.get(url, {"number": app.number, "phone_last4": "0000"}).content.decode()
    assert app.item_name not in wrong
    page = client.get(url, {"number": app.number, "phone_last4": "5678"}).content.decode()
    assert app.item_name in page and "已收件" in page
    for personal in ("王小明", "王大明", af.VALID_RIC, "13912345678", "人民路"):
        assert personal not in page


def test_dashboard_counts_and_on_time_rate(client, home_township, item, clerk, approver, second_approver):
    apps = _many(home_township, item, clerk, 3)
    for app in apps[:2]:
        services.accept_application(application=app, actor=clerk)
        services.send_to_back_office(application=app, actor=clerk)
    services.decide_application(
        application=apps[0], approve=True, reasons="符合", actor=approver, second_reviewer=second_approver
    )
    Application.objects.filter(pk=apps[1].pk).update(overdue=True)  # open and overdue: in the denominator
    login(client, clerk)
    page = client.get(reverse("approvals:dashboard")).content.decode()
    assert "50% (1/2)" in page


@pytest.mark.parametrize("name", ["approvals:workbench", "approvals:approver_queue", "approvals:dashboard"])
def test_pages_need_login(client, name):
    assert client.get(reverse(name)).status_code == 302


def test_pinyin_initials_find_an_item(client, home_township, county, clerk):
    item = af.licence(county, name="食品小作坊登记")
    login(client, clerk)
    response = client.get(reverse("approvals:item_search"), {"q": "spxzf"})
    assert item.code in response.content.decode()


def test_detail_page_in_every_step(client, home_township, item, clerk, approver, second_approver):
    app = af.receive(home_township, item, clerk, complete=False)
    login(client, clerk)
    page = client.get(reverse("approvals:detail", args=[app.number])).content.decode()
    assert 'id="notice"' in page and 'id="refuse"' in page and "场地证明" in page
    services.give_material_notice(application=app, actor=clerk)
    assert 'id="supplement"' in client.get(reverse("approvals:detail", args=[app.number])).content.decode()
    services.supplement_materials(application=app, provided=af.ALL_MANDATORY, actor=clerk)
    services.accept_application(application=app, actor=clerk)
    services.send_to_back_office(application=app, actor=clerk)
    login(client, approver)
    page = client.get(reverse("approvals:detail", args=[app.number])).content.decode()
    assert 'id="decide"' in page and 'id="extend"' in page and 'id="suspend"' in page
    assert "转后台审批" in page
    bad = client.post(reverse("approvals:act", args=[app.number, "extend"]), {"reason": ""}, follow=True)
    assert "extend" in bad.request["PATH_INFO"] or bad.status_code == 200
    app.refresh_from_db()
    assert not app.extended


def test_receive_with_a_scan(client, home_township, item, clerk, other_clerk, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path)}},
    }
    login(client, clerk)
    scan = SimpleUploadedFile("申请书.pdf", b"%PDF-1.4 demo scan", content_type="application/pdf")
    client.post(
        reverse("approvals:receive", args=[f"p-{item.pk}"]),
        {
            "channel": "window",
            "applicant_kind": "person",
            "applicant_name": "张三",
            "applicant_id_number": af.VALID_RIC,
            "applicant_phone": "13912345678",
            "scan": scan,
        },
    )
    app = Application.objects.get()
    page = client.get(reverse("approvals:detail", args=[app.number])).content.decode()
    assert "申请书.pdf" in page
    bad = SimpleUploadedFile("virus.pdf", b"MZ not a pdf", content_type="application/pdf")
    response = client.post(
        reverse("approvals:receive", args=[f"p-{item.pk}"]),
        {
            "channel": "window",
            "applicant_kind": "person",
            "applicant_name": "张三",
            "applicant_id_number": af.VALID_RIC,
            "applicant_phone": "13912345678",
            "scan": bad,
        },
    )
    assert response.status_code == 200 and Application.objects.count() == 1


def test_public_lookup_slows_down_guessing(client, home_township, item, clerk):
    from django.core.cache import cache

    cache.clear()
    app = af.receive(home_township, item, clerk)
    url = reverse("approvals:public_lookup")
    for guess in range(20):
        client.get(url, {"number": app.number, "phone_last4": f"{guess:04d}"})
    page = client.get(url, {"number": app.number, "phone_last4": "5678"}).content.decode()
    assert "查询次数过多" in page and app.item_name not in page


def test_qr_link_prefills_the_number(client, home_township, item, clerk):
    app = af.receive(home_township, item, clerk)
    page = client.get(reverse("approvals:public_lookup"), {"number": app.number}).content.decode()
    assert f'value="{app.number}"' in page and "invalid-feedback" not in page


def test_receive_form_records_joint_handling(client, home_township, item, clerk):
    login(client, clerk)
    url = reverse("approvals:receive", args=[f"p-{item.pk}"])
    assert "联合办理" in client.get(url).content.decode()
    fields = {
        "channel": "window",
        "applicant_kind": "person",
        "applicant_name": "张三",
        "applicant_id_number": af.VALID_RIC,
        "applicant_phone": "13912345678",
        "materials": af.ALL_MANDATORY,
        "joint_handling": "on",
    }
    assert client.post(url, fields).status_code == 302
    app = Application.objects.get()
    assert app.joint_handling and app.legal_limit == 45


def test_dashboard_average_working_days_and_ratings(
    client, home_township, item, clerk, approver, second_approver, leader, now_is
):
    import datetime

    from approvals.models import Delivery, RatingLevel

    now_is(af.at(datetime.date(2026, 11, 2)))  # Monday
    app = af.receive(home_township, item, clerk)
    services.accept_application(application=app, actor=clerk)
    services.send_to_back_office(application=app, actor=clerk)
    now_is(af.at(datetime.date(2026, 11, 6)))  # Friday: 4 working days used of the legal 20
    services.decide_application(
        application=app, approve=True, reasons="符合", actor=approver, second_reviewer=second_approver
    )
    services.issue_result(application=app, delivery=Delivery.COLLECTED, actor=clerk)
    services.rate_application(application=app, level=RatingLevel.DISSATISFIED, comment="排队久", actor=clerk)
    login(client, leader)
    page = client.get(reverse("approvals:dashboard")).content.decode()
    assert "4.0 / 20.0" in page
    assert "共 1 条,差评 1 条" in page and "100% (1/1)" in page
