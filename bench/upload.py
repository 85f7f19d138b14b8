#!/usr/bin/env python3
"""Upload and download a generated file through the README's server, next to nginx.

    .venv/bin/python bench/upload.py [--size-mib 1024]

Runs, in one process tree: the server of `dev.py run` (uvicorn, config.asgi) on
a fresh SQLite database and upload folder, then Debian's nginx (WebDAV PUT into
a folder, static GET) on the same machine. curl is the client for both. Prints
MB/s, the server's RSS growth and the bytes it wrote to disk (/proc/<pid>/io),
and the ratios against nginx. Not run in CI.

Each contender's first upload after start is timed apart from its second (a
long-running server's steady state): on this VM the first gigabyte a process
writes is slower, for nginx too, and by up to a second from run to run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dev import PYTHON, server_command  # noqa: E402

MIB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int) -> None:
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on {port}")


def proc_io_written(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/io").read_text().splitlines():
            if line.startswith("write_bytes:"):
                total += int(line.split()[1])
    return total


def proc_rss_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def curl(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run(["curl", "-sS", "--fail", "-o", "/dev/null", *args], check=True)
    return time.perf_counter() - started


def make_file(path: Path, size: int) -> str:
    digest = hashlib.sha256()
    block = os.urandom(MIB)
    with path.open("wb") as f:
        for i in range(size // MIB):
            chunk = block[i % 251 :] + block[: i % 251]  # not all blocks equal
            f.write(chunk)
            digest.update(chunk)
    return digest.hexdigest()


def app_env(work: Path) -> dict[str, str]:
    """The app on the embedded defaults, with its database and files under ``work``.

    DEBUG is off, as in the shipped deployments (and bench/bare_app.py): DEBUG's
    debug cursor records every query, which no server in production pays for."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{work / 'bench.sqlite3'}",
        "UPLOAD_ROOT": str(work / "uploads"),
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
        "FIELD_ENCRYPTION_KEY": "YmVuY2gtb25seS1pbnNlY3VyZS1mZXJuZXQta2V5MDA=",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",  # plain HTTP on 127.0.0.1
    }
    for name in ("S3_BUCKET", "REDIS_URL", "CELERY_BROKER_URL"):
        env.pop(name, None)
    return env


def make_user(env: dict[str, str]) -> str:
    """Migrate and make the bench user on a roomy tier; its API token."""
    subprocess.run([str(PYTHON), "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    script = (
        "from account.models import Account, User; from rest_framework.authtoken.models import Token;"
        "t=Account.objects.create(title='Bench', storage=64*2**30, max_file_transfer=32*2**30);"
        "u=User.objects.create_user(account=t, username='bench', password='bench-pw-1');"
        "print(Token.objects.create(user=u).key)"
    )
    return shell_answer(env, script)


def shell_answer(env: dict[str, str], script: str) -> str:
    """The last word ``script`` prints, run by `manage.py shell` with ``env``."""
    done = subprocess.run(
        [str(PYTHON), "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.split()[-1]


def app_start(work: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    """The README's server on a fresh database and upload folder under ``work``, with the
    bench user: (process, base URL, the user's token)."""
    env = app_env(work)
    token = make_user(env)
    port = free_port()
    server = subprocess.Popen(
        [*server_command("127.0.0.1", str(port)), "--no-access-log", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )
    wait_port(port)
    return server, f"http://127.0.0.1:{port}", token


def bench_app(work: Path, payload: Path, size: int) -> dict[str, float]:
    server, url, token = app_start(work)
    try:
        subprocess.run(["curl", "-sSf", "-o", "/dev/null", url + "/healthz"], check=True)
        auth = f"Authorization: Token {token}"
        rss_before = proc_rss_kib(server.pid, "VmRSS")
        os.sync()  # neither contender pays for the other's writeback
        first = curl(
            "-X", "PUT", "-H", auth, "-F", f"file_field=@{payload};filename=first.bin", url + "/fm/upload/"
        )
        curl("-X", "DELETE", "-H", auth, url + "/fm/manager/?file_name=first.bin")
        os.sync()
        written_before = proc_io_written([server.pid])
        up = curl("-X", "PUT", "-H", auth, "-F", f"file_field=@{payload}", url + "/fm/upload/")
        written = proc_io_written([server.pid]) - written_before
        os.sync()
        written = max(written, proc_io_written([server.pid]) - written_before)
        down = curl(url + f"/fm/download/bench/{payload.name}")
        peak = proc_rss_kib(server.pid, "VmHWM")
        stored = work / "uploads" / "bench" / payload.name
        assert stored.stat().st_size == size, "stored size differs"
        return {
            "first_upload_s": first,
            "upload_s": up,
            "download_s": down,
            "rss_growth_mib": (peak - rss_before) / 1024,
            "written_ratio": written / size,
        }
    finally:
        server.terminate()
        server.wait()


NGINX_CONF = """
daemon off;
user root root;  # the bench runs as root; workers must write into its folder
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    client_max_body_size 0;
    client_body_temp_path {work}/nginx-body;
    server {{
        listen 127.0.0.1:{port};
        root {work}/nginx-root;
        location / {{
            dav_methods PUT;
            create_full_put_path on;
        }}
    }}
}}
"""


def bench_nginx(work: Path, payload: Path, size: int) -> dict[str, float]:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    port = free_port()
    (work / "nginx-root").mkdir()
    (work / "nginx-body").mkdir()
    conf = work / "nginx.conf"
    conf.write_text(NGINX_CONF.format(work=work, port=port))
    master = subprocess.Popen([nginx, "-c", str(conf), "-e", str(work / "nginx-error.log")])
    try:
        wait_port(port)
        workers = [
            int(p)
            for p in subprocess.run(
                ["pgrep", "-P", str(master.pid)], capture_output=True, text=True
            ).stdout.split()
        ]
        pids = [master.pid, *workers]
        os.sync()  # neither contender pays for the other's writeback
        first = curl("-T", str(payload), f"http://127.0.0.1:{port}/first.bin")
        (work / "nginx-root" / "first.bin").unlink()
        os.sync()
        written_before = proc_io_written(pids)
        up = curl("-T", str(payload), f"http://127.0.0.1:{port}/{payload.name}")
        os.sync()
        written = proc_io_written(pids) - written_before
        down = curl(f"http://127.0.0.1:{port}/{payload.name}")
        assert (work / "nginx-root" / payload.name).stat().st_size == size
        return {"first_upload_s": first, "upload_s": up, "download_s": down, "written_ratio": written / size}
    finally:
        master.terminate()
        master.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=2, help="alternating runs; the best of each is kept")
    args = parser.parse_args()
    size = args.size_mib * MIB
    apps: list[dict[str, float]] = []
    refs: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory(dir=ROOT / "bench") as tmp:
        payload = Path(tmp) / "payload.bin"
        make_file(payload, size)
        for i in range(args.rounds):
            for name, runs, bench in (("app", apps, bench_app), ("nginx", refs, bench_nginx)):
                work = Path(tmp) / f"{name}-{i}"
                work.mkdir()
                runs.append(bench(work, payload, size))
                shutil.rmtree(work)
    app = {
        "first_upload_s": min(r["first_upload_s"] for r in apps),
        "upload_s": min(r["upload_s"] for r in apps),
        "download_s": min(r["download_s"] for r in apps),
        "rss_growth_mib": max(r["rss_growth_mib"] for r in apps),
        "written_ratio": max(r["written_ratio"] for r in apps),
    }
    ref = {key: min(r[key] for r in refs) for key in ("first_upload_s", "upload_s", "download_s")}
    ref["written_ratio"] = max(r["written_ratio"] for r in refs)
    mb = size / 1e6
    rows = {
        "upload MB/s": (mb / app["upload_s"], mb / ref["upload_s"]),
        "  first after start": (mb / app["first_upload_s"], mb / ref["first_upload_s"]),
        "download MB/s": (mb / app["download_s"], mb / ref["download_s"]),
    }
    print(
        f"file: {args.size_mib} MiB; client: curl; best of {args.rounds} alternating rounds; "
        f"server: {' '.join(server_command('HOST', 'PORT')[1:4])}"
    )
    print(f"{'':16}{'app':>10}{'nginx':>10}{'ratio':>8}")
    for name, (ours, theirs) in rows.items():
        print(f"{name:16}{ours:10.1f}{theirs:10.1f}{ours / theirs:8.2f}")
    print(f"{'bytes written/size':16}{app['written_ratio']:10.3f}{ref['written_ratio']:10.3f}")
    print(f"server RSS growth: {app['rss_growth_mib']:.1f} MiB")
    print(json.dumps({"app": apps, "nginx": refs}))


if __name__ == "__main__":
    main()
