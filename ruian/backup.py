"""Backup and restore: the PostgreSQL database (pg_dump's custom format) and the attachments directory.

A backup is a directory holding `database.dump` and `attachments.tar.gz`. `manage.py backup DIR` writes
one; `manage.py restore DIR` loads it into the database DATABASE_URL names, which must be empty (a new
database), and unpacks the attachments into ATTACHMENT_ROOT.
"""

import os
import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _libpq_env(database: dict) -> dict:
    if database["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("backup and restore work on PostgreSQL only")
    env = {
        **os.environ,
        "PGDATABASE": database["NAME"],
        "PGUSER": database.get("USER") or "postgres",
        "PGHOST": database.get("HOST") or "127.0.0.1",
        "PGPORT": str(database.get("PORT") or 5432),
    }
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = database["PASSWORD"]
    return env


def attachment_root() -> Path:
    return Path(settings.STORAGES["default"]["OPTIONS"]["location"])


def backup(target: Path, database: dict | None = None) -> dict:
    database = database or settings.DATABASES["default"]
    target.mkdir(parents=True, exist_ok=True)
    dump = target / "database.dump"
    subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(dump)],
        env=_libpq_env(database),
        check=True,
        capture_output=True,
        text=True,
    )
    archive = target / "attachments.tar.gz"
    root = attachment_root()
    with tarfile.open(archive, "w:gz") as tar:
        if root.exists():
            tar.add(root, arcname="attachments")
    return {"database": dump.stat().st_size, "attachments": archive.stat().st_size}


def restore(source: Path, database: dict | None = None) -> None:
    database = database or settings.DATABASES["default"]
    dump = source / "database.dump"
    if not dump.exists():
        raise FileNotFoundError(f"{dump} does not exist: not a backup directory")
    result = subprocess.run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            "--dbname",
            database["NAME"],
            str(dump),
        ],
        env=_libpq_env(database),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"pg_restore failed (is the target database empty?): {result.stderr.strip()[:500]}")
    archive = source / "attachments.tar.gz"
    if archive.exists():
        root = attachment_root()
        root.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archive, "r:gz") as tar:
            members = [m for m in tar.getmembers() if m.name.startswith("attachments/") and m.isfile()]
            for member in members:
                member.name = member.name[len("attachments/") :]
            tar.extractall(root, members=members, filter="data")
