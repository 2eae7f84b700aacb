"""One deadline sweep in a process of its own, as a Celery worker runs it: the Celery app and every app's
tasks loaded (autodiscovery), then the periodic task `ruian.tasks.sweep_deadlines` executed in-process, as a
solo-pool worker executes a message. Prints one JSON line: the task's result and the process's resident
memory before the task (VmRSS) and at its peak (VmHWM), in MB.

Run by the harness: `python -m bench.sweep_worker` with DATABASE_URL and the server's environment.
"""

import json
import os
from pathlib import Path


def _memory_mb() -> dict:
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ruian.settings")
    import django

    django.setup()
    from ruian import clocks
    from ruian.celery import app

    app.loader.import_default_modules()  # what `celery worker` imports at start-up
    # The synthetic kernel clocks (bench/data.py) have a no-op handler in the harness too.
    clocks.register_handler("bench.kernel")(lambda ids, level: None)
    task = app.tasks["ruian.tasks.sweep_deadlines"]
    before = _memory_mb()
    result = task.apply().get()
    after = _memory_mb()
    print(
        "SWEEP " + json.dumps({"result": result, "rss_before_mb": before["VmRSS"], "peak_rss_mb": after["VmHWM"]}),
        flush=True,
    )


if __name__ == "__main__":
    main()
