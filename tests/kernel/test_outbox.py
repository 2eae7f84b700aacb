"""The outbox: a message exists exactly when the change that asked for it was committed."""

import uuid

import pytest
import redis
from django.conf import settings
from django.db import transaction

from ruian import outbox
from ruian.outbox import OutboxMessage


@pytest.fixture
def queue():
    name = f"test-outbox-{uuid.uuid4().hex[:8]}"
    client = redis.Redis.from_url(settings.REDIS_URL)
    yield name, client
    client.delete(name)


@pytest.mark.django_db(transaction=True)
def test_message_reaches_the_broker_after_commit(queue):
    name, client = queue
    with transaction.atomic():
        message = outbox.enqueue("ruian.tasks.relay_outbox", queue=name)
        assert client.llen(name) == 0, "nothing is sent before the change is committed"
    message.refresh_from_db()
    assert message.sent_at is not None and message.attempts == 1
    assert client.llen(name) == 1


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_sends_nothing(queue):
    name, client = queue
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.enqueue("ruian.tasks.relay_outbox", queue=name)
        raise RuntimeError("the service failed")
    assert OutboxMessage.objects.count() == 0
    assert client.llen(name) == 0


@pytest.mark.django_db(transaction=True)
def test_the_relay_sends_what_is_waiting(queue):
    name, client = queue
    OutboxMessage.objects.create(task="ruian.tasks.relay_outbox", queue=name, attempts=3, last_error="refused")
    assert outbox.pending_count() == 1
    assert outbox.send_pending() == 1
    assert outbox.pending_count() == 0 and client.llen(name) == 1


@pytest.mark.django_db(transaction=True)
def test_in_eager_mode_the_task_runs_in_process(settings, home_centre):
    import datetime

    from ruian import clocks
    from ruian.clocks import Deadline, Level, Unit

    settings.CELERY_TASK_ALWAYS_EAGER = True
    clocks.start_clock(home_centre, "tests.outbox", start=datetime.date(2026, 1, 5), unit=Unit.WORKING_DAYS, amount=1)
    with transaction.atomic():
        outbox.enqueue("ruian.tasks.sweep_deadlines")
    assert Deadline.objects.get(kind="tests.outbox").level == Level.RED
    assert outbox.pending_count() == 0


def test_health_reports_waiting_messages(client, db):
    OutboxMessage.objects.create(task="ruian.tasks.relay_outbox")
    assert client.get("/healthz").json()["outbox_pending"] == 1
