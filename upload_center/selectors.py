"""Reads of the file index."""

from __future__ import annotations

from django.db.models import QuerySet

from account.models import User
from upload_center.models import StoredFile


def file_names(*, owner: User) -> list[str]:
    return sorted(StoredFile.objects.stored().filter(owner=owner).values_list("name", flat=True))


def files_newest_first(*, owner: User) -> QuerySet[StoredFile]:
    return StoredFile.objects.stored().filter(owner=owner).order_by("-created_at", "name")


def file_public(*, username: str, name: str) -> StoredFile | None:
    """A stored file by its public path; pending uploads are not visible."""
    return (
        StoredFile.objects.stored()
        .select_related("owner")
        .filter(owner__username=username, name=name)
        .first()
    )


def public_download_row(*, username: str, name: str) -> StoredFile | None:
    """The file /fm/download/ serves at this path: a private one only through its share links."""
    row = file_public(username=username, name=name)
    return None if row is None or row.private else row
