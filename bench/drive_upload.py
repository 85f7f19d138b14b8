#!/usr/bin/env python3
"""Benchmark: a large file through POST /files.upload into S3, against boto3 straight to S3.

    .venv/bin/python bench/drive_upload.py            # 512 MiB
    .venv/bin/python bench/drive_upload.py --size-mib 128

Starts moto's S3 server and the README's server command (uvicorn, config.asgi)
on a throw-away SQLite database, uploads one file through the drive (streamed
multipart, measured from the first byte sent to the answer) and the same file
with boto3's ``upload_file`` to the same S3 server, in alternating rounds,
then prints the best throughput of each, their ratio, the CPU time the drive
server, the boto3 client and moto spent, and the drive server's peak RSS.
Targets (issue 4): ratio at least 0.7, RSS growth under 64 MiB.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import boto3
import requests
from boto3.s3.transfer import TransferConfig

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dev import server_command  # noqa: E402

MiB = 1024 * 1024
BUCKET = "drive-bench"
USER, PASSWORD = "bench", "bench-password-1"
BOUNDARY = "drive-bench-boundary-3f9a"
SEND_CHUNK = MiB


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer within {seconds} s")


def rss(pid: int, field: str) -> int:
    """VmRSS or VmHWM (peak) of a process, in bytes (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} for {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def reset_peak_rss(pid: int) -> None:
    # Writing 5 to clear_refs resets VmHWM to the current RSS (Linux 4.0+).
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def make_file(path: Path, size: int) -> None:
    with path.open("wb") as f:
        left = size
        while left:
            chunk = os.urandom(min(left, 8 * MiB))
            f.write(chunk)
            left -= len(chunk)


def drive_upload(url: str, cookie: str, path: Path, name: str) -> float:
    """Stream ``path`` through POST /files.upload; seconds from first byte to answer."""
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    size = path.stat().st_size
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=600)
    started = time.perf_counter()
    connection.putrequest("POST", "/files.upload")
    connection.putheader("Content-Type", f"multipart/form-data; boundary={BOUNDARY}")
    connection.putheader("Content-Length", str(len(head) + size + len(tail)))
    connection.putheader("Cookie", f"sessionid={cookie}")
    connection.putheader("X-Upload-Id", str(uuid.uuid4()))
    connection.endheaders()
    connection.send(head)
    with path.open("rb") as f:
        while chunk := f.read(SEND_CHUNK):
            connection.send(chunk)
    connection.send(tail)
    response = connection.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - started
    connection.close()
    if response.status != 200:
        raise SystemExit(f"drive upload failed: {response.status} {body[:500]!r}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size-mib", type=int, default=512)
    parser.add_argument("--part-mib", type=int, default=8, help="UPLOAD_PART_SIZE of the drive server")
    parser.add_argument("--rounds", type=int, default=2, help="alternating runs; the best of each is kept")
    args = parser.parse_args()
    size = args.size_mib * MiB
    python = str(ROOT / ".venv" / "bin" / "python")

    with tempfile.TemporaryDirectory(prefix="drive-bench-") as tmp:
        work = Path(tmp)
        processes: list[subprocess.Popen[bytes]] = []
        try:
            s3_port = free_port()
            endpoint = f"http://127.0.0.1:{s3_port}"
            processes.append(
                subprocess.Popen(
                    [python, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(s3_port)],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            wait_http(endpoint)
            s3 = boto3.client(
                "s3",
                endpoint_url=endpoint,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
                region_name="us-east-1",
            )
            s3.create_bucket(Bucket=BUCKET)

            env = {
                **{k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CELERY_BROKER_URL"}},
                "DATABASE_URL": f"sqlite:///{work / 'bench.sqlite3'}",
                "S3_BUCKET": BUCKET,
                "S3_ENDPOINT_URL": endpoint,
                "S3_ACCESS_KEY_ID": "testing",
                "S3_SECRET_ACCESS_KEY": "testing",
                "S3_REGION": "us-east-1",
                "UPLOAD_PART_SIZE": str(args.part_mib * MiB),
                "LOG_LEVEL": "WARNING",
            }
            subprocess.run([python, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
            subprocess.run(
                [
                    python,
                    "manage.py",
                    "shell",
                    "-c",
                    "from account.models import Account, User; "
                    "t = Account.objects.create(title='Bench', storage=64 * 1024**3, max_file_transfer=16 * 1024**3); "
                    f"User.objects.create_user(account=t, username='{USER}', password='{PASSWORD}')",
                ],
                cwd=ROOT,
                env=env,
                check=True,
            )
            port = free_port()
            server = subprocess.Popen(
                [*server_command("127.0.0.1", str(port)), "--log-level", "warning"], cwd=ROOT, env=env
            )
            processes.append(server)
            url = f"http://127.0.0.1:{port}"
            wait_http(url + "/healthz")

            source = work / "payload.bin"
            print(f"writing a {args.size_mib} MiB test file ...", flush=True)
            make_file(source, size)
            warmup = work / "warmup.bin"
            make_file(warmup, 3 * args.part_mib * MiB)

            login = requests.post(
                f"{url}/core.login", json={"username": USER, "password": PASSWORD}, timeout=30
            )
            cookie = login.cookies["sessionid"]
            drive_upload(url, cookie, warmup, "warmup.bin")  # imports, connections, first-request costs

            moto = processes[0]
            baseline = rss(server.pid, "VmRSS")
            reset_peak_rss(server.pid)
            drive_runs: list[tuple[float, float, float]] = []  # seconds, server CPU s, moto CPU s
            boto_runs: list[tuple[float, float, float]] = []  # seconds, client CPU s, moto CPU s
            for round_ in range(args.rounds):
                name = f"payload-{round_}.bin"
                before = (cpu_seconds(server.pid), cpu_seconds(moto.pid))
                seconds = drive_upload(url, cookie, source, name)
                drive_runs.append(
                    (seconds, cpu_seconds(server.pid) - before[0], cpu_seconds(moto.pid) - before[1])
                )
                stored = s3.head_object(Bucket=BUCKET, Key=f"{USER}/{name}")["ContentLength"]
                if stored != size:
                    raise SystemExit(f"S3 holds {stored} bytes, expected {size}")
                s3.delete_object(Bucket=BUCKET, Key=f"{USER}/{name}")  # moto keeps objects in memory

                before = (time.process_time(), cpu_seconds(moto.pid))
                started = time.perf_counter()
                s3.upload_file(str(source), BUCKET, f"direct/{name}", Config=TransferConfig())
                seconds = time.perf_counter() - started
                boto_runs.append(
                    (seconds, time.process_time() - before[0], cpu_seconds(moto.pid) - before[1])
                )
                s3.delete_object(Bucket=BUCKET, Key=f"direct/{name}")
            peak = rss(server.pid, "VmHWM")
            drive_seconds, drive_cpu, drive_moto = min(drive_runs)
            boto_seconds, boto_cpu, boto_moto = min(boto_runs)

            drive_rate = size / MiB / drive_seconds
            boto_rate = size / MiB / boto_seconds
            print(f"file:                {args.size_mib} MiB, drive part size {args.part_mib} MiB")
            print(f"drive /files.upload: {drive_seconds:7.2f} s  {drive_rate:8.1f} MiB/s")
            print(f"boto3 upload_file:   {boto_seconds:7.2f} s  {boto_rate:8.1f} MiB/s")
            print(f"ratio drive/boto3:   {drive_rate / boto_rate:7.2f}   (target >= 0.70)")
            print(f"CPU s, drive run:    server {drive_cpu:.2f}, moto {drive_moto:.2f}")
            print(f"CPU s, boto3 run:    boto3 (client) {boto_cpu:.2f}, moto {boto_moto:.2f}")
            print("all runs (s):", [round(r[0], 2) for r in drive_runs], [round(r[0], 2) for r in boto_runs])
            print(
                f"server RSS:          baseline {baseline / MiB:.1f} MiB, peak {peak / MiB:.1f} MiB, "
                f"growth {(peak - baseline) / MiB:.1f} MiB   (target < 64 MiB)"
            )
        finally:
            for process in reversed(processes):
                process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
