"""`make run`: the portal with demo data, a Celery worker and beat, in the foreground until Ctrl-C.

Run with the project's virtual environment (`.venv/bin/python scripts/run.py`). Steps:

1. Find PostgreSQL and Redis. When no DATABASE_URL (or REDIS_URL) was given, in the environment or in
   `.env`, and the local server does not answer, fall back to SQLite in var/ (or to eager Celery with an
   in-memory cache and the beat schedule run by `manage.py run_periodic`), and say so: the embedded
   fallback is for a demonstration only. PGHOST/PGPORT and REDIS_HOST/REDIS_PORT move the local servers
   looked for (default 127.0.0.1, 5432 and 6379).
2. Create the database if it does not exist, migrate, and load the demo data (`load_demo`).
3. Start runserver on 127.0.0.1:$PORT (default 8000), the worker and beat; print the URL and the logins.
4. On SIGINT or SIGTERM stop every child and exit 0; when a child dies, stop the others and exit 1.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import local_services as services  # the sibling module, found through the line above

BASE_DIR = services.BASE_DIR
SQLITE_PATH = BASE_DIR / "var" / "ruian.sqlite3"
STOP_TIMEOUT = 10.0  # seconds a child gets to finish after SIGTERM before it is killed
DEMO_USERS = [
    ("clerk", "window clerk (窗口受理)"),
    ("approver", "back-office approver (后台审批)"),
    ("squad_leader", "enforcement squad leader (执法队长)"),
    ("officer", "enforcement officer (执法队员)"),
    ("officer2", "second enforcement officer"),
    ("legal_reviewer", "legal reviewer (法制审核)"),
    ("editor", "county catalog editor (县级目录编辑)"),
    ("operator", "command-centre operator (指挥中心)"),
    ("grid_worker", "grid worker (网格员)"),
    ("api_client", "REST API client (token printed by load_demo above)"),
]


class ServiceMissing(RuntimeError):
    """A service named by an explicit URL does not answer: no silent fallback for what was asked for."""


@dataclass
class Plan:
    """What the children get and which of them run."""

    env: dict[str, str] = field(default_factory=dict)  # variables set for every child
    postgres_url: str | None = None  # a PostgreSQL database to create if missing
    celery: bool = True  # a worker and beat; otherwise `run_periodic` in-process
    notices: list[str] = field(default_factory=list)


def plan_services(
    settings_env: Mapping[str, str],
    probe: Callable[[str, int], bool] = services.probe,
    out: Callable[[str], object] = print,
) -> Plan:
    """Decide between the real services and the embedded fallback, and say what was decided."""
    plan = Plan()

    database_url = settings_env.get("DATABASE_URL")
    if database_url:
        if services.is_postgres(database_url):
            host, port = services.target(database_url, 5432)
            if not probe(host, port):
                raise ServiceMissing(
                    f"PostgreSQL is not reachable at {host or 'the local socket'}:{port}, which DATABASE_URL "
                    "names. Start it, or remove DATABASE_URL to use the local server or the SQLite fallback."
                )
            plan.postgres_url = database_url
    else:
        host = settings_env.get("PGHOST") or "127.0.0.1"
        port = int(settings_env.get("PGPORT") or 5432)
        if probe(host, port):
            plan.postgres_url = f"postgres://postgres@{host}:{port}/ruian"
            plan.env["DATABASE_URL"] = plan.postgres_url
        else:
            plan.env["DATABASE_URL"] = f"sqlite:///{SQLITE_PATH}"
            plan.notices.append(
                f"PostgreSQL is not reachable at {host}:{port}: falling back to SQLite at "
                f"{SQLITE_PATH.relative_to(BASE_DIR)} (for demonstration only)"
            )

    if _truthy(settings_env.get("CELERY_TASK_ALWAYS_EAGER")):
        plan.celery = False  # asked for explicitly: tasks run where they are queued, no broker needed
    elif settings_env.get("REDIS_URL"):
        host, port = services.target(settings_env["REDIS_URL"], 6379)
        if not probe(host, port):
            raise ServiceMissing(
                f"Redis is not reachable at {host}:{port}, which REDIS_URL names. Start it, or remove "
                "REDIS_URL to use the local server or the in-process fallback."
            )
    else:
        host = settings_env.get("REDIS_HOST") or "127.0.0.1"
        port = int(settings_env.get("REDIS_PORT") or 6379)
        if probe(host, port):
            plan.env["REDIS_URL"] = f"redis://{host}:{port}/0"
        else:
            plan.celery = False
            plan.env.update(CELERY_TASK_ALWAYS_EAGER="1", USE_REDIS_CACHE="0")
            plan.notices.append(
                f"Redis is not reachable at {host}:{port}: running Celery tasks eagerly in-process, the "
                "periodic sweeps with `manage.py run_periodic` and the cache in memory (for demonstration only)"
            )

    for notice in plan.notices:
        out(notice)
    return plan


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on", "y", "t"}


def _die_with_parent() -> None:
    # A child must not outlive `make run` even when this script is killed with SIGKILL.
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Supervisor:
    """The long-running children, each in a process group of its own so only this script signals them."""

    def __init__(self, env: dict[str, str]):
        self.env = env
        self.children: dict[str, subprocess.Popen] = {}
        self.stop_requested: str | None = None

    def start(self, name: str, argv: list[str]) -> None:
        self.children[name] = subprocess.Popen(
            argv, cwd=BASE_DIR, env=self.env, stdin=subprocess.DEVNULL, process_group=0, preexec_fn=_die_with_parent
        )

    def request_stop(self, signum, frame) -> None:
        self.stop_requested = signal.Signals(signum).name

    def dead_child(self) -> tuple[str, int] | None:
        for name, child in self.children.items():
            if child.poll() is not None:
                return name, child.returncode
        return None

    def stop_all(self) -> None:
        for child in self.children.values():
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT
        for name, child in self.children.items():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                print(f"{name} did not stop within {STOP_TIMEOUT:.0f} s; killing it", flush=True)
                child.kill()
                child.wait()
        for child in self.children.values():
            try:
                os.killpg(child.pid, signal.SIGKILL)  # whatever it left behind (a worker's pool processes)
            except (ProcessLookupError, PermissionError):
                pass


def manage(*args: str) -> list[str]:
    return [sys.executable, str(BASE_DIR / "manage.py"), *args]


def has_command(name: str) -> bool:
    return any(BASE_DIR.glob(f"*/management/commands/{name}.py"))


def wait_for_web(supervisor: Supervisor, port: int, seconds: float = 60.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not supervisor.stop_requested:
        if supervisor.dead_child():
            return False
        if services.probe("127.0.0.1", port, timeout=0.5):
            return True
        time.sleep(0.3)
    return False


def banner(url: str, password: str, plan: Plan) -> str:
    width = max(len(name) for name, _ in DEMO_USERS)
    lines = [
        "",
        f"ruian is running at {url}",
        f"Demo logins, all with the password {password!r} (DEMO_PASSWORD):",
        *(f"    {name.ljust(width)}  {label}" for name, label in DEMO_USERS),
        f"API: {url}api/v1/ (header 'Authorization: Token <key>'), docs at {url}api/docs/",
        *(f"Note: {notice}" for notice in plan.notices),
        "Press Ctrl-C to stop.",
        "",
    ]
    return "\n".join(lines)


def prepare(plan: Plan, env: dict[str, str]) -> None:
    (BASE_DIR / "var").mkdir(exist_ok=True)
    if plan.postgres_url and services.ensure_database(plan.postgres_url):
        print(f"Created the database {plan.postgres_url.rsplit('/', 1)[-1]}.", flush=True)
    subprocess.run(manage("migrate", "--noinput"), cwd=BASE_DIR, env=env, check=True)
    if has_command("load_demo"):
        subprocess.run(manage("load_demo"), cwd=BASE_DIR, env=env, check=True)
    else:
        print("manage.py load_demo is not there yet: starting without demo data.", flush=True)


def main() -> int:
    settings_env = services.configured()
    try:
        plan = plan_services(settings_env)
    except ServiceMissing as error:
        print(error, file=sys.stderr)
        return 1

    env = {**os.environ, **plan.env, "PYTHONUNBUFFERED": "1"}
    port = int(settings_env.get("PORT") or 8000)
    if services.probe("127.0.0.1", port, timeout=0.5):
        print(f"Port {port} on 127.0.0.1 is taken already; choose another with PORT=8001 make run", file=sys.stderr)
        return 1

    try:
        prepare(plan, env)
    except KeyboardInterrupt:
        print("\nInterrupted before the portal started.")
        return 0
    except subprocess.CalledProcessError as error:
        print(f"\n{' '.join(error.cmd[1:])} failed with exit code {error.returncode}", file=sys.stderr)
        return 1
    except Exception as error:  # creating the database: psycopg2's own message says what is wrong
        print(f"\nCannot prepare the database: {error}".rstrip(), file=sys.stderr)
        return 1

    supervisor = Supervisor(env)
    signal.signal(signal.SIGINT, supervisor.request_stop)
    signal.signal(signal.SIGTERM, supervisor.request_stop)
    supervisor.start("web (runserver)", manage("runserver", f"127.0.0.1:{port}", "--noreload"))
    celery = [sys.executable, "-m", "celery", "-A", "ruian"]
    if plan.celery:
        supervisor.start("celery worker", [*celery, "worker", "-l", "info", "--concurrency", "2"])
        schedule = str(BASE_DIR / "var" / "celerybeat-schedule")
        supervisor.start("celery beat", [*celery, "beat", "-l", "info", "--schedule", schedule])
    else:
        supervisor.start("periodic tasks (run_periodic)", manage("run_periodic"))

    if wait_for_web(supervisor, port):
        password = settings_env.get("DEMO_PASSWORD") or "ruian-demo-2026"
        print(banner(f"http://127.0.0.1:{port}/", password, plan), flush=True)

    exit_code = 0
    while not supervisor.stop_requested:
        dead = supervisor.dead_child()
        if dead:
            name, code = dead
            print(f"\n{name} exited with code {code}; stopping the others.", file=sys.stderr, flush=True)
            exit_code = 1
            break
        time.sleep(0.5)
    else:
        print(f"\n{supervisor.stop_requested}: stopping the portal ...", flush=True)

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not leave children behind
    supervisor.stop_all()
    print("Stopped." if exit_code == 0 else "Stopped after a failure.", flush=True)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
