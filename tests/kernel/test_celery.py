"""Celery: the beat schedule names real tasks, and a real worker over Redis runs the deadline sweep."""

import datetime
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from ruian import clocks, tasks
from ruian.celery import app
from ruian.clocks import Deadline, Level, Unit

ROOT = Path(__file__).resolve().parents[2]


def test_every_scheduled_task_is_registered():
    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, entry["task"]


def test_sweep_task_runs_and_reports(db, home_centre):
    clocks.start_clock(home_centre, "tests.celery", start=datetime.date(2026, 1, 5), unit=Unit.WORKING_DAYS, amount=1)
    result = tasks.sweep_deadlines.apply().get()
    assert result["crossed"][str(Level.RED.label)] == 1
    assert Deadline.objects.get(kind="tests.celery").level == Level.RED


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sweeps_over_redis(home_centre):
    """Start a worker on a private queue against this test database and let it run the sweep."""
    clock = clocks.start_clock(
        home_centre,
        "tests.worker",
        start=timezone.localdate() - datetime.timedelta(days=60),
        unit=Unit.WORKING_DAYS,
        amount=1,
    )
    queue = f"test-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_TASK_ALWAYS_EAGER": "0",
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "ruian",
            "worker",
            "--pool",
            "solo",
            "-Q",
            queue,
            "-l",
            "warning",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        tasks.sweep_deadlines.apply_async(queue=queue)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            clock.refresh_from_db()
            if clock.level == Level.RED:
                break
            time.sleep(0.3)
        assert clock.level == Level.RED, "the worker did not run the sweep"
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
