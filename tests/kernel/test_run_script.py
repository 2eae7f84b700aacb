"""`make run`'s choice between the real services and the embedded fallback (scripts/run.py), and the
in-process schedule that replaces Celery beat in that fallback (manage.py run_periodic)."""

import importlib.util
import socket
import sys
from pathlib import Path

import pytest
from celery.schedules import crontab

from ruian.celery import app
from ruian.management.commands.run_periodic import entries_from, run_due

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def _load(name):
    sys.path.insert(0, str(SCRIPTS))
    try:
        spec = importlib.util.spec_from_file_location(f"ruian_scripts_{name}", SCRIPTS / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(SCRIPTS))


run = _load("run")


@pytest.fixture
def closed_port():
    # A port that was free a moment ago: nothing listens there.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_services_without_urls_fall_back_to_sqlite_and_eager_celery(closed_port, capsys):
    plan = run.plan_services({"PGPORT": str(closed_port), "REDIS_PORT": str(closed_port)})

    assert plan.env["DATABASE_URL"] == f"sqlite:///{run.BASE_DIR / 'var' / 'ruian.sqlite3'}"
    assert plan.postgres_url is None
    assert plan.env["CELERY_TASK_ALWAYS_EAGER"] == "1"
    assert plan.env["USE_REDIS_CACHE"] == "0"
    assert plan.celery is False
    printed = capsys.readouterr().out
    assert (
        f"PostgreSQL is not reachable at 127.0.0.1:{closed_port}: falling back to SQLite at var/ruian.sqlite3 "
        "(for demonstration only)"
    ) in printed
    assert f"Redis is not reachable at 127.0.0.1:{closed_port}: running Celery tasks eagerly" in printed


def test_reachable_services_are_used_with_worker_and_beat(capsys):
    plan = run.plan_services({}, probe=lambda host, port: True)

    assert plan.env == {
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/ruian",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    assert plan.postgres_url == "postgres://postgres@127.0.0.1:5432/ruian"
    assert plan.celery is True
    assert capsys.readouterr().out == ""


def test_a_url_that_was_given_is_never_replaced_by_the_fallback(closed_port):
    with pytest.raises(run.ServiceMissing, match=f"127.0.0.1:{closed_port}, which DATABASE_URL names"):
        run.plan_services({"DATABASE_URL": f"postgres://postgres@127.0.0.1:{closed_port}/ruian"})
    with pytest.raises(run.ServiceMissing, match="which REDIS_URL names"):
        run.plan_services({"DATABASE_URL": "sqlite:///x.sqlite3", "REDIS_URL": f"redis://127.0.0.1:{closed_port}/0"})


def test_the_probe_tells_a_listening_port_from_a_closed_one(closed_port):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        assert run.services.probe("127.0.0.1", server.getsockname()[1]) is True
    assert run.services.probe("127.0.0.1", closed_port, timeout=0.5) is False


def test_dotenv_values_count_as_given_but_the_environment_wins(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("# comment\nDEBUG=1\nexport REDIS_URL='redis://elsewhere:6379/1'\nDATABASE_URL=sqlite:///a\n")

    merged = run.services.configured(environ={"DATABASE_URL": "sqlite:///b"}, dotenv=run.services.read_dotenv(dotenv))

    assert merged == {"DEBUG": "1", "REDIS_URL": "redis://elsewhere:6379/1", "DATABASE_URL": "sqlite:///b"}


def test_run_periodic_runs_intervals_at_once_and_crontabs_at_their_time():
    now = app.now()
    entries = entries_from(
        {
            "sweep": {"task": "ruian.tasks.sweep_deadlines", "schedule": 60},
            "nightly": {"task": "ruian.tasks.seed_calendar", "schedule": crontab(hour=(now.hour + 12) % 24, minute=0)},
        },
        now,
    )
    ran = []

    wait = run_due(entries, now, lambda entry: ran.append(entry.name))
    assert ran == ["sweep"]
    assert 0 < wait <= 60

    ran.clear()
    run_due(entries, app.now(), lambda entry: ran.append(entry.name))
    assert ran == []  # the sweep ran a moment ago, the nightly job is hours away
