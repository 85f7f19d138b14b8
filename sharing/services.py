"""Writes of sharing: links made and revoked, files made private, downloads counted."""

from __future__ import annotations

import hashlib

from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from account.models import User
from config.security import client_address
from sharing.models import Expiry, ShareLink
from sharing.selectors import share_policy
from upload_center.counting import bytes_answered, file_download_count, range_continues
from upload_center.models import StoredFile


def share_link_create(
    *,
    owner: User,
    file: StoredFile,
    label: str = "",
    password: str = "",
    expires_at: Expiry,
    download_limit: int | None = None,
) -> ShareLink:
    """A new link to one of the owner's files; raises ShareRefused for an expiry the tier refuses."""
    expiry = share_policy(owner=owner).expiry(asked=expires_at, now=timezone.now())
    return ShareLink.objects.create(
        file=file,
        label=label,
        password=make_password(password) if password else "",
        expires_at=expiry,
        download_limit=download_limit,
    )


def share_links_revoke(*, links: QuerySet[ShareLink]) -> int:
    """Revokes the links not revoked yet (a revoked link keeps its first time); how many were."""
    return links.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


def share_link_revoke(*, link: ShareLink) -> ShareLink:
    share_links_revoke(links=ShareLink.objects.filter(pk=link.pk))
    link.refresh_from_db()
    return link


def file_private_set(*, file: StoredFile, private: bool) -> StoredFile:
    StoredFile.objects.filter(pk=file.pk).update(private=private)
    file.refresh_from_db()
    return file


# How long a counted download may be resumed without a second count (CONTRACT section 7).
RESUME_SECONDS = 3600


def _resume_key(*, link: ShareLink, request: HttpRequest) -> str:
    # One client: its address and its User-Agent (one school NAT is a whole class),
    # hashed into a short safe key; the ETag, so a changed file is a new download.
    client = f"{client_address(request)}\n{request.headers.get('User-Agent', '')}"
    digest = hashlib.sha256(client.encode()).hexdigest()[:32]
    return f"share-resume:{link.pk}:{link.file.sha256}:{digest}"


def share_download_resumes(*, link: ShareLink, request: HttpRequest) -> bool:
    """The request continues a download of ``link`` this client was counted for within
    the hour (a Range after byte 0): served without a second count, even once that
    download used up the link's limit."""
    return range_continues(request) and cache.get(_resume_key(link=link, request=request)) is not None


def share_download_claim(*, link: ShareLink, request: HttpRequest, status: int) -> bool:
    """Counts an answer of ``status`` on ``link`` (and on its file) when it is a download.

    False when the link died since it was looked up (revoked, expired, or its last
    allowed download taken by another request): the answer must not be sent."""
    if not bytes_answered(request=request, status=status) or share_download_resumes(
        link=link, request=request
    ):
        return True
    with transaction.atomic():
        # Two downloads racing for a link's last allowed one: the conditional UPDATE
        # lets one through, never both (no read-modify-write of the count).
        claimed = ShareLink.objects.live().filter(pk=link.pk).update(download_count=F("download_count") + 1)
        if claimed != 1:
            return False
        file_download_count(file_id=link.file_id)
    cache.set(_resume_key(link=link, request=request), 1, timeout=RESUME_SECONDS)
    return True
