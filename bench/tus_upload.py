#!/usr/bin/env python3
"""A generated file through /tus/ with tuspy, next to the Node reference server.

    .venv/bin/python bench/tus_upload.py [--size-mib 1024] [--rounds 3]

Runs the server of `dev.py run` (uvicorn, config.asgi; fresh SQLite database and
upload folder) and `@tus/server` with `@tus/file-store` (npm registry, installed
into the work folder on first use; Node from Debian, `apt-get install nodejs npm`)
on the same machine. tuspy sends the file to each in 16 MiB PATCHes, alternating,
``--rounds`` times; the best time of each counts. Prints MB/s, the ratio (app over
Node: above 1.0 is faster), each server's peak RSS growth during an upload and the
bytes it wrote to disk per byte uploaded (/proc/<pid>/io). Not run in CI.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tusclient.client import TusClient  # noqa: E402

from bench.upload import (  # noqa: E402
    app_start,
    free_port,
    make_file,
    proc_io_written,
    proc_rss_kib,
    wait_port,
)

MIB = 1024 * 1024
PATCH_SIZE = 16 * MIB
NODE_PACKAGES = ["@tus/server@2.4.5", "@tus/file-store@2.1.1"]
NODE_SERVER = """
import http from "node:http";
import { Server } from "@tus/server";
import { FileStore } from "@tus/file-store";

const [port, directory] = process.argv.slice(2);
const tus = new Server({ path: "/files", datastore: new FileStore({ directory }) });
http.createServer((req, res) => tus.handle(req, res)).listen(Number(port), "127.0.0.1");
"""


def tus_send(url: str, payload: Path, headers: dict[str, str]) -> float:
    uploader = TusClient(url, headers=headers).uploader(
        str(payload), chunk_size=PATCH_SIZE, metadata={"filename": payload.name}
    )
    started = time.perf_counter()
    uploader.upload()
    return time.perf_counter() - started


def measured(pid: int, send: Callable[[], float], size: int) -> dict[str, float]:
    """One upload: seconds, peak RSS growth (MiB) and bytes written per byte."""
    os.sync()  # neither contender pays for the other's writeback
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM from here
    rss_before = proc_rss_kib(pid, "VmRSS")
    written_before = proc_io_written([pid])
    seconds = send()
    os.sync()
    return {
        "seconds": seconds,
        "rss_growth_mib": (proc_rss_kib(pid, "VmHWM") - rss_before) / 1024,
        "written_per_byte": (proc_io_written([pid]) - written_before) / size,
    }


def node_start(work: Path) -> tuple[subprocess.Popen[bytes], str]:
    modules = work / "node"
    modules.mkdir(exist_ok=True)
    (modules / "package.json").write_text(json.dumps({"private": True, "type": "module"}))
    subprocess.run(
        ["npm", "install", "--silent", "--no-audit", "--no-fund", *NODE_PACKAGES], cwd=modules, check=True
    )
    (modules / "server.mjs").write_text(NODE_SERVER)
    files = work / "node-files"
    files.mkdir(exist_ok=True)
    port = free_port()
    server = subprocess.Popen(["node", "server.mjs", str(port), str(files)], cwd=modules)
    wait_port(port)
    return server, f"http://127.0.0.1:{port}/files"


def app_round(
    server: subprocess.Popen[bytes], url: str, token: str, payload: Path, size: int
) -> dict[str, float]:
    auth = {"Authorization": f"Token {token}"}
    result = measured(server.pid, lambda: tus_send(url, payload, auth), size)
    # Space for the next round: the stored file goes.
    subprocess.run(
        ["curl", "-sSf", "-o", "/dev/null", "-X", "DELETE", "-H", f"Authorization: Token {token}",
         url.replace("/tus/", f"/fm/manager/?file_name={payload.name}")],
        check=True,
    )  # fmt: skip
    return result


def node_round(
    server: subprocess.Popen[bytes], url: str, files: Path, payload: Path, size: int
) -> dict[str, float]:
    result = measured(server.pid, lambda: tus_send(url, payload, {}), size)
    for path in files.iterdir():
        path.unlink()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    size = args.size_mib * MIB
    work = Path(tempfile.mkdtemp(prefix="tus-bench-"))
    try:
        payload = work / "payload.bin"
        make_file(payload, size)
        app, app_base, token = app_start(work)
        app_url = app_base + "/tus/"
        node, node_url = node_start(work)
        rounds: dict[str, list[dict[str, float]]] = {"app": [], "node": []}
        try:
            for _ in range(args.rounds):
                rounds["app"].append(app_round(app, app_url, token, payload, size))
                rounds["node"].append(node_round(node, node_url, work / "node-files", payload, size))
        finally:
            for server in (app, node):
                server.terminate()
                server.wait()
        report(rounds, size)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(rounds: dict[str, list[dict[str, float]]], size: int) -> None:
    best = {name: min(results, key=lambda r: r["seconds"]) for name, results in rounds.items()}
    for name, results in rounds.items():
        speeds = ", ".join(f"{size / 1e6 / r['seconds']:.0f}" for r in results)
        b = best[name]
        print(
            f"{name:5} MB/s {speeds} (best {size / 1e6 / b['seconds']:.0f}); "
            f"RSS growth {max(r['rss_growth_mib'] for r in results):.1f} MiB (worst); "
            f"written per byte {max(r['written_per_byte'] for r in results):.3f} (worst)"
        )
    print(
        f"ratio app/node (best of {len(rounds['app'])}): {best['node']['seconds'] / best['app']['seconds']:.2f}"
    )


if __name__ == "__main__":
    main()
