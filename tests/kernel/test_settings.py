"""Production settings: refuse to start without a secret, and pass Django's deployment checklist."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def manage(*args, **env):
    # Run without the developer's .env so only what is given here counts.
    environment = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY")}
    environment.update(env)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import environ; environ.Env.read_env = staticmethod(lambda *a, **k: None); "
            "import sys; from django.core.management import execute_from_command_line; "
            "execute_from_command_line(['manage.py', *sys.argv[1:]])",
            *args,
        ],
        cwd=ROOT,
        env={**environment, "DJANGO_SETTINGS_MODULE": "ruian.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_deployment_checklist_is_clean_in_production_settings():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="k" * 20 + "-production-secret-" + "x" * 30,
        ALLOWED_HOSTS="portal.gov.cn",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
