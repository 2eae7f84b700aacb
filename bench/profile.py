"""Profile the benchmark's request types in-process, on data a bench run left behind.

    python -m bench.profile [--database-url URL] [--match TEXT] [-n 30] [--pyinstrument]

Loads the context of the last generated data (`python -m bench --generate-only` first), then for every
request type whose name contains TEXT: the SQL statements of one request, the mean and the best time of
`-n` requests through Django's test client with production settings (DEBUG off), and with
`--pyinstrument` the call tree of those requests. The server, wrk and the network are left out: what is
left is the portal's own cost per request, which is what the throughput ratio divides.
"""

import argparse
import os
import sys
import time

from bench.load import KERNEL_REQUESTS, count_queries, request_caller, server_env

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ruian_bench"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--match", default="", help="only request types whose name contains this")
    parser.add_argument("-n", type=int, default=30, help="requests timed per type")
    parser.add_argument("--pyinstrument", action="store_true", help="print the call tree of the timed requests")
    args = parser.parse_args(argv)

    os.environ.update(server_env(args.database_url))
    os.environ["DJANGO_SETTINGS_MODULE"] = "ruian.settings"
    import django

    django.setup()
    from django.db import connection

    from bench import data
    from ruian import clocks

    clocks.register_handler("bench.kernel")(lambda ids, level: None)
    ctx = data.load_context()
    requests = list(KERNEL_REQUESTS)
    for module in data.app_modules():
        requests += getattr(module, "requests", lambda ctx: [])(ctx)
    clerk = ctx.clerks[0]
    for request in requests:
        if args.match.lower() not in request["name"].lower():
            continue
        user = request.get("user", clerk)
        queries = count_queries(request, user, ctx.token)
        call, paths = request_caller(request, user, ctx.token)
        if request.get("method", "GET") != "GET" and not request.get("profile_paths"):
            sys.stdout.write(f"{request['name']}: {queries} SQL (a write without profile_paths is not timed)\n")
            continue
        targets = request.get("profile_paths") or [request["path"]]
        profiler = None
        if args.pyinstrument:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
        times = []
        in_sql = [0.0]  # seconds spent waiting on SQL statements (the commit is not one)

        def timed(execute, sql, params, many, context, in_sql=in_sql):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                in_sql[0] += time.perf_counter() - started

        for index in range(args.n):
            started = time.perf_counter()
            with connection.execute_wrapper(timed):
                response = call(targets[index % len(targets)])
            times.append(time.perf_counter() - started)
            if response.status_code >= 400:
                sys.stdout.write(f"  HTTP {response.status_code}: {response.content[:200]!r}\n")
                break
        if profiler:
            profiler.stop()
        size = len(response.content)
        sys.stdout.write(
            f"{request['name']}: {queries} SQL, mean {1000 * sum(times) / len(times):.1f} ms, "
            f"best {1000 * min(times):.1f} ms (in SQL {1000 * in_sql[0] / len(times):.1f} ms), {size:,} bytes\n"
        )
        if profiler:
            sys.stdout.write(profiler.output_text(unicode=True, color=False, show_all=False))


if __name__ == "__main__":
    main()
