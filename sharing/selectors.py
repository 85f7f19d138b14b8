"""Reads of share links and of files with their sharing state."""

from __future__ import annotations

from django.db.models import Count, F, QuerySet
from django.utils import timezone

from account.models import User
from sharing.models import ShareLink, SharePolicy, live_q
from upload_center.models import StoredFile


def link_live(*, token: str, used_up_too: bool = False) -> ShareLink | None:
    """The link a /s/ token names while it serves its file; None for every kind of dead
    link (``used_up_too``: a used-up one is returned, for a resumed download)."""
    return (
        ShareLink.objects.live(used_up_too=used_up_too)
        .select_related("file__owner")
        .filter(token=token, file__state=StoredFile.State.STORED)
        .first()
    )


def files_with_sharing(*, owner: User) -> QuerySet[StoredFile]:
    """The owner's files, newest first, each with ``live_links``: its links that still serve,
    and ``file_request``: the id of the request it was handed in to (None: the owner's own)."""
    live = live_q(timezone.now(), prefix="share_links__")
    return (
        StoredFile.objects.stored()
        .filter(owner=owner)
        .annotate(
            live_links=Count("share_links", filter=live), file_request=F("submission__submission__request")
        )
        .order_by("-created_at", "name")
    )


def file_links(*, file: StoredFile) -> QuerySet[ShareLink]:
    return ShareLink.objects.filter(file=file).select_related("file")


def owned_link(*, owner: User, link_id: int) -> ShareLink | None:
    return ShareLink.objects.select_related("file").filter(pk=link_id, file__owner=owner).first()


def share_policy(*, owner: User) -> SharePolicy:
    """The owner's tier's rules; an unsaved one (no default, no maximum) when the admin set none."""
    return SharePolicy.objects.filter(account_id=owner.account_id).first() or SharePolicy(
        account_id=owner.account_id
    )
