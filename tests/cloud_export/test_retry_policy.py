"""One retry policy (cloud_export.retry): the gallery site and the clouds are retried alike.

A transient answer is tried again by the layer that owns it and the export ends well; a
final one is asked once, by every layer together (the runner, then the Celery task).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from cloud_export.models import ExportJob
from cloud_export.services import export_job_run
from cloud_export.tasks import export_job_run_task
from tests.cloud_export.fakes.gallery import ARCHIVE_PATH, FakeGallery
from tests.cloud_export.fakes.google import FakeGoogle
from tests.cloud_export.helpers import make_job

pytestmark = pytest.mark.django_db(transaction=True)

LISTING = re.escape(ARCHIVE_PATH)
UPLOAD = r"^/upload/drive/v3/files$"


@pytest.mark.parametrize("status", [408, 409, 429, 503])
def test_a_transient_answer_from_the_gallery_or_the_cloud_is_tried_again(
    status: int, export_settings: Any, fake_gallery: FakeGallery, fake_google: FakeGoogle
) -> None:
    photos = fake_gallery.add_photos(["a.jpg", "Album/b.jpg"])
    fake_gallery.server.fail("GET", LISTING, status)
    fake_gallery.server.fail("GET", r"^/photos/", status)
    fake_google.server.fail("POST", UPLOAD, status)
    job = make_job(cloud=fake_google, cloud_type="google_drive", archive_url=fake_gallery.archive_url())

    job = export_job_run(job_id=job.pk)

    assert (job.state, job.done, job.failed) == ("done", 2, 0)
    assert fake_google.tree() == {f"Wedding/{name}": data for name, data in photos.items()}
    assert fake_gallery.server.requests_to("GET", LISTING) == 2
    assert [call["failed_photos"] for call in fake_gallery.done_calls] == [0]


@pytest.mark.parametrize("status", [400, 404])
def test_a_final_answer_of_the_listing_is_asked_once_and_stops_the_job(
    status: int, export_settings: Any, fake_gallery: FakeGallery, fake_google: FakeGoogle
) -> None:
    fake_gallery.add_photos(["a.jpg"])
    fake_gallery.server.fail("GET", LISTING, status)
    job = make_job(cloud=fake_google, cloud_type="google_drive", archive_url=fake_gallery.archive_url())

    export_job_run_task.apply(args=[job.pk])

    job = ExportJob.objects.get(pk=job.pk)
    assert job.state == "failed"
    assert f"HTTP {status}" in job.error
    assert fake_gallery.server.requests_to("GET", LISTING) == 1
    assert fake_google.tree() == {}


def test_a_photo_the_gallery_refuses_for_good_fails_after_one_attempt(
    export_settings: Any, fake_gallery: FakeGallery, fake_google: FakeGoogle
) -> None:
    photos = fake_gallery.add_photos(["a.jpg", "b.jpg"])
    refused = min(fake_gallery.photos)
    fake_gallery.server.fail("GET", rf"^/photos/{refused}/", 404, times=10)
    job = make_job(cloud=fake_google, cloud_type="google_drive", archive_url=fake_gallery.archive_url())

    job = export_job_run(job_id=job.pk)

    assert (job.state, job.done, job.failed) == ("done", 1, 1)
    assert job.items.get(state="failed").attempts == 1
    assert fake_gallery.server.requests_to("GET", rf"^/photos/{refused}/") == 1
    assert len(fake_google.tree()) == len(photos) - 1
