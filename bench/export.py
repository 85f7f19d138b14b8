#!/usr/bin/env python3
"""Export 300 generated 200 KB photos through fake servers that add 50 ms to every request.

    .venv/bin/python bench/export.py [--photos 300] [--size 200000] [--delay 0.05]

Runs the job twice in a fresh worker process, with EXPORT_PARALLEL_TRANSFERS at its
default and at 1, and prints both wall times, the speed-up and the worker's peak RSS.
The fakes (tests/cloud_export/fakes) run in this process; the worker is a child
process running the same code a Celery worker runs (cloud_export.services.export_job_run)
on its own SQLite database.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def child() -> None:
    """The worker side: migrate a fresh database, create the job, run it, report time and memory."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from cloud_export.crypto import token_encrypt
    from cloud_export.models import ExportJob
    from cloud_export.services import export_job_run, export_request_create

    call_command("migrate", verbosity=0)
    export = export_request_create(
        cloud_type="google_drive", archive_type="webs", folder_name="Bench",
        archive_url=os.environ["BENCH_ARCHIVE_URL"],
        redirect_success_link="https://gallery.example/ok", redirect_fail_link="https://gallery.example/fail",
    )  # fmt: skip
    job = ExportJob.objects.create(
        export_request=export,
        access_token_encrypted=token_encrypt(os.environ["BENCH_ACCESS_TOKEN"]),
        refresh_token_encrypted=token_encrypt(os.environ["BENCH_REFRESH_TOKEN"]),
        token_expires_at=timezone.now() + timedelta(hours=1),
    )
    if os.environ.get("BENCH_TRACEMALLOC"):
        import tracemalloc

        tracemalloc.start(10)
    started = time.perf_counter()
    job = export_job_run(job_id=job.pk)
    seconds = time.perf_counter() - started
    if os.environ.get("BENCH_TRACEMALLOC"):
        for stat in tracemalloc.take_snapshot().statistics("traceback")[:3]:
            print(stat, *stat.traceback.format()[-6:], sep="\n", file=sys.stderr)
    # VmHWM, not ru_maxrss: ru_maxrss survives exec, so it would report the parent's peak (the fakes
    # there hold every photo) whenever that was higher than the worker's own.
    status = Path("/proc/self/status").read_text().splitlines()
    peak_kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    print(
        json.dumps(
            {"seconds": seconds, "peak_rss_mib": peak_kib / 1024, "done": job.done, "failed": job.failed}
        )
    )


def run_once(parallel: int | None, photos: int, size: int, delay: float) -> dict[str, float]:
    from tests.cloud_export.fakes.gallery import FakeGallery
    from tests.cloud_export.fakes.google import FakeGoogle

    gallery, google = FakeGallery().start(), FakeGoogle().start()
    try:
        gallery.add_photos([f"Album {i % 5}/photo_{i:04}.jpg" for i in range(photos)], size=size)
        gallery.server.delay = google.server.delay = delay
        tokens = google.oauth._issue()
        google.oauth.refresh_tokens.add("bench-refresh")
        with tempfile.TemporaryDirectory() as tmp:
            env = {
                **os.environ,
                **google.settings(),
                "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
                "UPLOAD_ROOT": f"{tmp}/files",
                "GALLERY_API_BASE": gallery.server.url,
                "BENCH_ARCHIVE_URL": gallery.archive_url(),
                "BENCH_ACCESS_TOKEN": tokens["access_token"],
                "BENCH_REFRESH_TOKEN": "bench-refresh",
                "LOG_LEVEL": "WARNING",
            }
            if parallel is not None:
                env["EXPORT_PARALLEL_TRANSFERS"] = str(parallel)
            else:
                env.pop("EXPORT_PARALLEL_TRANSFERS", None)
            out = subprocess.run(
                [sys.executable, __file__, "--child"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
        result = json.loads(out.stdout.strip().splitlines()[-1])
        stored = google.tree()
        expected = {
            f"Bench/{name}": gallery.data[pid]
            for pid, name in ((p["id"], p["name"]) for p in gallery.photos.values())
        }
        result["verified"] = stored == expected and sum(google.uploads.values()) == photos
        result["requests"] = len(google.server.log) + len(gallery.server.log)
        return result
    finally:
        gallery.server.stop()
        google.server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--photos", type=int, default=300)
    parser.add_argument("--size", type=int, default=200_000, help="bytes per photo")
    parser.add_argument("--delay", type=float, default=0.05, help="seconds every fake request takes")
    args = parser.parse_args()
    if args.child:
        child()
        return 0
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings

    default = settings.EXPORT_PARALLEL_TRANSFERS
    print(f"{args.photos} photos of {args.size} bytes, {args.delay * 1000:.0f} ms added to every request")
    results = {}
    for label, parallel in ((f"parallel {default} (default)", None), ("parallel 1", 1)):
        result = run_once(parallel, args.photos, args.size, args.delay)
        results[label] = result
        print(
            f"{label:>22}: {result['seconds']:6.2f} s wall, "
            f"{result['done']:.0f} done, {result['failed']:.0f} failed, "
            f"{result['requests']:.0f} requests, worker peak RSS {result['peak_rss_mib']:.1f} MiB, "
            f"cloud contents verified: {result['verified']}"
        )
    first, second = results.values()
    print(f"{'speed-up':>22}: {second['seconds'] / first['seconds']:.2f}x")
    return 0 if all(r["verified"] and r["failed"] == 0 for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
