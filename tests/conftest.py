"""Shared fixtures: service markers, isolated storage, users, and a real server process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests
from django.conf import settings
from django.db import connection

from tests.browser import CHROMIUM_ARGS
from tests.helpers import ROOT, ServerProcess, database_url, free_port

sys.path.insert(0, str(ROOT))

from dev import http_server_command, server_command  # noqa: E402

if TYPE_CHECKING:
    from playwright.sync_api import Page

SERVICE_MARKERS = {"postgres", "redis", "rabbitmq", "s3", "browser", "nginx"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Runs before -m filtering, so `-m "not services"` drops every test that needs a server.
    for item in items:
        if SERVICE_MARKERS & {mark.name for mark in item.iter_markers()}:
            item.add_marker(pytest.mark.services)


def _missing_service(name: str) -> str | None:
    if name == "postgres" and connection.vendor != "postgresql":
        return "PostgreSQL (set DATABASE_URL=postgres://...)"
    if name == "redis" and not settings.REDIS_URL:
        return "Redis (set REDIS_URL)"
    if name == "rabbitmq" and not settings.CELERY_BROKER_URL.startswith(("amqp", "pyamqp")):
        return "RabbitMQ (set CELERY_BROKER_URL=amqp://...)"
    if name == "s3" and not settings.S3_BUCKET:
        return "S3 (set S3_BUCKET and S3_ENDPOINT_URL; dev.py test starts moto's server)"
    if name == "browser" and not Path("/usr/bin/chromium").exists():
        return "Chromium (apt-get install chromium)"
    if name == "nginx" and not Path("/usr/sbin/nginx").exists():
        return "nginx (apt-get install nginx)"
    return None


@pytest.fixture(autouse=True)
def _require_services(request: pytest.FixtureRequest) -> None:
    """A test that needs a server fails, never skips, where the server is missing."""
    for mark in request.node.iter_markers():
        if mark.name in SERVICE_MARKERS and (missing := _missing_service(mark.name)):
            pytest.fail(f"this test needs {missing}")


# Everything the app keeps in the cache about clients and links. Row ids start again at 1
# in each test database, so a key left by an earlier test (or run) would name this one's
# rows: a "resumed" download counted nothing.
COUNTER_KEYS = ("*login-failures:*", "*throttle_*", "*share-resume:*", "*share-password:*", "*lti-token:*")


@pytest.fixture(autouse=True)
def _counters_clear() -> None:
    """Each test starts with no login failures, rate-limit counts, resumed downloads or
    cached tokens of an earlier one (the test client always calls from 127.0.0.1)."""
    from django.core.cache import cache

    if not settings.REDIS_URL:
        cache.clear()
        return
    import redis

    # Only the counters: a FLUSHDB would also empty the channel layer's groups.
    client = redis.Redis.from_url(settings.REDIS_URL)
    for pattern in COUNTER_KEYS:
        for key in client.scan_iter(match=pattern):
            client.delete(key)


@pytest.fixture(autouse=True)
def upload_root(settings: Any, tmp_path: Path) -> Iterator[Path]:
    """Each test stores files in its own folder, or an emptied bucket with S3."""
    root = tmp_path / "uploaded"
    root.mkdir()
    settings.UPLOAD_ROOT = root
    if not settings.S3_BUCKET:
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(root), "base_url": None}},
        }
        yield root
        return
    from upload_center.storage import s3_client, storage_prepare

    storage_prepare()
    yield root
    client = s3_client()
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=settings.S3_BUCKET):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=settings.S3_BUCKET, Key=item["Key"])
    for upload in client.list_multipart_uploads(Bucket=settings.S3_BUCKET).get("Uploads", []):
        client.abort_multipart_upload(
            Bucket=settings.S3_BUCKET, Key=upload["Key"], UploadId=upload["UploadId"]
        )


@pytest.fixture
def tier(db: None) -> Any:
    from account.models import Account

    return Account.objects.create(title="Test tier", storage=10 * 1048576, max_file_transfer=4 * 1048576)


@pytest.fixture
def make_user(db: None, tier: Any) -> Callable[..., Any]:
    from account.models import User

    def make(username: str = "kian", password: str = "ak18-secret", account: Any = None) -> Any:
        return User.objects.create_user(account=account or tier, username=username, password=password)

    return make


def wsgi_server_command(host: str, port: str) -> list[str]:
    """Production's HTTP server (gunicorn gthread over config.wsgi), one worker process."""
    return [*http_server_command(host, port), "--workers", "1"]


def _servers(
    tmp_path: Path, upload_root: Path, command: Callable[[str, str], list[str]]
) -> Iterator[Callable[..., ServerProcess]]:
    """Starts ``command(host, port)`` with the test database and storage; stops what it started."""
    started: list[ServerProcess] = []

    def start(port: int | None = None, **env_overrides: str) -> ServerProcess:
        """``port``: the one a stopped server had (a restart), else a free one."""
        port = port or free_port()
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "UPLOAD_ROOT": str(upload_root),
            **env_overrides,
        }
        # Numbered: a server restarted on the port of a stopped one keeps the first one's log.
        log = tmp_path / f"server-{port}-{len(started)}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                command("127.0.0.1", str(port)),
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        server = ServerProcess(f"http://127.0.0.1:{port}", process, log)
        started.append(server)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"server exited with {process.returncode}:\n{log.read_text()}")
            try:
                if requests.get(server.url + "/healthz", timeout=1).status_code == 200:
                    return server
            # gunicorn's socket accepts before its worker has loaded Django, and a
            # loaded machine may take longer than the probe's second: ask again.
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.1)
        pytest.fail(f"server did not answer /healthz within 30 s:\n{log.read_text()}")

    yield start
    for server in started:
        server.process.terminate()
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()


@pytest.fixture
def start_server(tmp_path: Path, upload_root: Path) -> Iterator[Callable[..., ServerProcess]]:
    """Start the embedded default's server (uvicorn, config.asgi: HTTP and WebSocket) as a real process.

    It uses the test database, so tests that call it need ``transactional_db``
    for the server to see their rows.
    """
    yield from _servers(tmp_path, upload_root, server_command)


@pytest.fixture
def start_wsgi_server(tmp_path: Path, upload_root: Path) -> Iterator[Callable[..., ServerProcess]]:
    """Start production's HTTP server (gunicorn over config.wsgi) as a real process, like ``start_server``."""
    yield from _servers(tmp_path, upload_root, wsgi_server_command)


@pytest.fixture
def browser_page() -> Iterator[Page]:
    """A page of headless Chromium, 1100x760, that accepts downloads."""
    # Imported here: only the browser tests (pass 2) need Playwright loaded.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(accept_downloads=True, viewport={"width": 1100, "height": 760})
        page = context.new_page()
        page.set_default_timeout(30_000)
        yield page
        context.close()
        browser.close()
