"""In-app notifications and e-mail through Django's e-mail backend."""

from django.core import mail

from ruian.notifications import Notification, mark_read, notify


def test_notification_is_stored_and_mailed_after_commit(clerk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        written = notify([clerk], title="申请即将超期", body="SL-001 还剩 1 个工作日", link="/x/", email=True)
    assert written == 1
    assert Notification.objects.get(recipient=clerk).title == "申请即将超期"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [clerk.email]


def test_nothing_is_mailed_when_the_transaction_rolls_back(clerk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify([clerk], title="x", email=True)
    assert len(callbacks) == 1 and mail.outbox == []


def test_mark_read_only_touches_own_notifications(clerk, other_clerk):
    notify([clerk, other_clerk], title="通知")
    assert mark_read(user=clerk) == 1
    assert Notification.objects.get(recipient=other_clerk).read_at is None


def test_api_lists_only_own_notifications_and_marks_them_read(api, clerk, other_clerk):
    notify([clerk], title="给窗口的")
    notify([other_clerk], title="给别人的")
    api.force_authenticate(clerk)
    titles = [row["title"] for row in api.get("/api/v1/notifications/").json()["results"]]
    assert titles == ["给窗口的"]
    assert api.post("/api/v1/notifications/read/", {}, format="json").json() == {"marked": 1}
