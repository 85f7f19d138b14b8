"""A real Celery worker on RabbitMQ, killed with SIGKILL mid-job, then restarted, finishes the job cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from cloud_export.models import ExportJob
from cloud_export.services import export_job_queue
from tests.cloud_export.fakes.gallery import FakeGallery
from tests.cloud_export.fakes.google import FakeGoogle
from tests.cloud_export.helpers import make_job
from tests.helpers import ROOT, database_url, wait_for

PHOTO_COUNT = 24


def logs_tail(logs: list[Path]) -> Callable[[], str]:
    return lambda: "\n".join(log.read_text()[-4000:] for log in logs)


@pytest.fixture
def worker_queue(export_settings: Any) -> Iterator[str]:
    """A queue of this test's own, so that no other run on the broker takes (or loses) its task."""
    from config.celery import app

    queue = f"cloud-export-crash-{uuid.uuid4().hex[:12]}"
    export_settings.CELERY_TASK_DEFAULT_QUEUE = queue
    app.conf.task_always_eager = False
    yield queue
    with app.connection_for_write() as conn:
        conn.default_channel.queue_delete(queue)


@pytest.mark.rabbitmq
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_job_and_restarted_uploads_nothing_twice(
    export_settings: Any,
    worker_queue: str,
    fake_gallery: FakeGallery,
    fake_google: FakeGoogle,
    tmp_path: Path,
    upload_root: Path,
) -> None:
    photos = fake_gallery.add_photos(
        [f"Album {i % 3}/photo_{i:02}.jpg" for i in range(PHOTO_COUNT)], size=50_000
    )
    # No timing decides where the kill lands: after six answered uploads, the next ones are
    # stored by the cloud but their answers are held until the worker is dead. Each of the
    # two transfer threads then waits on an answer, so at the kill exactly six photos are
    # recorded done and two more are in the cloud that the worker never heard of.
    answers = fake_google.server.hold("POST", r"^/upload/drive/v3/files$", skip=6)
    job = make_job(cloud=fake_google, cloud_type="google_drive", archive_url=fake_gallery.archive_url())
    env = {
        **os.environ,
        **fake_google.settings(),
        "DATABASE_URL": database_url(),
        "UPLOAD_ROOT": str(upload_root),
        "GALLERY_API_BASE": fake_gallery.server.url,
        "CELERY_BROKER_URL": export_settings.CELERY_BROKER_URL,
        "CELERY_TASK_DEFAULT_QUEUE": worker_queue,
        "EXPORT_RETRY_BASE_SECONDS": "0.01",
        # Longer than any wait below: a held upload must not time out before the kill.
        "EXPORT_HTTP_TIMEOUT_SECONDS": "120",
        "EXPORT_PARALLEL_TRANSFERS": "2",
    }
    logs: list[Path] = []

    def start_worker() -> subprocess.Popen[bytes]:
        log = tmp_path / f"worker-{len(logs)}.log"
        logs.append(log)
        command = [
            str(ROOT / ".venv/bin/python"), "-m", "celery", "-A", "config", "worker", "-Q", worker_queue,
            "--pool", "solo", "-l", "info", "--without-gossip", "--without-mingle", "--without-heartbeat",
            "-n", f"{worker_queue}-{len(logs)}@%h",
        ]  # fmt: skip
        with log.open("wb") as out:
            # Its own session, so that SIGKILL reaches the whole worker at once.
            return subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    first = start_worker()
    try:
        export_job_queue(job=job)
        wait_for(
            lambda: answers.held == 2,
            what="two held uploads after six answered ones",
            seconds=90,
            explain=logs_tail(logs),
        )
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
        answers.release.set()
        assert sum(fake_google.uploads.values()) == 8
        assert job.items.filter(state="done").count() == 6
        assert job.items.filter(state="uploading").count() == 2
        assert ExportJob.objects.get().state == "running"

        second = start_worker()
        try:
            wait_for(
                lambda: bool(fake_gallery.done_calls),
                what="the done callback after the restart",
                seconds=120,
                explain=logs_tail(logs),
            )
        finally:
            os.killpg(second.pid, signal.SIGTERM)
            second.wait(30)
    finally:
        answers.release.set()
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)

    assert fake_google.tree() == {f"Wedding/{name}": data for name, data in photos.items()}
    assert set(fake_google.uploads.values()) == {1}, "a photo was uploaded twice"
    assert set(fake_google.folders_made.values()) == {1}, "a folder was made twice"
    assert len(fake_google.folders_made) == 4
    assert [call["failed_photos"] for call in fake_gallery.done_calls] == [0]
    job.refresh_from_db()
    assert (job.state, job.done, job.failed) == ("done", PHOTO_COUNT, 0)
