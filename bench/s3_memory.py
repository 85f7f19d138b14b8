#!/usr/bin/env python3
"""The HTTP server's memory with S3 storage: idle, after 8 concurrent small downloads,
and after a 200 MiB ZIP of a request's submissions.

    .venv/bin/python bench/s3_memory.py [--zip-mib 200]

Production's HTTP server (gunicorn, one worker process) on a fresh SQLite database,
with moto's S3 server (as `dev.py test` starts it). The files are stored through
`/fm/upload/`; the request and its submissions are written with the ORM. Prints the
worker's RSS (VmRSS) at each step and its peak (VmHWM). Not run in CI.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.servers import serving  # noqa: E402
from bench.upload import app_env, curl, make_file, make_user, proc_rss_kib, shell_answer  # noqa: E402
from dev import start_s3  # noqa: E402

MIB = 1024 * 1024
PARTS = 4  # the ZIP's files


def submissions(env: dict[str, str], names: list[str]) -> str:
    """A file request of the bench user with one submission holding ``names``; its id."""
    script = (
        "from datetime import timedelta; from django.utils import timezone;"
        "from account.models import User; from upload_center.models import StoredFile;"
        "from sharing.models import FileRequest, Submission, SubmissionFile;"
        "u=User.objects.get(username='bench');"
        "r=FileRequest.objects.create(owner=u, title='Essay', deadline=timezone.now()+timedelta(days=1));"
        "s=Submission.objects.create(request=r, uploader='Anna', visit='v1');"
        f"[SubmissionFile.objects.create(submission=s, file=StoredFile.objects.get(owner=u, name=n), original_name=n) for n in {names!r}];"
        "print(r.pk)"
    )
    return shell_answer(env, script)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--zip-mib", type=int, default=200)
    args = parser.parse_args()
    s3, s3_env = start_s3()
    try:
        with tempfile.TemporaryDirectory(dir=ROOT / "bench") as name:
            work = Path(name)
            env = {**app_env(work), **s3_env}
            token = make_user(env)
            auth = f"Authorization: Token {token}"
            make_file(work / "handout.bin", MIB)
            parts = [f"part-{n}.bin" for n in range(PARTS)]
            for part in parts:
                make_file(work / part, args.zip_mib // PARTS * MIB)
            with serving(env) as server:
                for path in ["handout.bin", *parts]:
                    curl(
                        "-X",
                        "PUT",
                        "-H",
                        auth,
                        "-F",
                        f"file_field=@{work / path}",
                        server.url + "/fm/upload/",
                    )
            request_id = submissions(env, parts)
            with serving(env, workers=1) as server:
                (worker,) = server.worker_pids()
                curl(server.url + "/healthz")
                idle = proc_rss_kib(worker, "VmRSS") / 1024
                download = server.url + "/fm/download/bench/handout.bin"
                with ThreadPoolExecutor(8) as pool:
                    list(pool.map(lambda _: curl(download), range(64)))
                after_downloads = proc_rss_kib(worker, "VmRSS") / 1024
                zip_url = f"{server.url}/fm/sharing/requests/{request_id}/zip"
                seconds = curl("-H", auth, zip_url)
                after_zip = proc_rss_kib(worker, "VmRSS") / 1024
                peak = proc_rss_kib(worker, "VmHWM") / 1024
    finally:
        s3.terminate()
        s3.wait()
    print(f"gunicorn worker with S3 (moto): idle {idle:.0f} MiB")
    print(
        f"after 64 downloads of 1 MiB, 8 at once: {after_downloads:.0f} MiB (+{after_downloads - idle:.0f})"
    )
    print(
        f"after a {args.zip_mib} MiB ZIP ({seconds:.1f} s): {after_zip:.0f} MiB (+{after_zip - idle:.0f}); peak {peak:.0f} MiB (+{peak - idle:.0f})"
    )


if __name__ == "__main__":
    main()
