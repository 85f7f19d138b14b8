"""Running a job: tokens, permanent errors, the providers' upload modes, and resuming."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client

from cloud_export.models import ExportFolder, ExportItem, ExportJob
from cloud_export.services import export_job_run
from tests.cloud_export.fakes.gallery import FakeGallery
from tests.cloud_export.fakes.google import FakeGoogle
from tests.cloud_export.fakes.yandex import FakeYandex
from tests.cloud_export.helpers import Browser, make_job
from upload_center.models import StoredFile

PHOTOS = ["Photos 1/a.jpg", "Photos 1/b.jpg", "Photos 2/c.jpg", "Photos 2/Sub/d.jpg", "e.jpg"]


@pytest.mark.django_db(transaction=True)
def test_an_expiring_access_token_is_renewed_mid_export(
    export_settings: Any, fake_gallery: FakeGallery, fake_google: FakeGoogle
) -> None:
    photos = fake_gallery.add_photos(PHOTOS)
    fake_google.oauth.access_token_uses = 4  # every token dies after four calls
    job = make_job(cloud=fake_google, cloud_type="google_drive", archive_url=fake_gallery.archive_url())

    export_job_run(job_id=job.pk)

    assert fake_google.tree() == {f"Wedding/{name}": data for name, data in photos.items()}
    assert fake_google.oauth.refreshes >= 3
    assert sum(fake_google.uploads.values()) == len(photos)
    assert [call["failed_photos"] for call in fake_gallery.done_calls] == [0]


@pytest.mark.django_db(transaction=True)
def test_a_token_that_dies_during_every_upload_costs_the_photos_no_attempts(
    export_settings: Any, fake_gallery: FakeGallery, fake_google: FakeGoogle
) -> None:
    # One call per token, one photo at a time: every upload after the first meets a dead
    # token, which cannot be renewed and repeated within a streamed request. Counted as
    # failed attempts, a retry's look for a lost answer would use each fresh token up
    # before the upload, and every photo after the first would fail.
    export_settings.EXPORT_PARALLEL_TRANSFERS = 1
    photos = fake_gallery.add_photos(PHOTOS)
    fake_google.oauth.access_token_uses = 1
    job = make_job(cloud=fake_google, cloud_type="google_drive", archive_url=fake_gallery.archive_url())

    export_job_run(job_id=job.pk)

    assert fake_google.tree() == {f"Wedding/{name}": data for name, data in photos.items()}
    assert list(job.items.values_list("attempts", flat=True)) == [1] * len(photos)
    assert [call["failed_photos"] for call in fake_gallery.done_calls] == [0]


@pytest.mark.django_db(transaction=True)
def test_a_token_that_cannot_be_renewed_stops_the_job_and_fails_the_rest(
    export_settings: Any, fake_gallery: FakeGallery, fake_google: FakeGoogle
) -> None:
    fake_gallery.add_photos(PHOTOS)
    fake_google.oauth.access_token_uses = 6
    fake_google.oauth.refresh_fails = True
    job = make_job(cloud=fake_google, cloud_type="google_drive", archive_url=fake_gallery.archive_url())

    export_job_run(job_id=job.pk)

    job.refresh_from_db()
    done = len(fake_google.tree())
    assert job.state == "failed"
    assert "token refresh failed" in job.error
    assert done < len(PHOTOS)
    assert (job.done, job.failed) == (done, len(PHOTOS) - done)
    assert fake_google.oauth.refreshes == 1, "no retrying a refresh token that was refused"
    assert [call["failed_photos"] for call in fake_gallery.done_calls] == [len(PHOTOS) - done]
    assert all(
        "job stopped" in e for e in job.items.filter(state="failed").values_list("last_error", flat=True)
    )


@pytest.mark.django_db(transaction=True)
def test_a_full_yandex_disk_stops_the_job_at_once(
    export_settings: Any, fake_gallery: FakeGallery, fake_yandex: FakeYandex
) -> None:
    fake_gallery.add_photos(PHOTOS)
    fake_yandex.disk_full = True
    job = make_job(cloud=fake_yandex, cloud_type="yadisk", archive_url=fake_gallery.archive_url())

    export_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.state, job.done, job.failed) == ("failed", 0, len(PHOTOS))
    assert "HTTP 507" in job.error
    assert (
        fake_yandex.server.requests_to("GET", r"^/v1/disk/resources/upload$")
        <= export_settings.EXPORT_PARALLEL_TRANSFERS
    )
    assert [call["failed_photos"] for call in fake_gallery.done_calls] == [len(PHOTOS)]


@pytest.mark.django_db(transaction=True)
def test_yandex_uploads_answered_202_are_polled_until_the_file_is_there(
    export_settings: Any, fake_gallery: FakeGallery, fake_yandex: FakeYandex
) -> None:
    photos = fake_gallery.add_photos(PHOTOS)
    fake_gallery.listing_as_object = True
    fake_yandex.accept_later = True
    job = make_job(cloud=fake_yandex, cloud_type="yadisk", archive_url=fake_gallery.archive_url())

    export_job_run(job_id=job.pk)

    assert fake_yandex.tree() == {f"Wedding/{name}": data for name, data in photos.items()}
    assert ExportJob.objects.get().state == "done"


@pytest.mark.django_db(transaction=True)
def test_a_large_photo_goes_to_google_in_resumable_chunks_of_256_kib_multiples(
    export_settings: Any, fake_gallery: FakeGallery, fake_google: FakeGoogle
) -> None:
    photos = fake_gallery.add_photos(["big/panorama.jpg"], size=9 * 1024 * 1024 + 12345)
    job = make_job(cloud=fake_google, cloud_type="google_drive", archive_url=fake_gallery.archive_url())

    export_job_run(job_id=job.pk)

    assert fake_google.tree() == {f"Wedding/{name}": data for name, data in photos.items()}
    *full, last = fake_google.resumable_chunks
    assert full and all(size % (256 * 1024) == 0 for size in full)
    assert sum(fake_google.resumable_chunks) == len(photos["big/panorama.jpg"])
    assert last < 8 * 1024 * 1024


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fault", ["drop", 503])
def test_a_broken_resumable_chunk_is_resumed_where_the_session_stopped(
    fault: str | int, export_settings: Any, fake_gallery: FakeGallery, fake_google: FakeGoogle
) -> None:
    size = 20 * 1024 * 1024 + 999
    photos = fake_gallery.add_photos(["big/panorama.jpg"], size=size)
    # The second chunk's request breaks off (or is refused) once; the first chunk is in the session.
    fake_google.server.fail("PUT", r"^/upload/drive/v3/files$", fault, skip=1)
    job = make_job(cloud=fake_google, cloud_type="google_drive", archive_url=fake_gallery.archive_url())

    export_job_run(job_id=job.pk)

    assert fake_google.tree() == {f"Wedding/{name}": data for name, data in photos.items()}
    assert fake_google.status_queries == 1
    # One session, each byte stored once: the photo was resumed, not started over.
    assert fake_google.server.requests_to("POST", "/upload/drive/v3/files") == 1
    assert sum(fake_google.resumable_chunks) == size
    assert list(job.items.values_list("attempts", flat=True)) == [1]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("cloud_type", ["google_drive", "yadisk"])
def test_a_resumed_job_uploads_no_photo_twice_and_makes_no_folder_twice(
    cloud_type: str,
    export_settings: Any,
    fake_gallery: FakeGallery,
    fake_google: FakeGoogle,
    fake_yandex: FakeYandex,
) -> None:
    photos = fake_gallery.add_photos(PHOTOS)
    cloud = fake_google if cloud_type == "google_drive" else fake_yandex
    # The first run dies (as a killed worker would) after three photos reached the cloud.
    fake_gallery.server.fail("GET", r"^/photos/", "drop", times=10**6, skip=3)
    export_settings.EXPORT_PARALLEL_TRANSFERS = 1
    job = make_job(cloud=cloud, cloud_type=cloud_type, archive_url=fake_gallery.archive_url())
    export_job_run(job_id=job.pk)
    fake_gallery.server.faults.clear()
    fake_gallery.done_calls.clear()
    # What a SIGKILL leaves: the cloud holds a photo whose row still says "uploading",
    # the folder ids were never saved, and the job still says running.
    first_done = job.items.filter(state="done").order_by("position")
    assert first_done.count() == 3
    first_done.filter(position=first_done.last().position).update(state="uploading", cloud_file_id="")
    job.items.filter(state="failed").update(state="pending", attempts=0)
    ExportFolder.objects.all().delete()
    ExportJob.objects.filter(pk=job.pk).update(state="running", callback_sent_at=None)

    export_job_run(job_id=job.pk)

    assert cloud.tree() == {f"Wedding/{name}": data for name, data in photos.items()}
    assert set(cloud.uploads.values()) == {1}
    assert set(cloud.folders_made.values()) == {1}
    assert len(cloud.folders_made) == 4  # Wedding, Photos 1, Photos 2, Photos 2/Sub
    assert [call["failed_photos"] for call in fake_gallery.done_calls] == [0]


@pytest.mark.django_db(transaction=True)
def test_the_admin_action_retries_a_jobs_failed_photos(
    export_settings: Any, fake_gallery: FakeGallery, fake_google: FakeGoogle, django_user_model: Any
) -> None:
    photos = fake_gallery.add_photos(PHOTOS)
    broken = max(fake_gallery.photos)
    fake_gallery.server.fail("GET", rf"^/photos/{broken}/", 503, times=5)
    job = make_job(cloud=fake_google, cloud_type="google_drive", archive_url=fake_gallery.archive_url())
    export_job_run(job_id=job.pk)
    admin = django_user_model.objects.create_superuser(username="root", password="pw-123456789")
    client = Client()
    client.force_login(admin)

    answer = client.post(
        "/admin/cloud_export/exportjob/",
        {"action": "retry_failed", "_selected_action": [job.pk]},
        follow=True,
    )

    assert answer.status_code == 200
    assert "1 photos queued again." in answer.content.decode()
    assert fake_google.tree() == {f"Wedding/{name}": data for name, data in photos.items()}
    assert [call["failed_photos"] for call in fake_gallery.done_calls] == [1, 0]
    assert (ExportJob.objects.get().done, ExportJob.objects.get().failed) == (len(PHOTOS), 0)


def store_file(user: Any, name: str, data: bytes) -> StoredFile:
    key = f"{user.username}/{name}"
    default_storage.save(key, ContentFile(data))
    return StoredFile.objects.create(
        owner=user,
        name=name,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        state=StoredFile.State.STORED,
    )


@pytest.mark.django_db(transaction=True)
def test_a_drive_user_exports_chosen_files_and_sees_progress_events(
    export_settings: Any, make_user: Any, fake_yandex: FakeYandex, monkeypatch: Any
) -> None:
    events: list[tuple[int, dict[str, Any]]] = []
    monkeypatch.setattr(
        "cloud_export.services.user_event_send", lambda *, user_id, event: events.append((user_id, event))
    )
    alice, bob = make_user(username="alice"), make_user(username="bob")
    files = {name: f"{name} bytes".encode() * 5000 for name in ["report.pdf", "photo.jpg", "notes.txt"]}
    for name, data in files.items():
        store_file(alice, name, data)
    store_file(bob, "secret.txt", b"bob only")
    browser = Browser(Client())
    browser.client.force_login(alice)

    refused = browser.client.post(
        "/cloud_export/drive",
        {"cloud_type": "yadisk", "keys": ["report.pdf", "secret.txt"]},
        content_type="application/json",
    )
    answer = browser.client.post(
        "/cloud_export/drive",
        {"cloud_type": "yadisk", "keys": ["report.pdf", "photo.jpg"]},
        content_type="application/json",
    )
    landed = browser.choose(browser.open_consent(answer.json()["redirect_to"]))

    assert refused.status_code == 400
    assert refused.json() == {"keys": ["secret.txt hasn't existed!"]}
    assert landed == "http://testserver/?export=queued"
    assert fake_yandex.tree() == {
        f"Upload Center/{name}": files[name] for name in ["report.pdf", "photo.jpg"]
    }
    assert {user_id for user_id, _ in events} == {alice.pk}
    job = ExportJob.objects.get()
    assert events[-1][1] == {
        "kind": "EXPORT_PROGRESS",
        "job_id": job.pk,
        "state": "done",
        "total": 2,
        "done": 2,
        "failed": 0,
    }


@pytest.mark.django_db
def test_the_drive_export_needs_a_login(export_settings: Any) -> None:
    answer = Client().post("/cloud_export/drive", {"cloud_type": "yadisk"}, content_type="application/json")

    assert answer.status_code in {401, 403}
    assert not ExportItem.objects.exists()
