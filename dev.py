#!/usr/bin/env python3
"""Set up and run Upload Center with nothing but Python 3.11+.

    python3 dev.py run     # venv, requirements, migrate, demo user, serve HTTP + WebSocket + worker
    python3 dev.py test    # venv, requirements, then the whole test suite (two passes)
    python3 dev.py lint    # ruff and mypy

Only the standard library is used here: this file runs before the virtual
environment exists.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"
REQUIREMENTS = ROOT / "requirements.txt"
STAMP = VENV / ".requirements.sha256"
WORKER_LOG = ROOT / ".celery" / "worker.log"
FIRST_LOG = ROOT / "test-output" / "pass-1.log"
BASETEMP = Path(tempfile.gettempdir()) / "upload-center-tests"

# The real services of pass two; each can be pointed elsewhere.
SERVICE_DEFAULTS = {
    "TEST_DATABASE_URL": "postgres://postgres@127.0.0.1:5432/test",
    "TEST_REDIS_URL": "redis://127.0.0.1:6379/1",
    "TEST_BROKER_URL": "amqp://guest:guest@127.0.0.1:5672//",
}
# Variables that would make pass one use a server.
SERVICE_VARIABLES = [
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "S3_BUCKET",
    "S3_ENDPOINT_URL",
    "S3_ACCESS_KEY_ID",
    "S3_SECRET_ACCESS_KEY",
]


def say(message: str) -> None:
    print(f"[dev] {message}", flush=True)


def ensure_venv() -> None:
    """Create .venv and install requirements.txt when it changed since the last install."""
    if not PYTHON.exists():
        say(f"creating virtual environment in {VENV}")
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == digest:
        return
    say("installing requirements.txt")
    pip = [str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-r", str(REQUIREMENTS)], check=True)
    STAMP.write_text(digest)


def manage(*args: str, env: dict[str, str] | None = None) -> None:
    subprocess.run([str(PYTHON), "manage.py", *args], cwd=ROOT, check=True, env=env)


def prepare(env: dict[str, str] | None = None) -> str:
    """Migrate, prepare storage, ensure the demo user; returns the demo user's line."""
    manage("migrate", "--no-input", "-v", "0", env=env)
    manage("prepare_storage", env=env)
    demo = subprocess.run(
        [str(PYTHON), "manage.py", "ensure_demo_user"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return demo.stdout.strip()


def server_command(host: str, port: str) -> list[str]:
    """The embedded default's one server: HTTP (through the WSGI app) and the WebSocket
    on one port (config.asgi); in production it serves only the WebSocket."""
    return [
        str(PYTHON), "-m", "uvicorn", "config.asgi:application",
        "--host", host, "--port", port,
        "--lifespan", "on",
        "--timeout-graceful-shutdown", "10",
    ]  # fmt: skip


def http_server_command(host: str, port: str) -> list[str]:
    """Production's HTTP server: gunicorn (gthread) over config.wsgi (config/gunicorn.py)."""
    return [str(PYTHON), "-m", "gunicorn", "-c", "config/gunicorn.py", "--bind", f"{host}:{port}"]


def worker_command() -> list[str]:
    return [str(PYTHON), "-m", "celery", "-A", "config", "worker", "-l", "info", "--concurrency", "2"]


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    # Ctrl-C and a supervisor's SIGTERM both stop the children cleanly.
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    ensure_venv()
    demo = prepare()
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "8000")
    # The worker's banner and task lines go to its log, not over the URL and login below.
    WORKER_LOG.parent.mkdir(exist_ok=True)
    with WORKER_LOG.open("ab") as worker_log:
        worker = subprocess.Popen(worker_command(), cwd=ROOT, stdout=worker_log, stderr=subprocess.STDOUT)
    children = [worker, subprocess.Popen(server_command(host, port), cwd=ROOT)]
    url = f"http://{host}:{port}/"
    for _ in range(300):
        if reachable(url) or any(child.poll() is not None for child in children):
            break
        time.sleep(0.1)
    say(f"Celery worker log: {WORKER_LOG.relative_to(ROOT)}")
    say(demo)
    say(f"open {url} (drive page); API {url}fm/, docs {url}docs; Ctrl-C stops")
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        say("a process ended; stopping")
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 0), timeout=3):
            return True
    except OSError:
        return False


def start_s3() -> tuple[subprocess.Popen[bytes], dict[str, str]]:
    """moto's S3 server over HTTP: the stand-in for S3 that this machine can run."""
    port = free_port()
    process = subprocess.Popen(
        [str(PYTHON), "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(100):
        if reachable(endpoint):
            break
        time.sleep(0.1)
    else:
        process.kill()
        raise SystemExit("moto S3 server did not start")
    return process, {
        "S3_BUCKET": "upload-center-test",
        "S3_ENDPOINT_URL": endpoint,
        "S3_ACCESS_KEY_ID": "testing",
        "S3_SECRET_ACCESS_KEY": "testing",
        "S3_REGION": "us-east-1",
    }


def pytest(env: dict[str, str], extra: list[str], log: Path | None = None) -> subprocess.Popen[bytes]:
    """pytest in its own process (its output to ``log`` when given), in its own temp folder."""
    command = [str(PYTHON), "-m", "pytest", f"--basetemp={BASETEMP}-{env['TEST_PASS']}", *extra]
    if log is None:
        return subprocess.Popen(command, cwd=ROOT, env=env)
    with log.open("wb") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def test(args: argparse.Namespace) -> int:
    ensure_venv()
    base = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    base.setdefault("TEST_OUTPUT_DIR", str(ROOT / "test-output"))
    embedded = {**base, "TEST_PASS": "embedded"}
    first_args = ["-m", "not services", *args.pytest_args]

    say("pass 1: embedded defaults (SQLite, local disk, in-process channel layer, filesystem broker)")
    if args.embedded:
        return pytest(embedded, first_args).wait()

    urls = {name: os.environ.get(name, default) for name, default in SERVICE_DEFAULTS.items()}
    missing = [f"{name}={url}" for name, url in urls.items() if not reachable(url)]
    if missing:
        say("pass 2 needs these services, which do not answer: " + ", ".join(missing))
        return 1
    say("pass 2: PostgreSQL, Redis, RabbitMQ and S3 (moto server) " + ", ".join(urls.values()))
    # The passes share nothing (their own database, storage, broker and temp folders) and
    # each leaves a core idle much of the time (servers starting, sockets waiting): run
    # side by side, pass 1's output is printed when it ends.
    s3, s3_env = start_s3()
    FIRST_LOG.parent.mkdir(exist_ok=True)
    processes = [s3]
    try:
        first = pytest(embedded, first_args, log=FIRST_LOG)
        processes.append(first)
        second = pytest(
            {
                **base,
                **s3_env,
                "TEST_PASS": "services",
                "DATABASE_URL": urls["TEST_DATABASE_URL"],
                "REDIS_URL": urls["TEST_REDIS_URL"],
                "CELERY_BROKER_URL": urls["TEST_BROKER_URL"],
            },
            list(args.pytest_args),
        )
        processes.append(second)
        results = second.wait(), first.wait()
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
                process.wait()
    say(f"pass 1 (embedded defaults), from {FIRST_LOG.relative_to(ROOT)}:")
    sys.stdout.write(FIRST_LOG.read_text(errors="replace"))
    say(f"pass 1 exit {results[1]}, pass 2 exit {results[0]}")
    return results[0] or results[1]


def lint(args: argparse.Namespace) -> int:
    ensure_venv()
    steps = [
        [str(VENV / "bin" / "ruff"), "check", "."],
        [str(VENV / "bin" / "ruff"), "format", "--check", "."],
        [str(VENV / "bin" / "mypy")],
    ]
    failed = [" ".join(step[1:]) or "mypy" for step in steps if subprocess.run(step, cwd=ROOT).returncode]
    if failed:
        say("lint failed: " + ", ".join(failed))
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="set up and serve on $HOST:$PORT until Ctrl-C")
    commands.add_parser("lint", help="ruff (lint and format) and mypy")
    test_parser = commands.add_parser("test", help="set up and run the whole test suite")
    test_parser.add_argument("--embedded", action="store_true", help="only pass 1 (no servers needed)")
    test_parser.add_argument("pytest_args", nargs="*", help="passed to pytest (put them after --)")
    args = parser.parse_args()
    return {"run": run, "test": test, "lint": lint}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
