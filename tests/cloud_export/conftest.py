"""Fake Google, Yandex and gallery servers, and settings that point the export at them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from django.test import Client

from tests.cloud_export.fakes.gallery import FakeGallery
from tests.cloud_export.fakes.google import FakeGoogle
from tests.cloud_export.fakes.yandex import FakeYandex

GALLERY_HOST = "gallery.example"


@pytest.fixture
def fake_google() -> Iterator[FakeGoogle]:
    fake = FakeGoogle().start()
    yield fake
    fake.server.stop()


@pytest.fixture
def fake_yandex() -> Iterator[FakeYandex]:
    fake = FakeYandex().start()
    yield fake
    fake.server.stop()


@pytest.fixture
def fake_gallery() -> Iterator[FakeGallery]:
    fake = FakeGallery().start()
    yield fake
    fake.server.stop()


@pytest.fixture
def export_settings(
    settings: Any, fake_google: FakeGoogle, fake_yandex: FakeYandex, fake_gallery: FakeGallery
) -> Iterator[Any]:
    """Settings for exports through the fakes, with short delays, and Celery tasks run in-process."""
    for name, value in {**fake_google.settings(), **fake_yandex.settings()}.items():
        setattr(settings, name, value)
    settings.SOCIAL_AUTH_GOOGLE_OAUTH2_KEY = settings.GOOGLE_OAUTH_CLIENT_ID
    settings.SOCIAL_AUTH_GOOGLE_OAUTH2_SECRET = settings.GOOGLE_OAUTH_CLIENT_SECRET
    settings.SOCIAL_AUTH_YANDEX_OAUTH2_KEY = settings.YANDEX_OAUTH_CLIENT_ID
    settings.SOCIAL_AUTH_YANDEX_OAUTH2_SECRET = settings.YANDEX_OAUTH_CLIENT_SECRET
    settings.GALLERY_API_BASE = fake_gallery.server.url
    settings.CLOUD_ARCHIVE_ALLOWED_REDIRECT_HOSTS = [GALLERY_HOST]
    settings.CORS_ALLOWED_ORIGIN_REGEXES = [rf"^https?://{re.escape(GALLERY_HOST)}(:\d+)?$"]
    settings.EXPORT_RETRY_BASE_SECONDS = 0.01
    settings.EXPORT_HTTP_TIMEOUT_SECONDS = 1.0
    for fake in (fake_google, fake_yandex, fake_gallery):
        fake.server.timeout_sleep = 2.0
    from config.celery import app

    before = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield settings
    app.conf.task_always_eager, app.conf.task_eager_propagates = before


def archive_request(cloud_type: str, archive_url: str, **overrides: str) -> dict[str, str]:
    return {
        "redirect_success_link": f"https://{GALLERY_HOST}/ok",
        "redirect_fail_link": f"https://{GALLERY_HOST}/fail",
        "archive_url": archive_url,
        "gallery_name": "Wedding",
        "archive_type": "webs",
        "cloud_type": cloud_type,
        **overrides,
    }


class Browser:
    """Follows the export's redirects as a browser would: our pages through the Django client
    (with its cookies), the provider's consent page over real HTTP."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def open_consent(self, redirect_to: str) -> str:
        """Open ``redirect_to``; the provider's consent page HTML."""
        start = self.client.get(urlsplit(redirect_to).path)
        assert start.status_code == 302, start.content
        consent = requests.get(start["Location"], timeout=5)
        assert consent.status_code == 200, consent.text
        return consent.text

    def choose(self, consent_page: str, button: str = "allow") -> str:
        """Click ``allow`` or ``deny`` on the consent page; where our callback sends the browser."""
        link = re.search(rf'id="{button}" href="([^"]+)"', consent_page)
        assert link, consent_page
        return self.callback(link.group(1))

    def callback(self, url: str) -> str:
        parts = urlsplit(url)
        answer = self.client.get(f"{parts.path}?{parts.query}")
        assert answer.status_code in {302, 400}, answer.content
        return answer.get("Location", f"HTTP {answer.status_code}")


@pytest.fixture
def browser() -> Browser:
    return Browser(Client())


@pytest.fixture
def start_export(browser: Browser) -> Callable[..., str]:
    """POST /cloud_archive, open the link, allow: where the browser ends up."""

    def start(cloud_type: str, archive_url: str, **overrides: str) -> str:
        answer = browser.client.post(
            "/cloud_archive",
            archive_request(cloud_type, archive_url, **overrides),
            content_type="application/json",
        )
        assert answer.status_code == 200, answer.content
        return browser.choose(browser.open_consent(answer.json()["redirect_to"]))

    return start


def make_job(
    *, cloud: Any, cloud_type: str, archive_url: str = "", owner: Any = None, file_keys: tuple[str, ...] = ()
) -> Any:
    """A job as the OAuth callback leaves it, with live tokens from the fake provider."""
    from datetime import timedelta

    from django.utils import timezone

    from cloud_export.crypto import token_encrypt
    from cloud_export.models import ExportJob
    from cloud_export.services import export_request_create

    export = export_request_create(
        cloud_type=cloud_type,
        archive_type="originals",
        folder_name="Wedding",
        archive_url=archive_url,
        owner=owner,
        file_keys=file_keys,
        redirect_success_link=f"https://{GALLERY_HOST}/ok",
        redirect_fail_link=f"https://{GALLERY_HOST}/fail",
    )
    issued = cloud.oauth._issue()
    refresh = f"refresh-for-job-{export.pk}"
    cloud.oauth.refresh_tokens.add(refresh)
    return ExportJob.objects.create(
        export_request=export,
        access_token_encrypted=token_encrypt(issued["access_token"]),
        refresh_token_encrypted=token_encrypt(refresh),
        token_expires_at=timezone.now() + timedelta(hours=1),
    )
