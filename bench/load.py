"""The load side: gunicorn with production settings on a local port, wrk at 16 clients, and the
in-process query counter.

A request type is a dict:
    name      what the table calls it
    group     "trivial" | "read" | "write" (goals: reads >= 50%, writes >= 25% of trivial throughput)
    path      URL path
    auth      "token" (the bench REST client) | "session" (a window clerk's browser session) | None
    method    GET (default) or POST
    lua       optional wrk Lua defining `request = function() ... end` for writes that need fresh bodies
    body, content_type    what an in-process call posts (JSON unless a form's content type is given)
    count_paths, profile_paths    targets of the in-process calls (a write may need a fresh one each time)
"""

import json
import os
import resource
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

KERNEL_REQUESTS = [
    {"name": "trivial JSON (ping)", "group": "trivial", "path": "/api/v1/ping/", "auth": None},
    {"name": "API me (token auth)", "group": "read", "path": "/api/v1/me/", "auth": "token"},
    {"name": "organisations list (page 1)", "group": "read", "path": "/api/v1/organisations/", "auth": "token"},
    {"name": "dashboard page (clerk)", "group": "read", "path": "/dashboard/", "auth": "session"},
]

LUA_REPORT = r"""
%(setup)s
done = function(summary, latency, requests)
  local e = summary.errors
  io.stderr:write(string.format(
    'BENCH {"requests":%%d,"duration_us":%%d,"errors":%%d,"non2xx":%%d,"p50":%%d,"p95":%%d,"p99":%%d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# One key for the whole run: the sessions made in-process must be valid in the server.
SECRET_KEY = secrets.token_urlsafe(50)


def server_env(database_url: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "AXES_ENABLED": "0",
        "API_THROTTLE_USER": "100000000/min",
        "API_THROTTLE_ANON": "100000000/min",
        "STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "LOG_LEVEL": "WARNING",
    }


class Server:
    """gunicorn, one worker per core with threads, as docker-compose runs it."""

    def __init__(self, database_url: str, workers: int = 2, threads: int = 4):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = server_env(database_url)
        self.command = [
            sys.executable,
            "-m",
            "gunicorn",
            "ruian.wsgi",
            "-b",
            f"127.0.0.1:{self.port}",
            "-w",
            str(workers),
            "-k",
            "gthread",
            "--threads",
            str(threads),
            "--log-level",
            "warning",
        ]
        self.process = None

    def __enter__(self):
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            # Ready when the trivial endpoint answers, not merely when the port is open.
            try:
                with urllib.request.urlopen(f"{self.url}/api/v1/ping/", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def drain(self, timeout: float = 30) -> None:
        """Wait until the requests a load run left queued are served (the trivial endpoint answers quickly
        again), so that one slow request type's backlog is not charged to the next."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            started = time.monotonic()
            try:
                with urllib.request.urlopen(f"{self.url}/api/v1/ping/", timeout=5):
                    pass
            except OSError:
                continue
            if time.monotonic() - started < 0.05:
                return
            time.sleep(0.1)

    def worker_peak_rss_mb(self) -> list[float]:
        """Peak resident memory (VmHWM) of each gunicorn worker."""
        result = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True)
        peaks = []
        for pid in result.stdout.split():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except FileNotFoundError:
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        return peaks


CPU_GROUPS = ("web", "postgres", "redis", "wrk", "other", "stolen")


class CpuMeter:
    """Where the machine's CPU goes during a load run, per request: the portal's gunicorn processes
    ("web"), PostgreSQL's (every process of the cluster: its backends, WAL writer and checkpointer),
    Redis's, wrk's own, the rest of the machine ("other": the kernel's threads and whatever else runs), and
    the time the hypervisor gave to other guests while this machine wanted it ("stolen").

    Read from /proc (Linux): each watched process's user and system time plus the time of its children
    that ended (PostgreSQL's postmaster reaps a backend closed when its connection reaches CONN_MAX_AGE,
    gunicorn's master a worker), and /proc/stat for the whole machine. wrk's time is this process's reaped
    children's (wrk is the only child that ends during a run).

    While the machine is saturated, a request type's throughput against the trivial endpoint is about the
    inverse of their CPU costs, and the split says what more web machines would take away (web) and what
    one PostgreSQL has to carry whatever sits in front of it (postgres). Stolen time means the figures of
    that run are low by as much: compare the costs, not the throughputs.
    """

    TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")

    def __init__(self, server_pid: int):
        self.server_pid = server_pid

    def _group(self, pid: str, comm: str, ppid: int) -> str | None:
        if int(pid) == self.server_pid or ppid == self.server_pid:
            return "web"
        if comm == "postgres" or comm.startswith("postgres:"):
            return "postgres"
        if comm.startswith("redis-server"):
            return "redis"
        return None

    def sample(self) -> dict:
        """Milliseconds of CPU used so far by each watched group (its processes' and their ended
        children's), by this process's ended children (wrk), and by the machine; and the time stolen."""
        groups = dict.fromkeys(("web", "postgres", "redis"), 0.0)
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:  # ended meanwhile
                continue
            comm = stat[stat.index("(") + 1 : stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2 :].split()  # from the state on: ppid [1], utime..cstime [11:15]
            group = self._group(pid, comm, int(fields[1]))
            if group:
                groups[group] += sum(int(ticks) for ticks in fields[11:15]) * self.TICK_MS
        with open("/proc/stat") as stat:
            user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, stat.readline().split()[1:9])
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return {
            **groups,
            "wrk": (children.ru_utime + children.ru_stime) * 1000,
            "machine": (user + nice + system + irq + softirq) * self.TICK_MS,
            "stolen": steal * self.TICK_MS,
        }

    @staticmethod
    def per_request(before: dict, after: dict, requests: int) -> dict:
        """CPU milliseconds per request of each group between two samples."""
        if not requests:
            return dict.fromkeys(CPU_GROUPS, 0.0)
        spent = {group: after[group] - before[group] for group in ("web", "postgres", "redis", "wrk", "stolen")}
        watched = spent["web"] + spent["postgres"] + spent["redis"] + spent["wrk"]
        spent["other"] = max(0.0, after["machine"] - before["machine"] - watched)
        return {group: spent[group] / requests for group in CPU_GROUPS}


def run_wrk(url: str, request: dict, headers: dict, duration: int, connections: int = 16) -> dict:
    setup = request.get("lua", "")
    if request.get("method", "GET") != "GET" and not setup:
        setup = f'wrk.method = "{request["method"]}"\nwrk.body = {json.dumps(request.get("body", ""))}'
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA_REPORT % {"setup": setup})
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{duration}s", "--timeout", "5s", "-s", script.name]
    for key, value in headers.items():
        command += ["-H", f"{key}: {value}"]
    command.append(url + request["path"])
    result = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    os.unlink(script.name)
    line = next((ln for ln in result.stderr.splitlines() if ln.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed for {request['name']}: {result.stdout}\n{result.stderr}")
    stats = json.loads(line[6:])
    seconds = stats["duration_us"] / 1e6
    return {
        "rps": stats["requests"] / seconds if seconds else 0.0,
        "p50_ms": stats["p50"] / 1000,
        "p95_ms": stats["p95"] / 1000,
        "p99_ms": stats["p99"] / 1000,
        "errors": stats["errors"],
        "non2xx": stats["non2xx"],
        "requests": stats["requests"],
    }


def request_caller(request: dict, user, token: str):
    """A function making the request in-process with Django's test client, as `user` or the token, and
    the two paths `count_queries` calls (a write gets a fresh Idempotency-Key each time)."""
    import uuid

    from django.test import Client

    client = Client(raise_request_exception=False)
    headers = {}
    if request.get("auth") == "token":
        headers["HTTP_AUTHORIZATION"] = f"Token {token}"
    elif request.get("auth") == "session" or request.get("user") is not None:
        client.force_login(user, backend="ruian.backends.ModelBackend")
    method = request.get("method", "GET").lower()

    def call(path):
        if method == "get":
            return client.get(path, **headers)
        return getattr(client, method)(
            path,
            data=request.get("body", ""),
            content_type=request.get("content_type", "application/json"),
            HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
            **headers,
        )

    return call, request.get("count_paths") or [request["path"], request["path"]]


def count_queries(request: dict, user, token: str) -> int:
    """SQL statements one request costs, measured in-process with Django's test client.

    The request is made twice and the second one counted: per-process caches (content types, the
    calendar) are not per-request costs. A write gets a fresh Idempotency-Key each time, and may name
    two different targets in `count_paths` (accepting the same application twice is refused).
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call, paths = request_caller(request, user, token)
    call(paths[0])
    with CaptureQueriesContext(connection) as queries:
        response = call(paths[1])
    if response.status_code >= 400:
        raise RuntimeError(f"{request['name']}: HTTP {response.status_code} in-process: {response.content[:300]!r}")
    return len(queries)


count_queries.counts_writes = True  # bench/data_approvals.py offers its writes only to a harness that does
