"""A worker killed in the middle of a sweep: nothing half done, and the rerun notifies each clock once."""

import datetime
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from ruian import clocks
from ruian.clocks import Deadline, Level, Unit
from ruian.notifications import Notification, notify
from tests.factories import OrganisationFactory

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]

SWEEPER = """
import os, sys, time, django
django.setup()
from ruian import clocks
from ruian.notifications import notify
from django.contrib.auth import get_user_model

@clocks.register_handler("tests.killed")
def slow(ids, level):
    user = get_user_model().objects.get(username="clerk")
    for pk in ids:
        notify([user], title="超期", key=f"deadline:{pk}:{level}")
    open(sys.argv[1], "w").write("inside")  # tell the test we are mid-sweep
    time.sleep(60)

clocks.sweep_deadlines()
"""


def test_killed_sweep_rolls_back_and_the_rerun_acts_once(clerk, home_centre, tmp_path):
    old = datetime.date(2026, 1, 5)
    for n in range(5):  # five overdue clocks of one kind
        subject = OrganisationFactory(division=home_centre.division, name=f"窗口{n}")
        clocks.start_clock(subject, "tests.killed", start=old, unit=Unit.WORKING_DAYS, amount=1)

    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
    }
    marker = tmp_path / "inside"
    worker = subprocess.Popen([sys.executable, "-c", SWEEPER, str(marker)], cwd=ROOT, env=env)
    try:
        for _ in range(600):
            if marker.exists():
                break
            time.sleep(0.1)
        assert marker.exists(), "the sweeper never reached its handler"
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()

    # The killed transaction is rolled back: no level moved, no notice written.
    time.sleep(0.5)
    assert set(Deadline.objects.values_list("level", flat=True)) == {Level.GREEN}
    assert Notification.objects.count() == 0

    @clocks.register_handler("tests.killed")
    def notify_once(ids, level):
        for pk in ids:
            notify([clerk], title="超期", key=f"deadline:{pk}:{level}")

    clocks.sweep_deadlines()
    clocks.sweep_deadlines()
    assert Notification.objects.count() == 5
    assert set(Deadline.objects.values_list("level", flat=True)) == {Level.RED}
