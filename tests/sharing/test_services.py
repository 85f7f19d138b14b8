"""The download claim of a link: a conditional UPDATE, never a read-modify-write."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import RequestFactory

pytestmark = pytest.mark.django_db


def test_two_downloads_racing_for_the_last_allowed_one_get_it_once(
    alice: Any, store: Callable[..., Any], link_make: Callable[..., Any]
) -> None:
    from sharing.models import ShareLink
    from sharing.services import share_download_claim

    link = link_make(store(alice, "notes.pdf", b"notes"), download_limit=1)
    # Both requests looked the link up while it was live.
    first, second = ShareLink.objects.get(pk=link.pk), ShareLink.objects.get(pk=link.pk)
    request = RequestFactory().get(link.path)

    assert share_download_claim(link=first, request=request, status=200) is True
    assert share_download_claim(link=second, request=request, status=200) is False
    link.refresh_from_db()
    link.file.refresh_from_db()
    assert (link.download_count, link.file.download_count) == (1, 1)
