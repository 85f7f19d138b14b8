"""Helpers shared by tests of every app: the repository's root and app code, waiting, free ports,
and servers the tests start."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from string import Template
from typing import Any, TypeVar

import pytest
import requests
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")


def wait_for(
    condition: Callable[[], T], *, what: str, seconds: float = 20, explain: Callable[[], str] | None = None
) -> T:
    """Ask ``condition`` until it answers something true, and return that answer.

    Fails the test after ``seconds`` (never returns a false answer, so no caller can forget to
    check it), naming ``what`` was awaited and adding ``explain()`` (a server's log, say).
    """
    deadline = time.monotonic() + seconds
    while not (answer := condition()):
        if time.monotonic() >= deadline:
            detail = f":\n{explain()}" if explain is not None else ""
            pytest.fail(f"timed out after {seconds} s waiting for {what}{detail}")
        time.sleep(0.05)
    return answer


def migration_state(targets: list[tuple[str, str]] | None = None) -> Any:
    """Migrates the test database to ``targets`` (back or forth; None: the latest
    migrations); the app registry of that state."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    targets = targets if targets is not None else executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    """The URL of the database the tests use, for server processes they start."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


class ServerProcess:
    def __init__(self, url: str, process: subprocess.Popen[bytes], log: Path) -> None:
        self.url = url
        self.process = process
        self.log = log

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.get(self.url + path, timeout=30, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.post(self.url + path, timeout=30, **kwargs)

    def stop(self) -> None:
        """SIGTERM, as a deployment stops it; its lifespan shutdown has run once this returns
        (the public download counts it kept in memory are written)."""
        self.process.terminate()
        self.process.wait(timeout=30)


def app_modules() -> Iterator[Path]:
    """The app code: every module of each top-level folder with an ``apps.py`` (a Django app, or
    ``config``), migrations left out. Found, not listed, so that a new app is covered at once."""
    for app in sorted(path.parent for path in ROOT.glob("*/apps.py")):
        for path in sorted(app.rglob("*.py")):
            if "migrations" not in path.relative_to(ROOT).parts:
                yield path


def proc_kib(pid: int, field: str) -> int:
    """VmRSS or VmHWM (the peak) of a process, in KiB."""
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return next(int(line.split()[1]) for line in lines if line.startswith(f"{field}:"))


NGINX = "/usr/sbin/nginx"


@contextlib.contextmanager
def nginx_running(tmp_path: Path, *, app_upstream: str, ws_upstream: str, upload_root: Path) -> Iterator[str]:
    """Debian's nginx with the shipped site template (deploy/nginx), filled in, inside a
    main config that runs as this user; yields its URL and stops it after."""
    port = free_port()
    template = Template((ROOT / "deploy" / "nginx" / "upload-center.conf.template").read_text())
    site = template.safe_substitute(
        NGINX_PORT=str(port),
        APP_UPSTREAM=app_upstream,
        WS_UPSTREAM=ws_upstream,
        UPLOAD_ROOT=str(upload_root),
        DOWNLOAD_OFFLOAD_PREFIX="/_protected/",
    )
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    (prefix / "site.conf").write_text(site)
    kinds = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    temps = " ".join(f"{kind}_temp_path {prefix / kind};" for kind in kinds)
    main = prefix / "nginx.conf"
    main.write_text(
        f"daemon off; master_process off; pid {prefix / 'nginx.pid'}; error_log {prefix / 'error.log'};\n"
        "events { worker_connections 1024; }\n"
        f"http {{ include /etc/nginx/mime.types; access_log off; {temps}\n"
        f"  include {prefix / 'site.conf'}; }}\n"
    )
    process = subprocess.Popen([NGINX, "-c", str(main), "-e", str(prefix / "error.log")])
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return process.poll() is None and requests.get(url + "/healthz", timeout=1).status_code > 0
        except requests.ConnectionError:
            return False

    try:
        wait_for(answers, what="nginx to answer", seconds=15, explain=(prefix / "error.log").read_text)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)
