"""Local PostgreSQL and Redis for `make run` and `make test`: find them, start them, create the database.

Standard library only, except psycopg2 (imported where a database is created), so the Makefile can call
it with the project's virtual environment before Django is involved.

    python scripts/local_services.py ensure     # make test: start what is stopped, or stop with how to fix it

Where a service is looked for, in the order settings.py uses: the process environment, then `.env`,
then the default of settings.py.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/ruian"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql", "postgis"}
LOCAL_HOSTS = {"", "127.0.0.1", "localhost", "::1"}
# The commands the machines of this project start their services with (a container has no systemd).
REDIS_START = ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]


class ServiceError(RuntimeError):
    """A service cannot be reached and this script cannot fix that; the message says what to do."""


def read_dotenv(path: Path = BASE_DIR / ".env") -> dict[str, str]:
    """The KEY=VALUE lines of a .env file (the subset of the format django-environ reads)."""
    values: dict[str, str] = {}
    if not path.exists():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        key = key.strip().removeprefix("export ").strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key] = value
    return values


def configured(environ: dict[str, str] | None = None, dotenv: dict[str, str] | None = None) -> dict[str, str]:
    """What settings.py will see: .env, overridden by the process environment (read_env(overwrite=False))."""
    merged = dict(read_dotenv() if dotenv is None else dotenv)
    merged.update(os.environ if environ is None else environ)
    return merged


def target(url: str, default_port: int) -> tuple[str, int]:
    parts = urlsplit(url)
    return unquote(parts.hostname or ""), parts.port or default_port


def is_postgres(url: str) -> bool:
    return urlsplit(url).scheme in POSTGRES_SCHEMES


def probe(host: str, port: int, timeout: float = 1.0) -> bool:
    """True when something accepts a connection at host:port (a Unix socket when host is empty or a path)."""
    try:
        if not host or host.startswith("/"):
            path = f"{host or '/var/run/postgresql'}/.s.PGSQL.{port}"
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(timeout)
                sock.connect(path)
            return True
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_for(host: str, port: int, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if probe(host, port):
            return True
        time.sleep(0.5)
    return False


def ensure_database(url: str) -> bool:
    """Create the database a PostgreSQL URL names when it does not exist yet. True when it was created."""
    import psycopg2
    from psycopg2 import errors, sql

    parts = urlsplit(url)
    name = unquote(parts.path.lstrip("/")) or "postgres"
    connection = psycopg2.connect(
        host=unquote(parts.hostname or "") or None,
        port=parts.port or 5432,
        user=unquote(parts.username or "") or None,
        password=unquote(parts.password or "") or None,
        dbname="postgres",
        connect_timeout=5,
    )
    connection.autocommit = True  # CREATE DATABASE cannot run inside a transaction
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone():
                return False
            try:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            except errors.DuplicateDatabase:
                return False  # somebody else created it a moment ago
            return True
    finally:
        connection.close()


def is_root() -> bool:
    return os.geteuid() == 0


def apt_install(packages: list[str]) -> None:
    command = ["apt-get", "install", "-y", "--no-install-recommends", *packages]
    if not is_root():
        raise ServiceError(
            f"{' '.join(packages)} not installed. Install with:\n    sudo apt-get update && sudo {' '.join(command)}"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    print(f"Installing {' '.join(packages)} with apt-get ...", flush=True)
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, stdin=subprocess.DEVNULL)
    subprocess.run(command, check=True, env=env, stdin=subprocess.DEVNULL)


def postgres_versions() -> list[str]:
    root = Path("/etc/postgresql")
    return sorted((p.name for p in root.iterdir() if (p / "main").is_dir()), key=_version_key) if root.is_dir() else []


def _version_key(version: str):
    return [int(part) if part.isdigit() else part for part in version.split(".")]


def trust_local_connections(version: str) -> None:
    # Only for a cluster this script has just installed: Debian's default asks for a password over TCP,
    # while the project's machines (and DATABASE_URL's default) connect as postgres without one.
    hba = Path(f"/etc/postgresql/{version}/main/pg_hba.conf")
    lines = "host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n"
    hba.write_text(lines + hba.read_text())
    print(f"Allowed password-less local connections in {hba} (a new development cluster).")


def start_postgres(host: str, port: int) -> None:
    installed_now = False
    if not postgres_versions():
        apt_install(["postgresql"])
        installed_now = True
    version = postgres_versions()[-1]
    if installed_now:
        trust_local_connections(version)
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "reload"], check=False)
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"]
    if not probe(host, port):
        print(f"PostgreSQL is not running at {host}:{port}; starting it: {' '.join(command)}", flush=True)
        done = subprocess.run(command, check=False, stdin=subprocess.DEVNULL)
        if done.returncode != 0 and not probe(host, port):
            prefix = "" if is_root() else "sudo "
            raise ServiceError(
                f"PostgreSQL does not answer at {host}:{port}. Start it with:\n    {prefix}{' '.join(command)}\n"
                f"(If it is running, compare the port in DATABASE_URL with the one in /etc/postgresql/{version}/main/.)"
            )
    if not wait_for(host, port):
        raise ServiceError(f"PostgreSQL did not come up at {host}:{port}; see /var/log/postgresql/.")


def start_redis(host: str, port: int) -> None:
    if shutil.which("redis-server") is None:
        apt_install(["redis-server"])
        # Debian's package may start its own server on 6379 already.
    command = [*REDIS_START, "--port", str(port)]
    if not probe(host, port):
        shown = " ".join(arg if arg else '""' for arg in command)
        print(f"Redis is not running at {host}:{port}; starting it: {shown}", flush=True)
        done = subprocess.run(command, check=False, stdin=subprocess.DEVNULL, cwd="/tmp")
        if done.returncode != 0 and not probe(host, port):
            raise ServiceError(f"Could not start Redis. Start it with:\n    {shown}")
    if not wait_for(host, port):
        raise ServiceError(f"Redis did not come up at {host}:{port}.")


def ensure_services(settings_env: dict[str, str]) -> None:
    """For the test suite: PostgreSQL and Redis up, the database created, or ServiceError saying how."""
    database_url = settings_env.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    if not is_postgres(database_url):
        raise ServiceError(f"The tests run on PostgreSQL only, and DATABASE_URL is {database_url!r}.")
    host, port = target(database_url, 5432)
    if not probe(host, port):
        if host not in LOCAL_HOSTS and not host.startswith("/"):
            raise ServiceError(f"PostgreSQL is not reachable at {host}:{port} (DATABASE_URL). Start it there.")
        start_postgres(host or "127.0.0.1", port)
    if ensure_database(database_url):
        print(f"Created database {urlsplit(database_url).path.lstrip('/')}.")

    redis_url = settings_env.get("REDIS_URL") or DEFAULT_REDIS_URL
    host, port = target(redis_url, 6379)
    if not probe(host, port):
        if host not in LOCAL_HOSTS:
            raise ServiceError(f"Redis is not reachable at {host}:{port} (REDIS_URL). Start it there.")
        start_redis(host or "127.0.0.1", port)


def main(argv: list[str]) -> int:
    if argv[1:] != ["ensure"]:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        ensure_services(configured())
    except (ServiceError, subprocess.CalledProcessError) as error:
        print(f"\n{error}\n", file=sys.stderr)
        return 1
    except Exception as error:  # psycopg2's errors, with the server's own words (authentication and so on)
        print(f"\nCannot use PostgreSQL: {error}".rstrip() + "\n", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
