"""`python -m bench [--scale small|province]`: generate data, sweep, load the server, print the table.

The database is `ruian_bench` (dropped and rebuilt unless --reuse); nothing touches the demo database.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

from bench.load import KERNEL_REQUESTS, Server, count_queries, run_wrk, server_env
from bench.scales import SCALES

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ruian_bench"
RESULTS = Path(__file__).resolve().parent / "results"

GOALS = {"read": 0.50, "write": 0.25}
P99_GOAL_MS = 100
SWEEP_GOAL_S = 5
RSS_GOAL_MB = 150


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scale", choices=SCALES, default="small")
    parser.add_argument("--duration", type=int, help="seconds of load per request type")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--reuse", action="store_true", help="keep the data of the last run")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args(argv)
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
    out = sys.stdout
    started = time.monotonic()
    if not args.reuse:
        call_command("migrate", verbosity=0)
        ctx = data.generate_kernel(scale, out)
        for module in data.app_modules():
            module.generate(scale, ctx, out)
        data.generate_clocks(scale["clocks"], out)
    else:
        ctx = data.load_context()
    out.write(f"data ready in {time.monotonic() - started:.0f}s\n")

    # --- sweeps ------------------------------------------------------------------------------------
    sweeps = {}
    first = clocks.sweep_deadlines()
    second = clocks.sweep_deadlines()
    sweeps["kernel deadline sweep (first run)"] = first["seconds"]
    sweeps["kernel deadline sweep (rerun, nothing new)"] = second["seconds"]
    for module in data.app_modules():
        for name, seconds in getattr(module, "sweeps", lambda ctx: {})(ctx).items():
            sweeps[name] = seconds

    # --- requests ------------------------------------------------------------------------------------
    requests = list(KERNEL_REQUESTS)
    for module in data.app_modules():
        requests += getattr(module, "requests", lambda ctx: [])(ctx)
    clerk = ctx.clerks[0]
    for request in requests:
        request["queries"] = count_queries(request, request.get("user", clerk), ctx.token)

    headers_for = {
        None: {},
        "token": {"Authorization": f"Token {ctx.token}"},
        "session": {"Cookie": f"sessionid={session_key(clerk)}"},
    }
    rows = []
    with Server(args.database_url) as server:
        for request in requests:
            headers = dict(headers_for[request.get("auth")])
            if request.get("user") is not None:
                headers = {"Cookie": f"sessionid={session_key(request['user'])}"}
            stats = run_wrk(server.url, request, headers, duration, args.connections)
            rows.append({**request, **stats})
        memory = server.worker_peak_rss_mb()
    report(args, rows, sweeps, memory, duration)


def recreate_database(url):
    import psycopg2
    from environ import Env

    config = Env.db_url_config(url)
    connection = psycopg2.connect(
        dbname="postgres",
        user=config["USER"],
        host=config["HOST"] or "127.0.0.1",
        port=config["PORT"] or 5432,
        password=config["PASSWORD"] or None,
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{config["NAME"]}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{config["NAME"]}"')
    connection.close()


def session_key(user) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session.session_key


def report(args, rows, sweeps, memory, duration):
    trivial = next(row["rps"] for row in rows if row["group"] == "trivial")
    print()
    print(f"scale {args.scale}, {args.connections} clients, {duration}s per request type, {os.cpu_count()} cores")
    header = (
        f"{'request':44} {'group':7} {'req/s':>8} {'ratio':>6} {'p50ms':>7} {'p95ms':>7} {'p99ms':>7} "
        f"{'SQL':>4} {'err':>4} goal"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        ratio = row["rps"] / trivial if trivial else 0
        row["ratio"] = ratio
        goal = GOALS.get(row["group"])
        ok = (goal is None or ratio >= goal) and row["p99_ms"] < P99_GOAL_MS and not row["errors"] and not row["non2xx"]
        row["meets_goal"] = ok
        print(
            f"{row['name'][:44]:44} {row['group']:7} {row['rps']:8.0f} {ratio:6.0%} {row['p50_ms']:7.1f} "
            f"{row['p95_ms']:7.1f} {row['p99_ms']:7.1f} {row['queries']:4d} {row['errors'] + row['non2xx']:4d} "
            f"{'ok' if ok else 'MISSED'}"
        )
    print()
    for name, seconds in sweeps.items():
        print(f"{name:60} {seconds:7.2f}s {'ok' if seconds < SWEEP_GOAL_S else 'MISSED'} (goal < {SWEEP_GOAL_S}s)")
    peak = max(memory) if memory else 0
    print(
        f"{'peak resident memory per web worker':60} {peak:7.0f} MB "
        f"{'ok' if peak < RSS_GOAL_MB else 'MISSED'} (goal < {RSS_GOAL_MB} MB)"
    )
    RESULTS.mkdir(exist_ok=True)
    result = {
        "scale": args.scale,
        "connections": args.connections,
        "duration": duration,
        "rows": [{k: v for k, v in row.items() if k not in ("user", "lua")} for row in rows],
        "sweeps": sweeps,
        "worker_peak_rss_mb": memory,
    }
    (RESULTS / f"{args.scale}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    print(f"\nwritten to {RESULTS / (args.scale + '.json')}")


if __name__ == "__main__":
    main()
