"""Redis stopped: pages and the API still work, messages wait in PostgreSQL and go out when it is back.

Marked `faults` (run by `make test-faults`): it really stops the local Redis, and always starts it again.
"""

import subprocess
import time
import uuid

import pytest
import redis
from django.conf import settings
from django.db import transaction

from ruian import outbox
from tests.conftest import login

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

START = [
    "redis-server",
    "--daemonize",
    "yes",
    "--bind",
    "127.0.0.1",
    "--port",
    "6379",
    "--save",
    "",
    "--appendonly",
    "no",
]


def redis_up() -> bool:
    try:
        return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return False


@pytest.fixture
def redis_stopped():
    assert redis_up(), "Redis must be running before the fault is injected"
    subprocess.run(["redis-cli", "-p", "6379", "shutdown", "nosave"], capture_output=True)
    for _ in range(50):
        if not redis_up():
            break
        time.sleep(0.1)
    assert not redis_up()
    try:
        yield
    finally:
        # Always bring it back, also when the test failed.
        if not redis_up():
            subprocess.run(START, check=True)
        for _ in range(100):
            if redis_up():
                break
            time.sleep(0.1)


def test_pages_and_api_work_and_messages_wait_while_redis_is_down(redis_stopped, client, clerk):
    login(client, clerk)
    assert client.get("/dashboard/").status_code == 200
    assert client.get("/api/v1/me/").status_code == 200  # throttling needs the cache: it lets requests through

    health = client.get("/healthz")
    assert health.status_code == 503
    body = health.json()
    assert body["database"]["ok"] is True and body["redis"]["ok"] is False

    queue = f"test-fault-{uuid.uuid4().hex[:8]}"
    started = time.monotonic()
    with transaction.atomic():
        message = outbox.enqueue("ruian.tasks.relay_outbox", queue=queue)
    assert time.monotonic() - started < 5, "a request must not hang on the missing broker"
    message.refresh_from_db()
    assert message.sent_at is None and message.attempts == 1 and message.last_error

    subprocess.run(START, check=True)
    for _ in range(100):
        if redis_up():
            break
        time.sleep(0.1)
    assert outbox.send_pending() == 1
    assert redis.Redis.from_url(settings.REDIS_URL).llen(queue) == 1
    redis.Redis.from_url(settings.REDIS_URL).delete(queue)
    assert client.get("/healthz").status_code == 200
