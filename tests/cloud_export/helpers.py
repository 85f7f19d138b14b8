"""Helpers of the export's tests: the gallery's request, a browser through the consent
page, and jobs as the OAuth callback leaves them."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import requests
from django.test import Client

GALLERY_HOST = "gallery.example"


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
