"""Small things of the pages: the site icon and the cloud export control."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_favicon_ico_leads_to_an_icon(client: Client) -> None:
    response = client.get("/favicon.ico", follow=True)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in b"".join(response.streaming_content)  # type: ignore[attr-defined]


def test_the_drive_page_links_its_icon(client: Client) -> None:
    page = client.get("/").content.decode()
    assert '<link rel="icon" href="/static/drive/favicon.svg" type="image/svg+xml">' in page


def test_save_to_cloud_is_not_offered_when_no_cloud_is_configured(client: Client, settings: Any) -> None:
    settings.GOOGLE_OAUTH_CLIENT_ID = settings.YANDEX_OAUTH_CLIENT_ID = ""
    page = client.get("/").content.decode()
    assert "Save all to cloud" not in page
    assert 'id="export-form"' not in page


@pytest.mark.parametrize("configured", ["GOOGLE", "YANDEX"])
def test_save_to_cloud_is_offered_with_human_cloud_names_when_one_is_configured(
    client: Client, settings: Any, configured: str
) -> None:
    settings.GOOGLE_OAUTH_CLIENT_ID = settings.YANDEX_OAUTH_CLIENT_ID = ""
    setattr(settings, f"{configured}_OAUTH_CLIENT_ID", "client")
    setattr(settings, f"{configured}_OAUTH_CLIENT_SECRET", "secret")
    page = client.get("/").content.decode()
    assert "Save all to cloud" in page
    assert '<option value="google_drive">Google Drive</option>' in page
    assert '<option value="yadisk">Yandex Disk</option>' in page


def test_an_unconfigured_cloud_is_named_for_people(client: Client, settings: Any, make_user: Any) -> None:
    settings.GOOGLE_OAUTH_CLIENT_ID = settings.YANDEX_OAUTH_CLIENT_ID = ""
    client.force_login(make_user())
    response = client.post(
        "/cloud_export/drive", {"cloud_type": "google_drive"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {"cloud_type": ["Export to Google Drive is not configured on this server."]}
