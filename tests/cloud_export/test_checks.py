"""A photo counts as exported only when its bytes matched the listing and the cloud confirmed them.

Each case has one photo and one fault, so nothing else (another fault, the order of
parallel transfers) can take the place of the check that the case is about.
"""

from __future__ import annotations

from typing import Any

import pytest

from cloud_export.services import export_job_run
from tests.cloud_export.fakes.gallery import FakeGallery
from tests.cloud_export.fakes.google import FakeGoogle
from tests.cloud_export.fakes.yandex import FakeYandex
from tests.cloud_export.helpers import make_job

pytestmark = pytest.mark.django_db(transaction=True)


def cloud_of(cloud_type: str, google: FakeGoogle, yandex: FakeYandex) -> Any:
    return google if cloud_type == "google_drive" else yandex


@pytest.mark.parametrize("cloud_type", ["google_drive", "yadisk"])
def test_a_copy_the_cloud_confirms_with_a_wrong_size_is_uploaded_again(
    cloud_type: str,
    export_settings: Any,
    fake_gallery: FakeGallery,
    fake_google: FakeGoogle,
    fake_yandex: FakeYandex,
) -> None:
    photos = fake_gallery.add_photos(["Photos 1/a.jpg"])
    cloud = cloud_of(cloud_type, fake_google, fake_yandex)
    cloud.short_stores = 1
    job = make_job(cloud=cloud, cloud_type=cloud_type, archive_url=fake_gallery.archive_url())

    export_job_run(job_id=job.pk)

    # The first copy was one byte short: only asking the cloud again (verify) shows it.
    assert cloud.tree() == {f"Wedding/{name}": data for name, data in photos.items()}
    assert sum(cloud.uploads.values()) == 2
    item = job.items.get()
    assert (item.state, item.attempts) == ("done", 2)
    assert [call["failed_photos"] for call in fake_gallery.done_calls] == [0]


def test_a_photo_the_cloud_always_stores_wrong_ends_failed(
    export_settings: Any, fake_gallery: FakeGallery, fake_google: FakeGoogle
) -> None:
    fake_gallery.add_photos(["Photos 1/a.jpg"])
    fake_google.short_stores = 10**6
    job = make_job(cloud=fake_google, cloud_type="google_drive", archive_url=fake_gallery.archive_url())

    export_job_run(job_id=job.pk)

    item = job.items.get()
    assert (item.state, item.attempts) == ("failed", 5)
    assert "the cloud has 19999 bytes" in item.last_error
    assert sum(fake_google.uploads.values()) == 5
    assert fake_google.tree() == {}, "every wrong copy is deleted"
    job.refresh_from_db()
    assert (job.state, job.done, job.failed) == ("done", 0, 1)
    assert [call["failed_photos"] for call in fake_gallery.done_calls] == [1]


def test_bytes_that_do_not_match_the_listed_crc_never_complete_an_upload(
    export_settings: Any, fake_gallery: FakeGallery, fake_google: FakeGoogle
) -> None:
    photos = fake_gallery.add_photos(["Photos 1/a.jpg"])
    # The first read of the photo has one byte changed; the size is right, so only the
    # CRC-32 of the listing tells. The cloud's MD5 is of the bytes sent, so it agrees.
    fake_gallery.corrupt[next(iter(fake_gallery.photos))] = 1
    job = make_job(cloud=fake_google, cloud_type="google_drive", archive_url=fake_gallery.archive_url())

    export_job_run(job_id=job.pk)

    assert fake_google.tree() == {f"Wedding/{name}": data for name, data in photos.items()}
    assert sum(fake_google.uploads.values()) == 1
    assert [outcome for method, _, outcome in fake_google.server.log if method == "POST"].count(
        "incomplete"
    ) == 1, "the corrupted upload broke off before its end"
    item = job.items.get()
    assert (item.state, item.attempts) == ("done", 2)


def test_a_photo_whose_bytes_never_match_the_listed_crc_ends_failed(
    export_settings: Any, fake_gallery: FakeGallery, fake_google: FakeGoogle
) -> None:
    fake_gallery.add_photos(["Photos 1/a.jpg"])
    fake_gallery.corrupt[next(iter(fake_gallery.photos))] = 10**6
    job = make_job(cloud=fake_google, cloud_type="google_drive", archive_url=fake_gallery.archive_url())

    export_job_run(job_id=job.pk)

    item = job.items.get()
    assert (item.state, item.attempts) == ("failed", 5)
    assert "CRC-32 mismatch" in item.last_error
    assert fake_google.tree() == {}
    assert [call["failed_photos"] for call in fake_gallery.done_calls] == [1]
