#!/usr/bin/env python3
"""A class at once: many small downloads, many uploads, against nginx and a bare Django app.

    .venv/bin/python bench/class_load.py [--rounds 2] [--seconds 6] [--loads a,b,c,d,e,f,g]

On one machine, in alternating rounds (best of the rounds kept), each contender
started fresh per round (bench/servers.py), on a fresh SQLite database and upload
folder, DEBUG off:

- app: production's HTTP server (gunicorn gthread, config/gunicorn.py);
- dev: the embedded default (`dev.py run`: uvicorn, HTTP through a2wsgi);
- bare: a bare Django app (bench/bare_app.py: one FileResponse view, one that only
  answers X-Accel-Redirect, two middlewares) under the same gunicorn flags, alone
  and, for (f), behind the same nginx template: the most a Django app can do there;
- nginx: Debian's nginx, static GET and WebDAV PUT (bench/upload.py's configuration);
- nginx in front of the app with the shipped deploy/nginx template, with
  DOWNLOAD_OFFLOAD=nginx ("offload") and none ("front").

Loads: (a) wrk, 64 connections, a 1 MiB file (req/s, p99), also for dev; (b) the
same with a 20 MiB file (MB/s); (c) 32 curl uploads of 10 MiB at once (`/fm/upload/`
vs WebDAV PUT); (d) /healthz with 8 connections (app vs bare app); (e) the first
1 GiB upload after the server starts (curl), beside SHA-256 alone over the same
GiB in one thread (every upload is hashed: its ceiling); (f) (a) and (b) through nginx in
front of the app (offload and front) vs nginx serving the file itself; (g) through
nginx in front of the app, (a) while 64 uploads are sent at 250 KB/s each
(`curl --limit-rate`, a phone on a slow line), against (a) alone.
The 2 cores may be shared with other work: compare ratios within one run, and
the app's CPU seconds for (c) and (e) and its CPU ms per request of (a) and (f)
(printed below the table), which depend less on the other work. --loads runs only the loads named.

Before each contender's (e), a 1 GiB scratch file is written and removed: on
this VM a page of guest memory never touched since boot costs the host a fault
(about 3 s of system time per GiB), and the page cache of the first contender's
upload took such pages while the next found the freed ones (nginx's own PUT ran
at 109 MB/s into untouched pages, 300-550 MB/s into reused ones, same minute).
Needs wrk and nginx (`apt-get install wrk nginx`). Not run in CI.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from string import Template
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.class_memory import uploads, wrk  # noqa: E402
from bench.servers import serving  # noqa: E402
from bench.upload import NGINX_CONF, app_env, curl, free_port, make_file, make_user, wait_port  # noqa: E402

MIB = 1024 * 1024
SMALL, LARGE, HOMEWORK, FIRST = "handout.bin", "lecture.bin", 32, "first.bin"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

FRONT_CONF = """daemon off; master_process off; pid $prefix/nginx.pid; error_log $prefix/error.log warn;
events { worker_connections 1024; }
http { include /etc/nginx/mime.types; access_log off; $temps
  include $prefix/site.conf; }
"""


@contextlib.contextmanager
def nginx_running(conf: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen([NGINX, "-c", str(conf), "-e", str(conf.parent / "error.log")])
    try:
        wait_port(port)
        yield process
    finally:
        process.terminate()
        process.wait()


def nginx_direct(work: Path) -> tuple[Path, int]:
    """bench/upload.py's nginx (static GET, WebDAV PUT), its root holding the two downloads."""
    port = free_port()
    for folder in ("nginx-root", "nginx-body"):
        (work / folder).mkdir()
    for name in (SMALL, LARGE):
        shutil.copy(work.parent / name, work / "nginx-root" / name)
    conf = work / "nginx.conf"
    conf.write_text(NGINX_CONF.format(work=work, port=port))
    return conf, port


def nginx_front(work: Path, app_url: str, upload_root: Path) -> tuple[Path, int]:
    """The shipped configuration in front of the app at ``app_url``."""
    port, prefix = free_port(), work / f"front-{free_port()}"
    prefix.mkdir()
    site = Template((ROOT / "deploy" / "nginx" / "upload-center.conf.template").read_text())
    (prefix / "site.conf").write_text(
        site.safe_substitute(
            NGINX_PORT=str(port),
            APP_UPSTREAM=app_url.removeprefix("http://"),
            WS_UPSTREAM=app_url.removeprefix("http://"),
            UPLOAD_ROOT=str(upload_root),
            DOWNLOAD_OFFLOAD_PREFIX="/_protected/",
        )
    )
    kinds = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    temps = " ".join(f"{kind}_temp_path {prefix / kind};" for kind in kinds)
    conf = prefix / "nginx.conf"
    conf.write_text(Template(FRONT_CONF).substitute(prefix=prefix, temps=temps))
    return conf, port


def first_upload_s(put: list[str], undo: Callable[[], object], scratch: Path) -> float:
    """Seconds of curl's first upload after start (``put``), with writeback of earlier work done
    before it and after ``undo`` removed what it stored. The pages the upload's page cache will
    take are touched before, by a ``scratch`` file written and removed (see the module's doc)."""
    with scratch.open("wb") as f:
        for _ in range(1024):
            f.write(bytes(MIB))
    scratch.unlink()
    os.sync()
    seconds = curl(*put)
    undo()
    os.sync()
    return seconds


def downloads(url: str, seconds: int, pid: int | None = None) -> dict[str, Any]:
    """(a) and (b); with the server's ``pid``, also its CPU ms per request of (a), a
    figure that other work on the machine changes far less than the rates."""
    before = cpu_s(pid) if pid else 0.0
    small = wrk(f"{url}/{SMALL}", 64, seconds)
    result = {"small_rps": small.rps, "small_p99_ms": small.p99_ms}
    if pid:
        result["small_cpu_ms"] = (cpu_s(pid) - before) * 1000 / (small.rps * seconds)
    result["large_mbps"] = wrk(f"{url}/{LARGE}", 64, seconds).mbps
    return result


def sha256_mbps(path: Path) -> float:
    """MB/s of hashing ``path`` (in the page cache) with SHA-256 in one thread, as every
    upload is hashed (receipts, ETags): (e)'s ceiling, whatever the server does."""
    digest, started = hashlib.sha256(), time.perf_counter()
    with path.open("rb", buffering=0) as f:
        for block in iter(lambda: f.read(MIB), b""):
            digest.update(block)
    return path.stat().st_size / 1e6 / (time.perf_counter() - started)


def cpu_s(pid: int) -> float:
    """User and system CPU seconds of process ``pid`` (its threads, ended ones included) and
    of its child processes (nginx's workers)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK") + sum(
        cpu_s(int(child)) for child in children
    )


def app_round(tmp: Path, env: dict[str, str], token: str, seconds: int, loads: set[str]) -> dict[str, Any]:
    auth = f"Authorization: Token {token}"
    result: dict[str, Any] = {}
    with serving(env) as server:
        url = server.url
        if "e" in loads:
            put = ["-X", "PUT", "-H", auth, "-F", f"file_field=@{tmp / 'gigabyte.bin'};filename={FIRST}"]
            delete = ["-X", "DELETE", "-H", auth, f"{url}/fm/manager/?file_name={FIRST}"]
            before = cpu_s(server.pid)
            result["first_s"] = first_upload_s(
                [*put, url + "/fm/upload/"], lambda: curl(*delete), tmp / "scratch"
            )
            result["first_cpu_s"] = cpu_s(server.pid) - before  # the delete's share is a few ms
            result["sha256_mbps"] = sha256_mbps(tmp / "gigabyte.bin")
        if loads & {"a", "b"}:
            subprocess.run(
                ["curl", "-sSf", "-o", "/dev/null", f"{url}/fm/download/bench/{SMALL}"], check=True
            )
            result.update(downloads(url + "/fm/download/bench", seconds, server.pid))
        if "c" in loads:
            homework = sorted(tmp.glob("homework-*.bin"))
            before = cpu_s(server.pid)
            result["uploads_mbps"] = uploads(url, token, homework)
            result["uploads_cpu_s"] = cpu_s(server.pid) - before
            for path in homework:
                curl("-X", "DELETE", "-H", auth, f"{url}/fm/manager/?file_name={path.name}")
        if "d" in loads:
            result["healthz_rps"] = wrk(url + "/healthz", 8, seconds).rps
    return result


def dev_round(env: dict[str, str], seconds: int) -> dict[str, Any]:
    """(a) on the embedded default's one process."""
    with serving(env, "dev") as server:
        small = wrk(f"{server.url}/fm/download/bench/{SMALL}", 64, seconds)
        return {"small_rps": small.rps, "small_p99_ms": small.p99_ms}


def front_round(work: Path, env: dict[str, str], seconds: int, offload: str) -> dict[str, Any]:
    with serving({**env, "DOWNLOAD_OFFLOAD": offload}) as server:
        conf, port = nginx_front(work, server.url, Path(env["UPLOAD_ROOT"]))
        with nginx_running(conf, port):
            return downloads(f"http://127.0.0.1:{port}/fm/download/bench", seconds, server.pid)


def slow_round(tmp: Path, work: Path, env: dict[str, str], token: str, seconds: int) -> dict[str, Any]:
    """(g): the handout through nginx, alone and while 64 slow uploads hold threads."""
    with serving(env) as server:
        conf, port = nginx_front(work, server.url, Path(env["UPLOAD_ROOT"]))
        with nginx_running(conf, port):
            url = f"http://127.0.0.1:{port}"
            alone = wrk(f"{url}/fm/download/bench/{SMALL}", 64, seconds)
            slow = [
                subprocess.Popen(
                    ["curl", "-s", "-o", "/dev/null", "--limit-rate", "250K", "-X", "PUT"]
                    + [
                        "-H",
                        f"Authorization: Token {token}",
                        "-F",
                        f"file_field=@{path};filename=slow-{n}.bin",
                    ]
                    + [f"{url}/fm/upload/"]
                )
                for n, path in enumerate(sorted(tmp.glob("homework-*.bin")) * 2)
            ]
            try:
                time.sleep(2)  # every slow upload has started sending
                beside = wrk(f"{url}/fm/download/bench/{SMALL}", 64, seconds)
            finally:
                for process in slow:
                    process.terminate()
                    process.wait()
    return {
        "alone_rps": alone.rps,
        "alone_p99_ms": alone.p99_ms,
        "slow_rps": beside.rps,
        "slow_p99_ms": beside.p99_ms,
    }


def bare_round(work: Path, tmp: Path, seconds: int, loads: set[str]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    with serving({**os.environ, "BARE_ROOT": str(tmp)}, bare=True) as server:
        if loads & {"a", "b"}:
            result.update(downloads(server.url + "/files", seconds, server.pid))
        if "d" in loads:
            result["healthz_rps"] = wrk(server.url + "/healthz", 8, seconds).rps
        if "f" in loads:
            # The most any Django app under these gunicorn flags can do behind nginx with
            # offload: a view that only answers X-Accel-Redirect (f)'s app/bare.
            conf, port = nginx_front(work, server.url, tmp)
            with nginx_running(conf, port):
                before = cpu_s(server.pid)
                offload = wrk(f"http://127.0.0.1:{port}/offloaded/{SMALL}", 64, seconds)
                result["offload_rps"], result["offload_p99_ms"] = offload.rps, offload.p99_ms
                result["offload_cpu_ms"] = (cpu_s(server.pid) - before) * 1000 / (offload.rps * seconds)
    return result


def nginx_round(work: Path, tmp: Path, seconds: int, loads: set[str]) -> dict[str, Any]:
    conf, port = nginx_direct(work)
    url = f"http://127.0.0.1:{port}"
    result: dict[str, Any] = {}
    with nginx_running(conf, port) as nginx:
        if "e" in loads:
            put = ["-T", str(tmp / "gigabyte.bin"), f"{url}/{FIRST}"]
            before = cpu_s(nginx.pid)
            result["first_s"] = first_upload_s(put, (work / "nginx-root" / FIRST).unlink, tmp / "scratch")
            result["first_cpu_s"] = cpu_s(nginx.pid) - before
        if loads & {"a", "b", "f"}:
            result.update(downloads(url, seconds))
        if "c" in loads:
            result.update(nginx_uploads(url, sorted(tmp.glob("homework-*.bin")), nginx.pid))
    return result


def nginx_uploads(url: str, homework: list[Path], pid: int) -> dict[str, float]:
    before, started = cpu_s(pid), time.perf_counter()
    procs = [
        subprocess.Popen(["curl", "-sSf", "-o", "/dev/null", "-T", str(p), f"{url}/{p.name}"])
        for p in homework
    ]
    if any(proc.wait() != 0 for proc in procs):
        raise SystemExit("a PUT failed")
    seconds = time.perf_counter() - started
    return {
        "uploads_mbps": sum(p.stat().st_size for p in homework) / 1e6 / seconds,
        "uploads_cpu_s": cpu_s(pid) - before,
    }


def best(runs: list[dict[str, Any]], key: str, *, low: bool = False) -> float | None:
    """The best figure of the rounds; None for a load not run."""
    figures = [run[key] for run in runs if key in run]
    return (min if low else max)(figures) if figures else None


def over(amount: float, rate: float | None) -> float | None:
    return None if rate is None else amount / rate


def report(runs: dict[str, list[dict[str, Any]]], args: argparse.Namespace) -> None:
    app, bare, ngx, front = (runs[k] for k in ("app", "bare", "nginx", "offload"))
    dev, plain, slow = runs["dev"], runs["front"], runs["slow"]
    homework_mb = HOMEWORK * 10 * MIB / 1e6
    gib_mb = 1024 * MIB / 1e6
    rows = [
        ("(a) 1 MiB, 64 conns, req/s", best(app, "small_rps"), best(bare, "small_rps"), best(ngx, "small_rps")),
        ("    p99 ms", best(app, "small_p99_ms", low=True), best(bare, "small_p99_ms", low=True),
         best(ngx, "small_p99_ms", low=True)),
        ("(b) 20 MiB, 64 conns, MB/s", best(app, "large_mbps"), best(bare, "large_mbps"), best(ngx, "large_mbps")),
        ("(c) 32 x 10 MiB uploads, s", over(homework_mb, best(app, "uploads_mbps")), None,
         over(homework_mb, best(ngx, "uploads_mbps"))),
        ("    server CPU s", best(app, "uploads_cpu_s", low=True), None, best(ngx, "uploads_cpu_s", low=True)),
        ("(d) /healthz, 8 conns, req/s", best(app, "healthz_rps"), best(bare, "healthz_rps"), None),
        ("(e) first 1 GiB upload, MB/s", over(gib_mb, best(app, "first_s", low=True)), None,
         over(gib_mb, best(ngx, "first_s", low=True))),
        ("    server CPU s", best(app, "first_cpu_s", low=True), None, best(ngx, "first_cpu_s", low=True)),
        ("    SHA-256 alone, MB/s", best(app, "sha256_mbps"), None, over(gib_mb, best(ngx, "first_s", low=True))),
        ("(a) dev.py run, req/s", best(dev, "small_rps"), None, None),
        ("    p99 ms", best(dev, "small_p99_ms", low=True), None, None),
        ("(f) offload 1 MiB, req/s", best(front, "small_rps"), best(bare, "offload_rps"), best(ngx, "small_rps")),
        ("    p99 ms", best(front, "small_p99_ms", low=True), best(bare, "offload_p99_ms", low=True),
         best(ngx, "small_p99_ms", low=True)),
        ("(f) offload 20 MiB, MB/s", best(front, "large_mbps"), None, best(ngx, "large_mbps")),
        ("(f) no offload 1 MiB, req/s", best(plain, "small_rps"), None, best(ngx, "small_rps")),
        ("    p99 ms", best(plain, "small_p99_ms", low=True), None, best(ngx, "small_p99_ms", low=True)),
        ("(f) no offload 20 MiB, MB/s", best(plain, "large_mbps"), None, best(ngx, "large_mbps")),
        ("(g) 1 MiB via nginx alone, req/s", best(slow, "alone_rps"), None, None),
        ("    p99 ms", best(slow, "alone_p99_ms", low=True), None, None),
        ("(g) beside 64 slow uploads, req/s", best(slow, "slow_rps"), None, None),
        ("    p99 ms", best(slow, "slow_p99_ms", low=True), None, None),
        ("CPU ms per request of (a)", best(app, "small_cpu_ms", low=True), best(bare, "small_cpu_ms", low=True), None),
        ("    of (f), the app's", best(front, "small_cpu_ms", low=True), best(bare, "offload_cpu_ms", low=True), None),
    ]  # fmt: skip
    print(
        f"best of {args.rounds} alternating rounds, wrk {args.seconds} s a load; app: gunicorn (config/gunicorn.py); "
        "(f): nginx + app, DOWNLOAD_OFFLOAD=nginx and none"
    )
    print(f"{'load':32}{'app':>10}{'bare':>10}{'nginx':>10}{'app/bare':>10}{'app/nginx':>10}")

    def cell(value: float | None) -> str:
        return f"{value:10.1f}" if value is not None else f"{'-':>10}"

    for label, ours, bare_figure, nginx_figure in rows:
        if ours is None:  # a load not run
            continue
        slower_is_better = label.endswith((" s", "p99 ms")) or "CPU" in label or "the app's" in label
        ratios = [
            None if ref is None else (ref / ours if slower_is_better else ours / ref)
            for ref in (bare_figure, nginx_figure)
        ]
        ratio_cells = "".join(f"{r:10.2f}" if r is not None else f"{'-':>10}" for r in ratios)
        print(f"{label:32}{cell(ours)}{cell(bare_figure)}{cell(nginx_figure)}{ratio_cells}")
    print("(ratios: speed over speed, so above 1 is faster; for s and p99 the reference's over the app's)")
    print(json.dumps(runs))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds; the best of each is kept")
    parser.add_argument("--seconds", type=int, default=6, help="length of each wrk run")
    parser.add_argument("--loads", default="a,b,c,d,e,f,g", help="the loads to run, comma-separated letters")
    args = parser.parse_args()
    loads = set(args.loads.split(","))
    if not loads <= set("abcdefg"):
        parser.error(f"--loads takes letters a to g, not {args.loads}")
    runs: dict[str, list[dict[str, Any]]] = {
        name: [] for name in ("app", "dev", "bare", "nginx", "offload", "front", "slow")
    }
    with tempfile.TemporaryDirectory(dir=ROOT / "bench") as name:
        tmp = Path(name)
        make_file(tmp / SMALL, MIB)
        make_file(tmp / LARGE, 20 * MIB)
        make_file(tmp / "gigabyte.bin", 1024 * MIB)
        for n in range(HOMEWORK):
            make_file(tmp / f"homework-{n:02}.bin", 10 * MIB)
        env = app_env(tmp / "app")
        (tmp / "app").mkdir()
        token = make_user(env)
        with serving(env) as server:
            url = server.url
            for name in (SMALL, LARGE):
                curl(
                    "-X",
                    "PUT",
                    "-H",
                    f"Authorization: Token {token}",
                    "-F",
                    f"file_field=@{tmp / name}",
                    url + "/fm/upload/",
                )
        for i in range(args.rounds):
            runs["app"].append(app_round(tmp, env, token, args.seconds, loads))
            if "a" in loads:
                runs["dev"].append(dev_round(env, args.seconds))
            work = tmp / f"nginx-{i}"
            work.mkdir()
            if loads & {"a", "b", "d", "f"}:
                runs["bare"].append(bare_round(work, tmp, args.seconds, loads))
            runs["nginx"].append(nginx_round(work, tmp, args.seconds, loads))
            if "f" in loads:
                runs["offload"].append(front_round(work, env, args.seconds, "nginx"))
                runs["front"].append(front_round(work, env, args.seconds, "none"))
            if "g" in loads:
                runs["slow"].append(slow_round(tmp, work, env, token, args.seconds))
            shutil.rmtree(work)
    report(runs, args)


if __name__ == "__main__":
    main()
