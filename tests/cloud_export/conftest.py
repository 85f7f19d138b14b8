"""Fake Google, Yandex and gallery servers, and settings that point the export at them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from tests.cloud_export.fakes.gallery import FakeGallery
from tests.cloud_export.fakes.google import FakeGoogle
from tests.cloud_export.fakes.yandex import FakeYandex
from tests.cloud_export.helpers import GALLERY_HOST, Browser, archive_request


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
