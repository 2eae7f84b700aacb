"""PostgreSQL stopped under a running portal: 503 for the moment, then recovery without a restart.

Marked `faults` (run by `make test-faults`): it really stops the local PostgreSQL cluster, and always
starts it again.
"""

import glob
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


def cluster():
    version = sorted(os.path.basename(p) for p in glob.glob("/etc/postgresql/*"))[-1]
    return version


def pg(action):
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", cluster(), "main", action], check=True, capture_output=True
    )


def get(url, token):
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture
def portal(api_token):
    db = connection.settings_dict
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "fault-test-" + "k" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "ruian.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "1",
            "--threads",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.1)
    try:
        yield url, api_token
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_requests_fail_with_503_while_postgres_is_down_and_recover(portal):
    url, token = portal
    assert get(f"{url}/api/v1/me/", token)[0] == 200
    connection.close()
    pg("stop")
    try:
        status, body = get(f"{url}/api/v1/me/", token)
        assert status == 503
        assert b'"service_unavailable"' in body
        status, body = get(f"{url}/healthz", token)
        assert status == 503 and b'"database"' in body
    finally:
        pg("start")
    for _ in range(100):
        status, _body = get(f"{url}/api/v1/me/", token)
        if status == 200:
            break
        time.sleep(0.2)
    assert status == 200, "the portal did not recover without a restart"
