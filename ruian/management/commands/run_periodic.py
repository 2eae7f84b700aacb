"""Run the Celery beat schedule in this process, each task eagerly: beat and worker for a machine without Redis.

`make run` starts it instead of `celery worker` and `celery beat` when Redis cannot be reached (the
embedded fallback), so the deadline sweeps keep running in a demonstration. Each entry of
settings.CELERY_BEAT_SCHEDULE is run on its own schedule: an interval (seconds) first at start-up and
then every interval, a crontab at its next time. The tasks are idempotent, so a run cut short by a stop
is simply repeated next time.
"""

import logging
import signal
import time
from dataclasses import dataclass
from datetime import datetime

from celery.schedules import maybe_schedule
from celery.schedules import schedule as interval_schedule
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from ruian.celery import app

log = logging.getLogger("ruian.periodic")
LONGEST_SLEEP = 60.0  # seconds: look again at least this often, so a changed clock is noticed


@dataclass
class Entry:
    name: str
    task: str
    schedule: object  # a celery.schedules schedule or crontab
    args: tuple = ()
    kwargs: dict | None = None
    last_run_at: datetime | None = None


def entries_from(beat_schedule: dict, now: datetime) -> list[Entry]:
    entries = []
    for name, spec in beat_schedule.items():
        schedule = maybe_schedule(spec["schedule"], app=app)
        # An interval entry counts as last run one interval ago, so it runs at start-up; a crontab
        # entry waits for its next time, as beat does.
        last = now - schedule.run_every if isinstance(schedule, interval_schedule) else now
        entries.append(
            Entry(name, spec["task"], schedule, tuple(spec.get("args", ())), dict(spec.get("kwargs", {})), last)
        )
    return entries


def run_due(entries: list[Entry], now: datetime, run) -> float:
    """Run every entry that is due (through `run(entry)`); return the seconds until one is due again."""
    wait = LONGEST_SLEEP
    for entry in entries:
        due, next_in = entry.schedule.is_due(entry.last_run_at)
        if due:
            run(entry)
            entry.last_run_at = now
        wait = min(wait, next_in)
    return max(wait, 0.5)


class Command(BaseCommand):
    help = "Run the periodic tasks of CELERY_BEAT_SCHEDULE in-process (the fallback when there is no Redis)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run every entry once now, then exit")

    def handle(self, *args, once=False, **options):
        app.loader.import_default_modules()  # registers the tasks of every installed app
        self.stopping = False
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)

        now = app.now()
        entries = entries_from(settings.CELERY_BEAT_SCHEDULE, now)
        if once:
            for entry in entries:
                self.run_entry(entry)
            return
        names = ", ".join(entry.name for entry in entries)
        self.stdout.write(f"Running {len(entries)} periodic tasks in-process: {names}")
        while not self.stopping:
            wait = run_due(entries, app.now(), self.run_entry)
            deadline = time.monotonic() + wait
            while not self.stopping and time.monotonic() < deadline:
                time.sleep(min(1.0, deadline - time.monotonic()))

    def _stop(self, signum, frame):
        self.stopping = True

    def run_entry(self, entry: Entry) -> None:
        # The same care as Celery's Django fix-up: never reuse a connection the database has dropped.
        close_old_connections()
        started = time.monotonic()
        result = app.tasks[entry.task].apply(args=entry.args, kwargs=entry.kwargs, throw=False)
        close_old_connections()
        took = time.monotonic() - started
        if result.failed():
            log.error("%s (%s) failed after %.1f s:\n%s", entry.name, entry.task, took, result.traceback)
        else:
            log.info("%s (%s) done in %.1f s: %r", entry.name, entry.task, took, result.result)
