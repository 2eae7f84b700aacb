"""`python -m bench [--scale small|province]`: generate data, sweep, load the server, print the table.

The database is `ruian_bench` (dropped and rebuilt unless --reuse); nothing touches the demo database.
"""

import argparse
import json
import logging
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from bench.load import KERNEL_REQUESTS, CpuMeter, Server, count_queries, run_wrk, server_env
from bench.scales import SCALES

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ruian_bench"
RESULTS = Path(__file__).resolve().parent / "results"

GOALS = {"read": 0.50, "write": 0.25}
P99_GOAL_MS = 100
SWEEP_GOAL_S = 5
RSS_GOAL_MB = 150
WARMUP_S = 2  # unmeasured seconds of load before each read's measured run


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scale", choices=SCALES, default="small")
    parser.add_argument("--duration", type=int, help="seconds of load per request type")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default: one per core)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--reuse", action="store_true", help="keep the data of the last run")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument(
        "--generate-only", action="store_true", help="generate the data, print each generator's time and stop"
    )
    parser.add_argument(
        "--skip-sweeps", action="store_true", help="with --reuse: the request load only, no deadline sweeps"
    )
    args = parser.parse_args(argv)
    if args.skip_sweeps and not args.reuse:
        parser.error("--skip-sweeps needs --reuse: generated data is swept before it is loaded")
    scale = SCALES[args.scale]
    duration = args.duration or scale["duration"]

    os.environ.update(server_env(args.database_url))
    os.environ["DJANGO_SETTINGS_MODULE"] = "ruian.settings"
    if not args.reuse:
        recreate_database(args.database_url)

    import django

    django.setup()
    from django.core.management import call_command

    from bench import data
    from ruian import clocks

    clocks.register_handler("bench.kernel")(lambda ids, level: None)
    out = _Flushing(sys.stdout)
    started = time.monotonic()
    timings = {}
    # Reused data gets the migrations made since it was generated (new indexes), as an upgrade would.
    moment = time.monotonic()
    call_command("migrate", verbosity=0)
    timings["migrate"] = time.monotonic() - moment
    if not args.reuse:
        moment = time.monotonic()
        ctx = data.generate_kernel(scale, out)
        timings["kernel"] = time.monotonic() - moment
        for module in data.app_modules():
            moment = time.monotonic()
            module.generate(scale, ctx, out)
            timings[module.__name__.rsplit("_", 1)[-1]] = time.monotonic() - moment
        timings["clocks"] = data.generate_clocks(scale["clocks"], out)
    else:
        ctx = data.load_context()
    # What autovacuum would have done by the time a real database holds this much: without fresh
    # statistics the planner takes the bulk-loaded tables for empty (a sync page sorted 40,000 rows
    # instead of reading 101 from its index). Reused data is settled the same way (a previous run's
    # requests left dead rows behind).
    timings["vacuum analyze, checkpoint"] = settle(out)
    timings["total"] = time.monotonic() - started
    out.write(f"data ready in {timings['total']:.0f}s\n")
    if args.generate_only:
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / f"{args.scale}-generate.json"
        path.write_text(json.dumps({"scale": args.scale, "generate_seconds": timings}, indent=2))
        out.write(f"written to {path}\n")
        return

    # --- sweeps ------------------------------------------------------------------------------------
    if args.skip_sweeps:
        sweeps = {}
    else:
        sweeps = measure_sweeps(args.database_url, ctx, data, out)
        # The catch-up sweep and the catalogs' imports changed this database (at province scale hundreds of
        # thousands of clocks), leaving dead rows that autovacuum clears within minutes in a real database.
        settle(out, "after the sweeps")

    # --- requests ------------------------------------------------------------------------------------
    requests = list(KERNEL_REQUESTS)
    for module in data.app_modules():
        requests += getattr(module, "requests", lambda ctx: [])(ctx)
    clerk = ctx.clerks[0]
    for request in requests:
        try:
            request["queries"] = count_queries(request, request.get("user", clerk), ctx.token)
        except RuntimeError as error:
            out.write(f"{error}\n")
            request["queries"], request["count_failed"] = -1, True

    headers_for = {
        None: {},
        "token": {"Authorization": f"Token {ctx.token}"},
        "session": {"Cookie": f"sessionid={session_key(clerk)}"},
    }
    rows = []
    with Server(args.database_url, workers=args.workers, threads=args.threads) as server:
        meter = CpuMeter(server.process.pid)
        for request in requests:
            headers = dict(headers_for[request.get("auth")])
            if request.get("user") is not None:
                headers = {"Cookie": f"sessionid={session_key(request['user'])}"}
            try:
                if request.get("method", "GET") == "GET":
                    # Two unmeasured seconds first, so a read is timed on warm caches: after the sweeps' copies
                    # of the database, the first light reads of a province run ran at half speed for minutes.
                    # (Writes are not repeated: their scripts use each idempotency key and application once.)
                    run_wrk(server.url, request, headers, WARMUP_S, args.connections)
                    server.drain()
                before = meter.sample()
                stats = run_wrk(server.url, request, headers, duration, args.connections)
                stats["cpu_ms"] = meter.per_request(before, meter.sample(), stats["requests"])
            except (RuntimeError, subprocess.TimeoutExpired) as error:
                # One broken request type must not cost the whole run its table: it shows as failed.
                out.write(f"{request['name']}: {str(error)[-1500:]}\n")
                stats = {"rps": 0.0, "p50_ms": 0.0, "p95_ms": 0.0, "p99_ms": 0.0, "errors": 1, "non2xx": 0}
                stats["requests"], stats["failed"] = 0, True
            out.write(
                f"{request['name']}: {stats['rps']:.0f} req/s, p99 {stats['p99_ms']:.1f} ms, "
                f"{stats['errors'] + stats['non2xx']} errors\n"
            )
            rows.append({**request, **stats})
            server.drain()
        memory = server.worker_peak_rss_mb()
    report(args, rows, sweeps, memory, duration, timings, time.monotonic() - started)


class _Flushing:
    """stdout that shows each progress line as it is written, also when piped to a file."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text):
        self.stream.write(text)
        self.stream.flush()


def open_clocks() -> int:
    from ruian.clocks import ClockStatus, Deadline

    return Deadline.objects.filter(status=ClockStatus.RUNNING).count()


def measure_sweeps(database_url, ctx, data, out) -> dict:
    """Every deadline sweep, labelled by what it measures. Returns {label: {"seconds", "goal", ...}}.

    1. The catch-up sweep right after generation, in a process of its own running the Celery task (its
       peak resident memory is the worker's): every clock whose thresholds passed while the data was
       generated crosses at once.
    2. Its rerun, which must find nothing new.
    3. The steady-state sweep: the periodic task runs every minute; here as one minute later, over every
       open clock, with the clocks whose thresholds fall in that minute crossing.
    4. The end-of-day sweep: working-day limits run out at midnight, so the first sweep after midnight of
       the next working day moves every limit of that day at once (the busiest minute of a day).
    5. The apps' own sweeps, each from the same state.

    The backlogs (4 and 5) run on a copy of the database each (on_copy), dropped afterwards, so each sweep
    commits as in a running server and one app's sweep days ahead leaves nothing behind for the next.
    """
    import datetime

    from django.utils import timezone

    from ruian import clocks
    from ruian.clocks import Unit

    sweeps = _Printed(out)
    total = open_clocks()
    child = subprocess.run(
        [sys.executable, "-m", "bench.sweep_worker"],
        cwd=Path(__file__).resolve().parents[1],
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=3600,
    )
    line = next((ln for ln in child.stdout.splitlines() if ln.startswith("SWEEP ")), None)
    if child.returncode or line is None:
        raise RuntimeError(f"the sweep worker failed:\n{child.stdout[-2000:]}\n{child.stderr[-4000:]}")
    worker = json.loads(line[6:])
    sweeps[f"catch-up sweep after generation, {total:,} running clocks ({data.backlog(worker['result'])})"] = {
        "seconds": worker["result"]["longest"],
        "goal": SWEEP_GOAL_S,
        "crossed": sum(worker["result"]["crossed"].values()),
        "open": total,
        "worker_rss_before_mb": worker["rss_before_mb"],
        "worker_peak_rss_mb": worker["peak_rss_mb"],
    }
    again = clocks.sweep_deadlines()
    sweeps["catch-up sweep, rerun (nothing new)"] = {
        "seconds": again["seconds"],
        "goal": SWEEP_GOAL_S,
        "crossed": sum(again["crossed"].values()),
    }

    total = open_clocks()
    minute = clocks.sweep_deadlines(now=timezone.now() + datetime.timedelta(minutes=1))
    crossed = sum(minute["crossed"].values())
    sweeps[f"steady-state sweep, one minute on ({crossed:,} of {total:,} running clocks crossed)"] = {
        "seconds": minute["seconds"],
        "goal": SWEEP_GOAL_S,
        "crossed": crossed,
        "open": total,
    }

    # On a copy (on_copy): each sweep of the backlog commits, and the apps' sweeps start from the same state.
    midnight = clocks.compute_due(timezone.localdate(), Unit.WORKING_DAYS, 1) + datetime.timedelta(seconds=30)
    with on_copy():
        result = clocks.sweep_backlog(now=midnight)
    sweeps[f"end-of-working-day sweep after next midnight, {total:,} running clocks ({data.backlog(result)})"] = {
        "seconds": result["longest"],
        "goal": SWEEP_GOAL_S,
        "crossed": sum(result["crossed"].values()),
        "open": total,
        "sweeps": result["sweeps"],
        "total_seconds": result["seconds"],
    }

    # An overdue grid event escalates one level per sweep and says so when it reaches the top; the apps'
    # sweeps at moments days ahead make thousands of such lines: counted here, not printed.
    escalation_top = _Counting("cannot go above")
    logging.getLogger("grids.services").addFilter(escalation_top)
    for module in data.app_modules():
        if not hasattr(module, "sweeps"):
            continue
        isolated = module.__name__ != "bench.data_catalogs"  # catalogs times imports, not clocks
        started = time.monotonic()
        if isolated:
            with on_copy():
                results = module.sweeps(ctx)
        else:
            results = module.sweeps(ctx)
        for name, seconds in results.items():
            sweeps[name] = {"seconds": seconds, "goal": SWEEP_GOAL_S if "sweep" in name else None}
        out.write(f"{module.__name__}: sweeps and timed operations in {time.monotonic() - started:.1f}s\n")
    logging.getLogger("grids.services").removeFilter(escalation_top)
    if escalation_top.count:
        out.write(f"({escalation_top.count:,} warnings 'event cannot go above the top division' not shown)\n")
    return sweeps


class _Printed(dict):
    """The sweeps' figures, each printed as soon as it is measured (a long run shows its progress)."""

    def __init__(self, out):
        super().__init__()
        self.out = out

    def __setitem__(self, name, sweep):
        super().__setitem__(name, sweep)
        self.out.write(f"{name}: {sweep['seconds']:.2f}s\n")


class _Counting(logging.Filter):
    def __init__(self, fragment):
        super().__init__()
        self.fragment, self.count = fragment, 0

    def filter(self, record):
        if self.fragment in record.getMessage():
            self.count += 1
            return False
        return True


def _admin(config: dict, *statements: str) -> None:
    """Run statements in the server's `postgres` database (outside any transaction), as the bench's user."""
    import psycopg2

    connection = psycopg2.connect(
        dbname="postgres",
        user=config["USER"],
        host=config["HOST"] or "127.0.0.1",
        port=config["PORT"] or 5432,
        password=config["PASSWORD"] or None,
    )
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    finally:
        connection.close()


def recreate_database(url):
    from environ import Env

    name = Env.db_url_config(url)["NAME"]
    _admin(Env.db_url_config(url), f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')


@contextmanager
def on_copy():
    """Run the block on a copy of the bench database, dropped afterwards.

    A backlog of clocks is moved by sweeps that each commit, as the periodic task moves it; a copy lets them
    commit and still leaves the next measurement the same data. (Savepoints of one transaction rolled back
    afterwards, as the bench did before, are no stand-in: every sweep's index scan then walks past all the
    rows the sweeps before it updated, which no vacuum or later scan can clear while the transaction lasts,
    so each sweep of a long backlog took longer than the one before.)"""
    from django.db import connection

    config = connection.settings_dict
    name = config["NAME"]
    copy = f"{name}_sweeps"
    connection.close()
    # FILE_COPY copies the files (after a checkpoint) instead of writing gigabytes through the WAL.
    _admin(
        config,
        f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)',
        f'CREATE DATABASE "{copy}" TEMPLATE "{name}" STRATEGY FILE_COPY',
    )
    config["NAME"] = copy
    try:
        yield
    finally:
        connection.close()
        config["NAME"] = name
        _admin(config, f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')


def session_key(user) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "ruian.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session.session_key


def machine() -> str:
    memory = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {memory:.0f} GiB"


# The server settings that decide how a province's data is served: the figures hold for these.
POSTGRES_SETTINGS = ("shared_buffers", "effective_cache_size", "max_wal_size", "random_page_cost", "synchronous_commit")


def postgres() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        parts = [f"PostgreSQL {cursor.fetchone()[0].split()[0]}"]
        for name in POSTGRES_SETTINGS:
            cursor.execute(f"SHOW {name}")
            parts.append(f"{name} {cursor.fetchone()[0]}")
    return ", ".join(parts)


def _mark(ok: bool) -> str:
    return "met" if ok else "MISSED"


def _cpu(row, group: str) -> str:
    """A row's CPU milliseconds per request of one group of `CpuMeter` ("rest": wrk, Redis and the rest of
    the machine; "stolen": by the hypervisor), or "-" for a request type whose load failed."""
    cpu = row.get("cpu_ms")
    if not cpu:
        return "-"
    ms = cpu["wrk"] + cpu["redis"] + cpu["other"] if group == "rest" else cpu[group]
    return f"{ms:.2f}"


def report(args, rows, sweeps, memory, duration, timings, elapsed):
    trivial = next(row["rps"] for row in rows if row["group"] == "trivial")
    lines = []
    say = lines.append
    say("")
    say(
        f"scale {args.scale}, {args.connections} clients, {duration}s per request type, {machine()}, "
        f"gunicorn {args.workers} workers x {args.threads} threads, "
        f"data generated in {timings['total']:.0f}s, whole run {elapsed:.0f}s"
    )
    say(postgres())
    header = (
        f"{'request':44} {'group':7} {'req/s':>8} {'ratio':>6} {'p50ms':>7} {'p95ms':>7} {'p99ms':>7} "
        f"{'SQL':>4} {'err':>4} {'CPU ms: web':>11} {'pg':>5} {'rest':>5} {'stolen':>6} goal"
    )
    say(header)
    say("-" * len(header))
    for row in rows:
        ratio = row["rps"] / trivial if trivial else 0
        row["ratio"] = ratio
        goal = GOALS.get(row["group"])
        row["meets_ratio"] = goal is None or ratio >= goal
        row["meets_p99"] = row["p99_ms"] < P99_GOAL_MS
        ok = row["meets_ratio"] and row["meets_p99"] and not row["errors"] and not row["non2xx"]
        row["meets_goal"] = ok
        why = []
        if not row["meets_ratio"]:
            why.append(f"ratio < {goal:.0%}")
        if not row["meets_p99"]:
            why.append(f"p99 >= {P99_GOAL_MS} ms")
        if row["errors"] or row["non2xx"]:
            why.append("errors")
        say(
            f"{row['name'][:44]:44} {row['group']:7} {row['rps']:8.0f} {ratio:6.0%} {row['p50_ms']:7.1f} "
            f"{row['p95_ms']:7.1f} {row['p99_ms']:7.1f} {row['queries']:4d} {row['errors'] + row['non2xx']:4d} "
            f"{_cpu(row, 'web'):>11} {_cpu(row, 'postgres'):>5} {_cpu(row, 'rest'):>5} {_cpu(row, 'stolen'):>6} "
            f"{'reference' if row['group'] == 'trivial' else _mark(ok)}{' (' + ', '.join(why) + ')' if why else ''}"
        )
    say("")
    for name, sweep in sweeps.items():
        seconds = sweep["seconds"]
        if sweep["goal"] is None:
            say(f"{name[:92]:92} {seconds:7.2f}s")
        else:
            sweep["meets_goal"] = seconds < sweep["goal"]
            say(f"{name[:92]:92} {seconds:7.2f}s {_mark(sweep['meets_goal'])} (goal < {sweep['goal']}s)")
    peak = max(memory) if memory else 0
    say(
        f"{'peak resident memory per web worker (' + ', '.join(f'{m:.0f}' for m in memory) + ' MB)':92} "
        f"{peak:7.0f} MB {_mark(peak < RSS_GOAL_MB)} (goal < {RSS_GOAL_MB} MB)"
    )
    catch_up = next((s for s in sweeps.values() if "worker_peak_rss_mb" in s), None)
    if catch_up:
        say(
            f"{'peak resident memory of the worker process running the catch-up sweep':92} "
            f"{catch_up['worker_peak_rss_mb']:7.0f} MB (before the task: {catch_up['worker_rss_before_mb']:.0f} MB)"
        )
    text = "\n".join(lines)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    result = {
        "scale": args.scale,
        "machine": machine(),
        "postgres": postgres(),
        "command": command_line(args),
        "connections": args.connections,
        "workers": args.workers,
        "threads": args.threads,
        "duration": duration,
        "generate_seconds": timings,
        "run_seconds": elapsed,
        "rows": [{k: v for k, v in row.items() if k not in ("user", "lua")} for row in rows],
        "sweeps": sweeps,
        "web_worker_peak_rss_mb": memory,
    }
    (RESULTS / f"{args.scale}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    (RESULTS / f"{args.scale}.md").write_text(markdown(result, trivial))
    print(f"\nwritten to {RESULTS / (args.scale + '.json')} and {RESULTS / (args.scale + '.md')}")


def command_line(args) -> str:
    command = f"python -m bench --scale {args.scale}"
    if args.reuse:
        command += " --reuse"
    if args.skip_sweeps:
        command += " --skip-sweeps"
    if args.duration:
        command += f" --duration {args.duration}"
    if args.connections != 16:
        command += f" --connections {args.connections}"
    if (args.workers, args.threads) != (2, 4):
        command += f" --workers {args.workers} --threads {args.threads}"
    return command


def settle(out, when: str = "") -> float:
    """VACUUM (ANALYZE), then CHECKPOINT: the data as a running server holds it, statistics fresh and the
    bulk writes on disk. Without the checkpoint, the gigabytes a province's generation (or its rolled-back
    sweeps) left dirty were written back during whatever was timed next: a checkpoint that started during
    the enforcement sweep made its longest batch 7.8 s, and the request load after it ran at a third of
    its speed."""
    from django.db import connection

    moment = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
        cursor.execute("CHECKPOINT")
    seconds = time.monotonic() - moment
    out.write(f"vacuum analyze and checkpoint{' ' + when if when else ''} in {seconds:.1f}s\n")
    return seconds


def markdown(result, trivial) -> str:
    """The figures as a markdown table, ready to paste into the README."""
    out = [
        f"Scale `{result['scale']}` on {result['machine']} (`{result['command']}`; data generated in "
        f"{result['generate_seconds']['total']:.0f} s, whole run {result['run_seconds']:.0f} s; "
        f"{result['connections']} clients, {result['duration']} s per request type, gunicorn "
        f"{result['workers']} workers × {result['threads']} threads; {result.get('postgres', 'PostgreSQL')}):",
        "",
        "| request | kind | req/s | share of trivial | p50 ms | p95 ms | p99 ms | SQL "
        "| CPU ms: web | PostgreSQL | rest | stolen | goal |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in result["rows"]:
        goal = GOALS.get(row["group"])
        target = f"≥ {goal:.0%}, " if goal else ""
        out.append(
            f"| {row['name']} | {row['group']} | {row['rps']:.0f} | {row['ratio']:.0%} | {row['p50_ms']:.1f} | "
            f"{row['p95_ms']:.1f} | {row['p99_ms']:.1f} | {row['queries']} | "
            f"{_cpu(row, 'web')} | {_cpu(row, 'postgres')} | {_cpu(row, 'rest')} | {_cpu(row, 'stolen')} | "
            + (
                "reference |"
                if row["group"] == "trivial"
                else f"{_mark(row['meets_goal'])} ({target}p99 < {P99_GOAL_MS} ms) |"
            )
        )
    out += ["", "| sweep / timed operation | seconds | goal |", "|---|---:|---|"]
    for name, sweep in result["sweeps"].items():
        goal = "" if sweep["goal"] is None else f"{_mark(sweep['meets_goal'])} (< {sweep['goal']} s)"
        out.append(f"| {name} | {sweep['seconds']:.2f} | {goal} |")
    memory = result["web_worker_peak_rss_mb"]
    peak = max(memory) if memory else 0
    out += [
        "",
        f"Peak resident memory per web worker: {', '.join(f'{m:.0f}' for m in memory)} MB "
        f"({_mark(peak < RSS_GOAL_MB)}, goal < {RSS_GOAL_MB} MB).",
    ]
    catch_up = next((s for s in result["sweeps"].values() if "worker_peak_rss_mb" in s), None)
    if catch_up:
        out.append(
            f"Peak resident memory of a worker process running the catch-up sweep as the Celery task: "
            f"{catch_up['worker_peak_rss_mb']:.0f} MB."
        )
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    main()
