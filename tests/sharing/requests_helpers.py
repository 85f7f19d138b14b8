"""Helpers of the file request tests: requests made over the API, files handed in over HTTP."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import quote

import requests
from django.utils import timezone

from tests.sharing.helpers import token_of
from tests.upload_center.helpers import CONTENT_TYPE, multipart


def request_make(server: Any, user: Any, **options: Any) -> dict[str, Any]:
    """A file request made through POST /fm/sharing/requests; its JSON."""
    body = {"title": "Essay 7B", "deadline": (timezone.now() + timedelta(days=7)).isoformat(), **options}
    answer = server.post(
        "/fm/sharing/requests", json=body, headers={"Authorization": f"Token {token_of(user)}"}
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def hand_in(
    visit: requests.Session, url: str, uploader: str, files: list[tuple[str, bytes]], **headers: str
) -> requests.Response:
    """What the page's XHR sends: the files in ``file``, the name in X-Uploader-Name."""
    return visit.post(
        url + "/files",
        data=multipart(files, field="file"),
        headers={"Content-Type": CONTENT_TYPE, "X-Uploader-Name": quote(uploader), **headers},
        timeout=60,
    )


def visit_open(url: str) -> requests.Session:
    """A new browser: it opens the page first, which gives it its visit cookie."""
    visit = requests.Session()
    assert visit.get(url, timeout=30).status_code == 200
    return visit
