"""Every log record is written once, whatever the format and DEBUG."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from dev import server_command
from tests.helpers import ROOT, free_port

# Logs one warning through Django's request logger (as a 404 does) and one
# through an app logger, after Django has set up logging as a server does.
SCRIPT = """
import logging, django
django.setup()
logging.getLogger("django.request").warning("marker-django")
logging.getLogger("upload_center").warning("marker-app")
"""


@pytest.mark.parametrize("debug", ["true", "false"])
@pytest.mark.parametrize("log_format", ["plain", "json"])
def test_a_warning_is_logged_once(debug: str, log_format: str) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": debug,
        "LOG_FORMAT": log_format,
        "SECRET_KEY": "a-test-secret-key-that-is-long-enough-for-django-checks",
        "FIELD_ENCRYPTION_KEY": "dGVzdC1rZXktdGhhdC1pcy0zMi1ieXRlcy1sb25nISE=",
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    output = result.stdout + result.stderr
    assert output.count("marker-django") == 1, output
    assert output.count("marker-app") == 1, output


@pytest.mark.parametrize("flags", [[], ["--no-access-log"]])
def test_uvicorn_keeps_its_access_log_choice(tmp_path: Path, flags: list[str]) -> None:
    """Under LOG_FORMAT=json the app's LOGGING replaces uvicorn's handlers with its JSON one:
    an access line per request by default, none when the server was started with --no-access-log."""
    port = str(free_port())
    env = {
        **os.environ,
        "LOG_FORMAT": "json",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "UPLOAD_ROOT": str(tmp_path / "files"),
    }
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        command = [*server_command("127.0.0.1", port), *flags]
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/healthz?marker=1", timeout=1)
                break
            except requests.ConnectionError:
                assert server.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
        assert answer.status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=15)
    lines = log.read_text().splitlines()
    access = [line for line in lines if '"uvicorn.access"' in line and "/healthz?marker=1" in line]
    assert len(access) == (0 if flags else 1), log.read_text()
