"""Idempotent creation (ruian.idempotency): a retry with the same Idempotency-Key and body gets the first
answer and creates nothing; another body under the same key is refused; a failed creation keeps no key;
two identical requests at once create one object. Exercised on a small create action of its own (a
notification per request); the apps' endpoints are covered over HTTP in tests/approvals, tests/enforcement
and tests/grids."""

import datetime
import threading
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework import exceptions, permissions, status, viewsets
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate

from ruian import tasks
from ruian.idempotency import IdempotencyKey, idempotent_create
from ruian.notifications import Notification
from tests import factories as f

pytestmark = pytest.mark.django_db


def notice_view(endpoint="kernel.notices.create", hook=None, **options):
    """A create action that writes one notification per request; `hook(request)` runs after the write."""

    class NoticeViewSet(viewsets.GenericViewSet):
        permission_classes = [permissions.IsAuthenticated]
        parser_classes = [JSONParser, MultiPartParser]

        @idempotent_create(endpoint, **options)
        def create(self, request):
            title = request.data.get("title")
            if not title:
                raise exceptions.ValidationError({"title": ["必填"]})
            notice = Notification.objects.create(recipient=request.user, title=title)
            if hook is not None:
                hook(request)
            return Response({"id": notice.pk, "title": title}, status=status.HTTP_201_CREATED)

    return NoticeViewSet.as_view({"post": "create"})


def post(view, user, data, key=None, format="json"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    request = APIRequestFactory().post("/notices/", data, format=format, **headers)
    force_authenticate(request, user=user)
    return view(request)


@pytest.fixture
def client_user():
    return f.UserFactory(username="platform")


def test_a_retry_gets_the_first_answer_and_creates_nothing(client_user):
    view = notice_view()
    first = post(view, client_user, {"title": "甲"}, key="k-1")
    again = post(view, client_user, {"title": "甲"}, key="k-1")
    assert first.status_code == again.status_code == 201
    assert again.data == first.data
    assert again["Idempotent-Replayed"] == "true" and not first.has_header("Idempotent-Replayed")
    assert Notification.objects.count() == 1
    stored = IdempotencyKey.objects.get()
    assert (stored.client, stored.endpoint, stored.key) == (client_user, "kernel.notices.create", "k-1")
    assert stored.response_status == 201 and stored.response_body == first.data


def test_the_same_key_with_another_body_is_refused(client_user):
    view = notice_view()
    post(view, client_user, {"title": "甲"}, key="k-1")
    reused = post(view, client_user, {"title": "乙"}, key="k-1")
    assert reused.status_code == 422
    assert reused.data["error"]["code"] == "idempotency_key_reused"
    assert list(Notification.objects.values_list("title", flat=True)) == ["甲"]


def test_an_app_may_answer_a_retry_200_and_a_reused_key_409(client_user):
    view = notice_view(replay_status=200, reused_status=409)
    assert post(view, client_user, {"title": "甲"}, key="k").status_code == 201
    assert post(view, client_user, {"title": "甲"}, key="k").status_code == 200
    assert post(view, client_user, {"title": "乙"}, key="k").status_code == 409


def test_keys_are_per_client_and_per_endpoint(client_user):
    other = f.UserFactory(username="other_platform")
    post(notice_view(), client_user, {"title": "甲"}, key="k")
    post(notice_view(), other, {"title": "甲"}, key="k")
    post(notice_view("kernel.other.create"), client_user, {"title": "甲"}, key="k")
    assert Notification.objects.count() == 3 and IdempotencyKey.objects.count() == 3


def test_without_a_key_every_request_creates(client_user):
    view = notice_view()
    post(view, client_user, {"title": "甲"})
    post(view, client_user, {"title": "甲"}, key="  ")
    assert Notification.objects.count() == 2 and not IdempotencyKey.objects.exists()


def test_a_missing_required_key_or_a_bad_key_is_a_400_naming_the_header(client_user):
    view = notice_view(required=True)
    missing = post(view, client_user, {"title": "甲"})
    assert missing.status_code == 400
    assert missing.data["error"]["code"] == "validation_error"
    assert "Idempotency-Key" in missing.data["error"]["fields"]
    too_long = post(notice_view(), client_user, {"title": "甲"}, key="x" * 101)
    assert too_long.status_code == 400 and "Idempotency-Key" in too_long.data["error"]["fields"]
    control = post(notice_view(), client_user, {"title": "甲"}, key="a\x00b")
    assert control.status_code == 400 and "Idempotency-Key" in control.data["error"]["fields"]
    assert not Notification.objects.exists()
    assert post(view, client_user, {"title": "甲"}, key="x" * 100).status_code == 201


def test_required_may_depend_on_the_request(client_user):
    view = notice_view(required=lambda request: request.user.username == "platform")
    assert post(view, client_user, {"title": "甲"}).status_code == 400
    assert post(view, f.UserFactory(username="clerk"), {"title": "甲"}).status_code == 201


def test_a_failed_creation_keeps_neither_the_object_nor_the_key(client_user):
    def fail(request):
        raise exceptions.ValidationError({"title": ["写入之后才发现有误"]})

    assert post(notice_view(hook=fail), client_user, {"title": "甲"}, key="k").status_code == 400
    assert not Notification.objects.exists() and not IdempotencyKey.objects.exists()
    assert post(notice_view(), client_user, {}, key="k").status_code == 400  # refused before writing
    assert not IdempotencyKey.objects.exists()
    # The client fixes the request and retries with the same key: it is created.
    assert post(notice_view(), client_user, {"title": "甲"}, key="k").status_code == 201


def test_multipart_uploads_are_compared_by_their_bytes(client_user):
    view = notice_view()

    def form(content):
        return {"title": "带照片", "photo": SimpleUploadedFile("a.png", content, content_type="image/png")}

    first = post(view, client_user, form(b"\x89PNG one"), key="p", format="multipart")
    again = post(view, client_user, form(b"\x89PNG one"), key="p", format="multipart")
    other = post(view, client_user, form(b"\x89PNG two"), key="p", format="multipart")
    assert (first.status_code, again.status_code, other.status_code) == (201, 201, 422)
    assert Notification.objects.count() == 1


def test_a_key_costs_two_statements_on_a_first_request(client_user):
    view = notice_view()

    def statements(**kwargs):
        with CaptureQueriesContext(connection) as queries:
            assert post(view, client_user, **kwargs).status_code == 201
        return [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]

    plain = statements(data={"title": "甲"})
    keyed = statements(data={"title": "乙"}, key="k")
    assert len(keyed) - len(plain) == 2  # INSERT ... ON CONFLICT DO NOTHING, then the stored answer
    retry = statements(data={"title": "乙"}, key="k")
    assert len(retry) == 2  # the INSERT that inserts nothing and the SELECT of the stored answer


def test_old_keys_are_purged(client_user, settings):
    settings.IDEMPOTENCY_KEY_DAYS = 7
    view = notice_view()
    post(view, client_user, {"title": "旧"}, key="old")
    post(view, client_user, {"title": "新"}, key="new")
    IdempotencyKey.objects.filter(key="old").update(created_at=timezone.now() - datetime.timedelta(days=8))
    assert tasks.purge_idempotency_keys.apply().get() == 1  # the daily task of the beat schedule
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


def _race(view, user, key, first_started: threading.Event):
    """Post once while another request with the same key is inside its transaction; return both answers."""
    answers = {}

    def send(name):
        answers[name] = post(view, user, {"title": "甲"}, key=key)
        connection.close()

    first = threading.Thread(target=send, args=("first",))
    first.start()
    assert first_started.wait(10), "the first request never reached the view"
    second = threading.Thread(target=send, args=("second",))
    second.start()
    waited = _saw_a_request_waiting_on_a_lock(until=first)
    first.join(20)
    second.join(20)
    assert waited, "the second request should wait on the key's unique index while the first runs"
    return answers["first"], answers["second"]


def _saw_a_request_waiting_on_a_lock(*, until: threading.Thread) -> bool:
    while until.is_alive():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return True
        time.sleep(0.02)
    return False


@pytest.mark.django_db(transaction=True)
def test_two_identical_requests_at_once_create_one(client_user):
    calls = []
    started = threading.Event()

    def slow(request):
        calls.append(request)
        started.set()
        time.sleep(1)  # the second request arrives while this one has not committed

    first, second = _race(notice_view(hook=slow), client_user, "race", started)
    assert len(calls) == 1, "the second request waited for the first and did not run the view"
    assert first.status_code == second.status_code == 201
    assert second["Idempotent-Replayed"] == "true" and second.data == first.data
    assert Notification.objects.count() == 1 and IdempotencyKey.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_waiting_request_creates_when_the_first_fails(client_user):
    calls = []
    started = threading.Event()

    def first_fails(request):
        calls.append(request)
        if len(calls) == 1:
            started.set()
            time.sleep(1)
            raise exceptions.ValidationError({"title": ["第一次失败"]})

    first, second = _race(notice_view(hook=first_fails), client_user, "race", started)
    assert (first.status_code, second.status_code) == (400, 201)
    assert not second.has_header("Idempotent-Replayed")
    assert Notification.objects.count() == 1 and IdempotencyKey.objects.count() == 1
