"""The servers the benches start: production's (gunicorn, config/gunicorn.py) and the
embedded default's (uvicorn, config.asgi), for the app and for the bare Django app
(bench/bare_app.py) under the same flags."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.upload import free_port, wait_port  # noqa: E402
from config import tuning  # noqa: E402
from dev import PYTHON, http_server_command, server_command  # noqa: E402

KINDS = ("prod", "dev")


def command(kind: str, port: int, *, bare: bool = False, workers: int | None = None) -> list[str]:
    """``kind`` "prod": gunicorn gthread as shipped (the bare app with the same flags);
    "dev": the uvicorn of `dev.py run`. Access logs off for both, as for nginx."""
    host = "127.0.0.1"
    if kind == "prod":
        if bare:
            base = [
                str(PYTHON), "-m", "gunicorn", "bench.bare_app:wsgi_application", "--bind", f"{host}:{port}",
                "--worker-class", "gthread", "--workers", str(tuning.GUNICORN_WORKERS),
                "--threads", str(tuning.GUNICORN_THREADS), "--no-control-socket",
            ]  # fmt: skip
        else:
            base = http_server_command(host, str(port))
        return [*base, *(["--workers", str(workers)] if workers else []), "--log-level", "warning"]
    base = server_command(host, str(port))
    if bare:
        base[base.index("config.asgi:application")] = "bench.bare_app:application"
        base[base.index("--lifespan") + 1] = "off"
    return [*base, "--no-access-log", "--log-level", "warning"]


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str

    @property
    def pid(self) -> int:
        """The process whose CPU time counts (its children's included, bench.class_load.cpu_s)."""
        return self.process.pid

    def worker_pids(self) -> list[int]:
        """The processes that answer requests: gunicorn's workers, or uvicorn itself."""
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        return [int(child) for child in children] or [self.pid]


@contextlib.contextmanager
def serving(
    env: dict[str, str], kind: str = "prod", *, bare: bool = False, workers: int | None = None
) -> Iterator[Server]:
    port = free_port()
    process = subprocess.Popen(command(kind, port, bare=bare, workers=workers), cwd=ROOT, env=env)
    try:
        wait_port(port)
        server = Server(process, f"http://127.0.0.1:{port}")
        # gunicorn listens before its workers have loaded the app.
        deadline = time.monotonic() + 30
        while subprocess.run(["curl", "-sf", "-o", "/dev/null", server.url + "/healthz"]).returncode:
            if time.monotonic() > deadline:
                raise SystemExit(f"{kind} server did not answer /healthz")
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        process.wait()
