"""POST /cloud_archive from anyone: links that only look allowed, the per-address rate
limit, and pruning what it leaves behind."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from cloud_export.models import ExportJob, ExportRequest
from cloud_export.services import export_request_create
from tests.cloud_export.helpers import GALLERY_HOST, archive_request

ARCHIVE = "https://arch-d.lite.gallery/g/api/stream/858329/f9d24b1d?mod=web"

pytestmark = pytest.mark.django_db


def post(client: Client, body: dict[str, Any], **extra: Any) -> Any:
    return client.post("/cloud_archive", body, content_type="application/json", **extra)


@pytest.mark.parametrize(
    "link",
    [
        f"https://evil.example\\@{GALLERY_HOST}/",
        f"https://evil.example\\\\{GALLERY_HOST}/ok",
        f"https://user:pw@{GALLERY_HOST}/ok",
        f"https://evil.example@{GALLERY_HOST}/ok",
        f"https://{GALLERY_HOST}/o\tk",
        f"https://{GALLERY_HOST}/o\nk",
    ],
)
@pytest.mark.parametrize("field", ["redirect_success_link", "redirect_fail_link"])
def test_a_link_a_browser_reads_differently_is_refused(export_settings: Any, field: str, link: str) -> None:
    answer = post(Client(), {**archive_request("google_drive", ARCHIVE), field: link})

    assert answer.status_code == 400, answer.content
    assert field in answer.json()
    assert not ExportRequest.objects.exists()


def test_an_allowed_link_still_passes(export_settings: Any) -> None:
    answer = post(Client(), archive_request("google_drive", ARCHIVE))

    assert answer.status_code == 200, answer.content
    assert ExportRequest.objects.count() == 1


def test_one_address_is_rate_limited_with_retry_after(export_settings: Any) -> None:
    export_settings.CLOUD_ARCHIVE_RATE_LIMIT = "3/min"
    client = Client()

    answers = [post(client, archive_request("google_drive", ARCHIVE)) for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert 1 <= int(answers[-1]["Retry-After"]) <= 60
    assert ExportRequest.objects.count() == 3
    # Another address is counted on its own.
    other = post(client, archive_request("google_drive", ARCHIVE), REMOTE_ADDR="10.1.2.3")
    assert other.status_code == 200


def test_a_form_encoded_post_stores_nothing(export_settings: Any) -> None:
    answer = Client().post("/cloud_archive", archive_request("google_drive", ARCHIVE))

    assert answer.status_code == 415
    assert not ExportRequest.objects.exists()


def _request(**fields: Any) -> ExportRequest:
    export = export_request_create(
        cloud_type="google_drive",
        archive_type="webs",
        folder_name="Wedding",
        redirect_success_link=f"https://{GALLERY_HOST}/ok",
        redirect_fail_link=f"https://{GALLERY_HOST}/fail",
        archive_url=ARCHIVE,
    )
    ExportRequest.objects.filter(pk=export.pk).update(**fields)
    return export


def test_the_cleanup_command_prunes_dead_export_requests(settings: Any) -> None:
    settings.CLOUD_ARCHIVE_LINK_TTL_SECONDS = 900
    now = timezone.now()
    expired = _request(expires_at=now - timedelta(seconds=1))
    fresh = _request()
    consent_open = _request(started_at=now - timedelta(seconds=60), expires_at=now - timedelta(seconds=1))
    consent_closed = _request(started_at=now - timedelta(seconds=901), expires_at=now - timedelta(seconds=2))
    with_job = _request(started_at=now - timedelta(days=2), expires_at=now - timedelta(days=2))
    ExportJob.objects.create(export_request=with_job, access_token_encrypted="x")
    out = StringIO()

    call_command("cleanup_uploads", stdout=out)

    kept = set(ExportRequest.objects.values_list("pk", flat=True))
    assert kept == {fresh.pk, consent_open.pk, with_job.pk}
    assert expired.pk not in kept and consent_closed.pk not in kept
    assert "2 expired export requests" in out.getvalue()
