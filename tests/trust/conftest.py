"""Trust fixtures: one world per module (built once, rolled back at the end), and a figures file."""

import fcntl
import json
import pathlib

import pytest
from django.db import transaction
from django.test import override_settings

FIGURES = pathlib.Path(__file__).resolve().parents[2] / "var" / "trust-figures.json"

# Hashing, throttle counters and attachments kept local to the module: cheap passwords, counters in
# process memory (not the Redis other test runs share), files in a temporary directory.
MODULE_SETTINGS = {
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
    "CACHES": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "trust"}},
    "CELERY_TASK_ALWAYS_EAGER": False,
}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The world of tests/trust/world.py, built once per module inside a transaction that is rolled back
    when the module is done; each test runs in a savepoint inside it (pytest-django's `db`)."""
    from django.conf import settings

    from tests.trust.world import build_world

    storages = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path_factory.mktemp("attachments"))},
        },
    }
    with django_db_blocker.unblock(), override_settings(STORAGES=storages, **MODULE_SETTINGS):
        with transaction.atomic():
            built = build_world()
            _log_in_everyone(built)
            yield built
            transaction.set_rollback(True)


def _log_in_everyone(world):
    """A session per user, made once: each request then only sets the cookie."""
    from django.conf import settings
    from django.test import Client

    world.session_cookie = settings.SESSION_COOKIE_NAME
    world.sessions = {}
    for name, user in world.users.items():
        client = Client()
        client.force_login(user, backend="ruian.backends.ModelBackend")
        world.sessions[name] = client.cookies[settings.SESSION_COOKIE_NAME].value


def record_figures(section: str, figures: dict) -> None:
    """Merge `figures` under `section` into var/trust-figures.json (read by the README paragraph)."""
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    # Test runs may finish side by side: hold a lock across read-modify-write so no section is lost.
    with open(FIGURES.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
        data[section] = figures
        FIGURES.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
