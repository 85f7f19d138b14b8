"""The whole export as a browser and the gallery site see it, through fake clouds over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from cloud_export.models import ExportItem, ExportJob
from tests.cloud_export.fakes.gallery import FakeGallery
from tests.cloud_export.fakes.google import FakeGoogle
from tests.cloud_export.fakes.yandex import FakeYandex

PHOTOS = ["Photos 1/Test_011.jpg", "Photos 1/Test_012.jpg", "Photos 2/Test_021.jpg", "cover.jpg"]


def cloud_of(cloud_type: str, google: FakeGoogle, yandex: FakeYandex) -> Any:
    return google if cloud_type == "google_drive" else yandex


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("cloud_type", ["google_drive", "yadisk"])
def test_a_gallery_lands_in_its_folders_with_the_right_bytes_and_the_site_hears_of_it(
    cloud_type: str,
    export_settings: Any,
    start_export: Callable[..., str],
    fake_gallery: FakeGallery,
    fake_google: FakeGoogle,
    fake_yandex: FakeYandex,
) -> None:
    photos = fake_gallery.add_photos(PHOTOS)

    landed = start_export(cloud_type, fake_gallery.archive_url())

    cloud = cloud_of(cloud_type, fake_google, fake_yandex)
    assert landed == "https://gallery.example/ok"
    assert cloud.tree() == {f"Wedding/{name}": data for name, data in photos.items()}
    assert fake_gallery.listing_queries == [{"json": "true"}]
    assert len(fake_gallery.done_calls) == 1
    assert {k: fake_gallery.done_calls[0][k] for k in ("cloud_type", "failed_photos", "archive_type")} == {
        "cloud_type": cloud_type,
        "failed_photos": 0,
        "archive_type": "webs",
    }
    job = ExportJob.objects.get()
    assert (job.state, job.total, job.done, job.failed) == ("done", 4, 4, 0)
    assert all(item.cloud_file_id for item in job.items.all())


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("cloud_type", ["google_drive", "yadisk"])
def test_faults_on_first_attempts_change_nothing_in_the_result(
    cloud_type: str,
    export_settings: Any,
    start_export: Callable[..., str],
    fake_gallery: FakeGallery,
    fake_google: FakeGoogle,
    fake_yandex: FakeYandex,
) -> None:
    photos = fake_gallery.add_photos(PHOTOS)
    cloud = cloud_of(cloud_type, fake_google, fake_yandex)
    upload = r"^/upload/drive/v3/files$" if cloud_type == "google_drive" else r"^/upload-target/"
    check = r"^/drive/v3/files/" if cloud_type == "google_drive" else r"^/v1/disk/resources$"
    cloud.server.fail("POST" if cloud_type == "google_drive" else "PUT", upload, 429)
    cloud.server.fail("POST" if cloud_type == "google_drive" else "PUT", upload, 503)
    cloud.server.fail("POST" if cloud_type == "google_drive" else "PUT", upload, "drop")
    cloud.server.fail("GET", check, "timeout")
    fake_gallery.server.fail("GET", r"^/photos/", 500)
    fake_gallery.server.fail("GET", r"^/photos/", "drop")
    fake_gallery.server.fail("GET", r"/g/api/stream/", 502)
    fake_gallery.server.fail("POST", r"^/cloud_archive/done$", 503, times=2)
    corrupted = next(iter(fake_gallery.photos))
    fake_gallery.corrupt[corrupted] = 1

    landed = start_export(cloud_type, fake_gallery.archive_url())

    assert landed == "https://gallery.example/ok"
    assert cloud.tree() == {f"Wedding/{name}": data for name, data in photos.items()}
    assert [call["failed_photos"] for call in fake_gallery.done_calls] == [0]
    assert fake_gallery.server.requests_to("POST", r"^/cloud_archive/done$") == 3
    uploads = cloud.uploads.values()
    assert sum(uploads) == len(photos), "each photo stored exactly once"
    job = ExportJob.objects.get()
    assert (job.state, job.done, job.failed) == ("done", 4, 0)
    assert sum(job.items.values_list("attempts", flat=True)) > len(photos)
    corrupted_name = fake_gallery.photos[corrupted]["name"].rpartition("/")[2]
    # Its corrupted bytes were refused before the upload completed: stored once, on a later attempt.
    assert job.items.get(name=corrupted_name).attempts >= 2
    assert any(outcome == "incomplete" for _, _, outcome in cloud.server.log)


@pytest.mark.django_db(transaction=True)
def test_a_photo_that_fails_all_five_attempts_counts_as_failed(
    export_settings: Any, start_export: Callable[..., str], fake_gallery: FakeGallery, fake_google: FakeGoogle
) -> None:
    photos = fake_gallery.add_photos(PHOTOS)
    broken = fake_gallery.photos[max(fake_gallery.photos)]
    fake_gallery.server.fail("GET", rf"^/photos/{broken['id']}/", 500, times=5)

    start_export("google_drive", fake_gallery.archive_url())

    assert [call["failed_photos"] for call in fake_gallery.done_calls] == [1]
    assert set(fake_google.tree()) == {f"Wedding/{name}" for name in photos if name != broken["name"]}
    item = ExportItem.objects.get(name=broken["name"].rpartition("/")[2])
    assert (item.state, item.attempts) == ("failed", 5)
    assert "HTTP 500" in item.last_error
    assert fake_gallery.server.requests_to("GET", rf"^/photos/{broken['id']}/") == 5
