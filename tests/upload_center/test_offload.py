"""DOWNLOAD_OFFLOAD: the app authorises a download, then nginx (X-Accel-Redirect) or S3
(a 302 to a presigned URL) sends the bytes. Real processes: production's HTTP server (gunicorn), nginx
from Debian with the shipped config, moto's S3 server."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from account.models import User
from tests.helpers import ROOT, ServerProcess, nginx_running
from tests.upload_center.helpers import CONTENT, TRICKY, store
from upload_center.models import StoredFile


@pytest.fixture
def files(make_user: Callable[..., User], transactional_db: None, settings: Any) -> dict[str, StoredFile]:
    owner = make_user(username="kian")
    return {
        "lesson": store(owner, "lesson.pdf", CONTENT),
        "tricky": store(owner, TRICKY, CONTENT[:5000]),
        # Bytes on disk, but the upload has not finished: never served.
        "pending": store(owner, "draft.pdf", CONTENT, state="pending"),
        "gone": store(owner, "gone.pdf", CONTENT, write=False),
    }


@pytest.fixture
def nginx_front(
    local_disk: None,
    start_wsgi_server: Callable[..., ServerProcess],
    tmp_path: Path,
    upload_root: Path,
) -> Iterator[tuple[ServerProcess, str]]:
    """Production's HTTP server with DOWNLOAD_OFFLOAD=nginx on local disk, nginx in front of it."""
    app = start_wsgi_server(DOWNLOAD_OFFLOAD="nginx", S3_BUCKET="")
    upstream = app.url.removeprefix("http://")
    with nginx_running(tmp_path, app_upstream=upstream, ws_upstream=upstream, upload_root=upload_root) as url:
        yield app, url


@pytest.mark.nginx
def test_nginx_sends_the_exact_bytes_with_the_download_headers(
    nginx_front: tuple[ServerProcess, str], files: dict[str, StoredFile]
) -> None:
    _, url = nginx_front
    response = requests.get(url + "/fm/download/kian/lesson.pdf", timeout=30)
    assert response.status_code == 200
    assert response.content == CONTENT
    assert response.headers["Content-Length"] == str(len(CONTENT))
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="lesson.pdf"'
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "sandbox"
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["ETag"] and response.headers["Last-Modified"]
    assert "X-Accel-Redirect" not in response.headers


@pytest.mark.nginx
def test_nginx_answers_a_range_with_206_and_a_tricky_name_with_its_bytes(
    nginx_front: tuple[ServerProcess, str], files: dict[str, StoredFile]
) -> None:
    _, url = nginx_front
    part = requests.get(
        url + "/fm/download/kian/lesson.pdf", headers={"Range": "bytes=1000-4999"}, timeout=30
    )
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 1000-4999/{len(CONTENT)}"
    assert part.content == CONTENT[1000:5000]
    quoted = TRICKY.replace("%", "%25").replace("?", "%3F").replace("#", "%23")
    tricky = requests.get(url + "/fm/download/kian/" + quoted, timeout=30)
    assert tricky.status_code == 200
    assert tricky.content == CONTENT[:5000]
    assert "filename*=utf-8''" in tricky.headers["Content-Disposition"]


@pytest.mark.nginx
@pytest.mark.parametrize("name", ["nobody.pdf", "draft.pdf", "gone.pdf"])
def test_nginx_front_keeps_the_apps_404_for_unknown_pending_and_missing_files(
    nginx_front: tuple[ServerProcess, str], files: dict[str, StoredFile], name: str
) -> None:
    _, url = nginx_front
    response = requests.get(f"{url}/fm/download/kian/{name}", timeout=30)
    assert response.status_code == 404
    assert response.json() == {"detail": f"{name} hasn't existed!"}


@pytest.mark.nginx
def test_the_app_answers_x_accel_redirect_without_a_body_and_nginx_hides_the_prefix(
    nginx_front: tuple[ServerProcess, str], files: dict[str, StoredFile]
) -> None:
    app, url = nginx_front
    response = app.get("/fm/download/kian/lesson.pdf")
    assert response.status_code == 200
    assert response.headers["X-Accel-Redirect"] == "/_protected/kian/lesson.pdf"
    assert response.content == b""
    assert response.headers["ETag"] == files["lesson"].etag
    assert response.headers["Content-Disposition"] == 'attachment; filename="lesson.pdf"'
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Security-Policy"] == "sandbox"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Accept-Ranges" not in response.headers  # nginx adds its own: one, not two
    assert response.headers["Last-Modified"]
    # The internal location answers only the app's redirect, never a client.
    assert requests.get(url + "/_protected/kian/lesson.pdf", timeout=30).status_code == 404


@pytest.mark.s3
def test_s3_redirect_is_followed_to_the_bytes_with_range_and_disposition(
    start_server: Callable[..., ServerProcess], files: dict[str, StoredFile]
) -> None:
    app = start_server(DOWNLOAD_OFFLOAD="s3-redirect")
    redirect = app.get("/fm/download/kian/lesson.pdf", allow_redirects=False)
    assert redirect.status_code == 302
    assert redirect.headers["Location"].startswith(os.environ["S3_ENDPOINT_URL"])
    assert "no-store" in redirect.headers["Cache-Control"]
    full = app.get("/fm/download/kian/lesson.pdf")
    assert full.status_code == 200 and full.content == CONTENT
    assert full.headers["Content-Disposition"] == 'attachment; filename="lesson.pdf"'
    assert full.headers["Content-Type"] == "application/pdf"
    part = app.get("/fm/download/kian/lesson.pdf", headers={"Range": "bytes=1000-4999"})
    assert part.status_code == 206 and part.content == CONTENT[1000:5000]
    for name in ("nobody.pdf", "draft.pdf", "gone.pdf"):
        missing = app.get(f"/fm/download/kian/{name}", allow_redirects=False)
        assert (missing.status_code, missing.json()) == (404, {"detail": f"{name} hasn't existed!"})


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DOWNLOAD_OFFLOAD": "apache"}, "DOWNLOAD_OFFLOAD must be one of"),
        ({"DOWNLOAD_OFFLOAD": "s3-redirect", "S3_BUCKET": ""}, "needs S3 storage"),
        ({"DOWNLOAD_OFFLOAD": "nginx", "S3_BUCKET": "files"}, "with S3 use s3-redirect"),
        ({"DOWNLOAD_OFFLOAD": "nginx", "S3_BUCKET": "", "DOWNLOAD_OFFLOAD_PREFIX": "_protected"}, "PREFIX"),
    ],
)
def test_a_wrong_offload_setting_stops_start_up(env: dict[str, str], message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


@pytest.mark.nginx
def test_a_share_link_sent_by_nginx_keeps_its_no_referrer_policy(
    nginx_front: tuple[ServerProcess, str], files: dict[str, StoredFile]
) -> None:
    # nginx passes few of the app's headers on an X-Accel-Redirect: the template adds this one.
    from sharing.models import TIER_DEFAULT
    from sharing.services import share_link_create

    _, url = nginx_front
    lesson = files["lesson"]
    link = share_link_create(owner=lesson.owner, file=lesson, expires_at=TIER_DEFAULT)
    response = requests.get(f"{url}/s/{link.token}", timeout=30)
    assert (response.status_code, response.content) == (200, CONTENT)
    assert response.headers["Referrer-Policy"] == "no-referrer"
