#!/usr/bin/env python3
"""The server's memory under a class's load: many downloads, many uploads at once.

    .venv/bin/python bench/class_memory.py [--rounds 3] [--seconds 8]

Starts production's HTTP server (gunicorn, one worker process; --server dev: the
uvicorn of `dev.py run`) on a fresh SQLite database and upload folder holding one 20 MiB file, then, one after another:
wrk with 64 and with 300 connections downloading that file, and 64 curl
processes each uploading its own 10 MiB file at the same moment. Before each
load the serving process's peak RSS (VmHWM) is reset (/proc/<pid>/clear_refs), so each
prints its own peak growth over the RSS the server had just before, and the
throughput. With --rounds N the whole is repeated on fresh servers and the
best throughput and the highest growth are kept (the machine is shared: take
throughput figures as noisy). Not run in CI. Needs wrk (`apt-get install wrk`).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.servers import serving  # noqa: E402
from bench.upload import app_env, make_file, make_user, proc_rss_kib  # noqa: E402

MIB = 1024 * 1024
UNITS = {"B": 1, "KB": 1024, "MB": MIB, "GB": 1024 * MIB}


def peak_growth_mib(pid: int, load: Callable[[], float]) -> tuple[float, float]:
    """(peak RSS growth in MiB during ``load``, what ``load`` returns)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # resets VmHWM to the current RSS
    before = proc_rss_kib(pid, "VmRSS")
    result = load()
    return (proc_rss_kib(pid, "VmHWM") - before) / 1024, result


@dataclass(frozen=True)
class WrkResult:
    mbps: float  # 10^6 bytes a second that wrk read
    rps: float  # requests a second
    p99_ms: float  # the 99th percentile of latency


def wrk(url: str, connections: int, seconds: int) -> WrkResult:
    """What wrk measured over ``seconds``; any error or non-2xx answer stops the bench."""
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "--latency", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise SystemExit(f"wrk saw errors:\n{out}")
    number, unit = re.search(r"Transfer/sec:\s+([\d.]+)(\w+)", out).groups()  # type: ignore[union-attr]
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)  # type: ignore[union-attr]
    p99, p99_unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    return WrkResult(
        mbps=float(number) * UNITS[unit] / 1e6,
        rps=float(rps),
        p99_ms=float(p99) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99_unit],
    )


def uploads(url: str, token: str, files: list[Path]) -> float:
    """MB/s of all ``files`` uploaded at once, each by its own curl."""
    started = time.perf_counter()
    procs = [
        subprocess.Popen(
            ["curl", "-sS", "--fail", "-o", "/dev/null", "-X", "PUT", "-H", f"Authorization: Token {token}"]
            + ["-F", f"file_field=@{path}", url + "/fm/upload/"]
        )
        for path in files
    ]
    if any(proc.wait() != 0 for proc in procs):
        raise SystemExit("an upload failed")
    return sum(path.stat().st_size for path in files) / 1e6 / (time.perf_counter() - started)


def one_round(tmp: Path, i: int, args: argparse.Namespace) -> dict[str, float]:
    """Each load on a fresh server, so none starts with memory another left behind."""
    work = tmp / f"round-{i}"
    work.mkdir()
    env = app_env(work)
    token = make_user(env)
    auth = f"Authorization: Token {token}"
    result: dict[str, float] = {}
    with serving(env, args.server, workers=1) as server:
        subprocess.run(["curl", "-sSf", "-o", "/dev/null", "-X", "PUT", "-H", auth]
                       + ["-F", f"file_field=@{tmp / 'lecture.bin'}", server.url + "/fm/upload/"], check=True)  # fmt: skip
    for connections in args.connections:
        with serving(env, args.server, workers=1) as server:
            download = server.url + "/fm/download/bench/lecture.bin"
            subprocess.run(["curl", "-sSf", "-o", "/dev/null", download], check=True)  # warms the server up
            (worker,) = server.worker_pids()
            result["rss_start_mib"] = proc_rss_kib(worker, "VmRSS") / 1024
            growth, mbps = peak_growth_mib(
                worker, lambda c=connections, d=download: wrk(d, c, args.seconds).mbps
            )
            result[f"down{connections}_growth_mib"], result[f"down{connections}_mbps"] = growth, mbps
    uploads_at_once = args.uploads
    if not uploads_at_once:
        return result
    with serving(env, args.server, workers=1) as server:
        url = server.url
        subprocess.run(
            ["curl", "-sSf", "-o", "/dev/null", url + "/fm/download/bench/lecture.bin"], check=True
        )
        files = sorted(tmp.glob("homework-*.bin"))[:uploads_at_once]
        (worker,) = server.worker_pids()
        growth, mbps = peak_growth_mib(worker, lambda: uploads(url, token, files))
        result[f"up{uploads_at_once}_growth_mib"], result[f"up{uploads_at_once}_mbps"] = growth, mbps
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3, help="fresh servers; best throughput, worst growth")
    parser.add_argument("--seconds", type=int, default=8, help="length of each wrk run")
    parser.add_argument("--connections", type=lambda v: [int(n) for n in v.split(",")], default=[64, 300])
    parser.add_argument("--uploads", type=int, default=64, help="uploads at once; 0: none")
    parser.add_argument(
        "--server", choices=["prod", "dev"], default="prod", help="gunicorn, or dev.py's uvicorn"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=ROOT / "bench") as name:
        tmp = Path(name)
        make_file(tmp / "lecture.bin", 20 * MIB)
        for n in range(args.uploads):
            make_file(tmp / f"homework-{n:03}.bin", 10 * MIB)
        rounds = [one_round(tmp, i, args) for i in range(args.rounds)]
    print(f"server: {args.server}, one worker process; best of {args.rounds} rounds (shared CPU: noisy)")
    print(f"RSS at start: {min(r['rss_start_mib'] for r in rounds):.0f} MiB")
    loads = [(f"{c} downloads of 20 MiB (wrk)", f"down{c}") for c in args.connections]
    if args.uploads:
        loads.append((f"{args.uploads} uploads of 10 MiB (curl)", f"up{args.uploads}"))
    for label, key in loads:
        growth = max(r[f"{key}_growth_mib"] for r in rounds)
        mbps = max(r[f"{key}_mbps"] for r in rounds)
        print(f"{label:34} peak RSS growth {growth:7.1f} MiB   {mbps:8.1f} MB/s")
    print(json.dumps(rounds))


if __name__ == "__main__":
    main()
