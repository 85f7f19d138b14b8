"""Helpers shared by tests of every app: the repository's root, free ports, and servers the tests start."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from string import Template
from typing import Any

import pytest
import requests
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


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
    deadline = time.monotonic() + 15
    while True:
        try:
            requests.get(url + "/healthz", timeout=1)
            break
        except requests.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("nginx did not start: " + (prefix / "error.log").read_text())
            time.sleep(0.1)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)
