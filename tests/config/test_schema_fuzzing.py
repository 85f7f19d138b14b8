"""Schema fuzzing: schemathesis checks the live server against its own /docs/json.

Every documented operation, schemathesis's default checks (tests/config/schemathesis.toml
says where an operation refuses valid-looking data on purpose), logged in with a
token for /fm/ and a session cookie for the drive. Runs in pass 2 (PostgreSQL).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import free_port

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

MiB = 1048576
CONFIG = Path(__file__).with_name("schemathesis.toml")
HOOKS = Path(__file__).with_name("schemathesis_hooks.py")
OUTPUT = Path(os.environ.get("TEST_OUTPUT_DIR", "test-output")) / "schemathesis"
USERNAME, PASSWORD = "fuzzer", "fuzzer-secret-1"
# uvicorn's access lines, plain or JSON: `"GET /files.list HTTP/1.1" 200`.
ACCESS_LINE = re.compile(r'"[A-Z]+ \S+ HTTP/1\.1\\?" (\d{3})')


def server_env() -> dict[str, str]:
    """Every outside address at a closed local port: fuzzing reaches nothing but 127.0.0.1.

    Both clouds are configured so the export endpoints get past their first check;
    the in-memory broker keeps anything queued inside the server process."""
    dead = f"http://127.0.0.1:{free_port()}"
    env = {
        "GALLERY_API_BASE": dead,
        "CLOUD_ARCHIVE_ALLOWED_REDIRECT_HOSTS": "127.0.0.1",
        "CELERY_BROKER_URL": "memory://",
        # The fuzzer sends hundreds of wrong logins and export requests from one address:
        # the limits (tested in tests/account/test_throttling*.py) would turn schema-valid
        # calls into 429s. Raised here so every operation's own answers are checked.
        "LOGIN_FAILURES_PER_USERNAME": "1000000",
        "LOGIN_FAILURES_PER_ADDRESS": "1000000",
        "CLOUD_ARCHIVE_RATE_LIMIT": "1000000/min",
    }
    for cloud in ("GOOGLE", "YANDEX"):
        env |= {f"{cloud}_OAUTH_CLIENT_ID": "fuzz-client", f"{cloud}_OAUTH_CLIENT_SECRET": "fuzz-secret"}
        for name in ("AUTHORIZE", "TOKEN", "USERINFO"):
            env[f"{cloud}_OAUTH_{name}_URL"] = f"{dead}/{cloud.lower()}/{name.lower()}"
    env |= {
        "GOOGLE_DRIVE_API_BASE": f"{dead}/drive",
        "GOOGLE_DRIVE_UPLOAD_BASE": f"{dead}/upload",
        "YANDEX_DISK_API_BASE": f"{dead}/disk",
    }
    return env


def test_every_documented_operation_passes_schemathesis_default_checks(
    start_server: Callable[..., Any], make_user: Callable[..., Any], tmp_path: Path
) -> None:
    from account.models import Account

    roomy = Account.objects.create(title="Fuzzing", storage=1024 * MiB, max_file_transfer=64 * MiB)
    make_user(USERNAME, PASSWORD, account=roomy)
    server = start_server(**server_env())
    operations = sum(len(item) for item in server.get("/docs/json").json()["paths"].values())
    token = server.post("/fm/login/", data={"username": USERNAME, "password": PASSWORD}).json()["token"]
    requests_before = len(ACCESS_LINE.findall(server.log.read_text()))

    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "--no-color", "run",
         f"{server.url}/docs/json", "--report", "junit", "--report-dir", str(OUTPUT)],
        cwd=tmp_path,  # schemathesis keeps its cache (.schemathesis/) in the working directory
        env={
            **os.environ,
            "FUZZ_TOKEN": token,
            "FUZZ_USERNAME": USERNAME,
            "FUZZ_PASSWORD": PASSWORD,
            "SCHEMATHESIS_HOOKS": str(HOOKS),
        },
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip
    seconds = time.monotonic() - started

    statuses = Counter(ACCESS_LINE.findall(server.log.read_text())[requests_before:])
    summary = f"{seconds:.0f} s, {sum(statuses.values())} requests, statuses {dict(sorted(statuses.items()))}"
    OUTPUT.mkdir(parents=True, exist_ok=True)
    (OUTPUT / "run.txt").write_text(result.stdout + result.stderr + "\n" + summary + "\n")
    print(summary)
    assert result.returncode == 0, result.stdout[-20_000:] + result.stderr[-5_000:]
    assert f"Tested: {operations}\n" in result.stdout, result.stdout[-5_000:]
    assert not [status for status in statuses if status.startswith("5")], summary
