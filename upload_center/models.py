"""The file index: the source of truth for names, sizes, hashes and dates.

Bytes live in Django's default storage (local disk or S3) under
``<username>/<name>`` (``<username>/<storage_name>`` once a Replace gave a file the bytes
of its re-upload); a row is created as ``pending`` when an upload starts (it
reserves the name and records where partial bytes are) and becomes ``stored``
when the quota is charged. Only stored rows are user files.

Until then the bytes are the upload's own: a hidden file ``<username>/<partial_name>``
on disk, or an S3 multipart upload (``s3_upload_id``) not yet completed. They reach
``<username>/<name>`` only in the transaction that marks the row stored, so an upload
that is cancelled (or cleaned up) can never remove bytes of a file that took its name.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

# Hidden names (leading dot) mark temporary files to every tool that lists storage.
PARTIAL_PREFIX = ".upload-"


def partial_name_new() -> str:
    """A hidden name no other upload will pick (and no client can guess)."""
    return f"{PARTIAL_PREFIX}{uuid.uuid4().hex}"


class StoredFileQuerySet(models.QuerySet["StoredFile"]):
    def stored(self) -> StoredFileQuerySet:
        return self.filter(state=StoredFile.State.STORED)

    def pending(self) -> StoredFileQuerySet:
        """Rows of uploads still in progress: they reserve a name but are not user files."""
        return self.filter(state=StoredFile.State.PENDING)


class StoredFile(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Uploading"
        STORED = "stored", "Stored"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    # The S3 multipart upload in progress, so a cleanup can abort what a killed process left.
    s3_upload_id = models.CharField(max_length=1024, blank=True)
    # The hidden file in the owner's folder that holds the bytes on disk while pending.
    partial_name = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Downloads by /fm/download/ and share links; a Range request after the first byte is
    # the rest of a counted one (upload_center.counting).
    download_count = models.PositiveBigIntegerField(default=0)
    # Served only through its share links: /fm/download/ answers 404 (selectors.file_public).
    private = models.BooleanField(default=False)
    # The name of its bytes in the owner's folder when it is not ``name`` (empty: ``name``).
    # A Replace (services.file_replace) gives a file the bytes its re-upload stored under a
    # suffixed name, where they are: nothing moves in storage, the switch is this column.
    # Its default is the database's too: code of before this column (a process not yet
    # restarted during a deploy) still inserts rows.
    storage_name = models.CharField(max_length=255, blank=True, default="", db_default="")

    objects = StoredFileQuerySet.as_manager()

    class Meta:
        constraints = [
            # Also reserves a name while its upload runs, so two uploads cannot both take it.
            models.UniqueConstraint(fields=["owner", "name"], name="one_name_per_owner"),
            # One row per key of bytes: a new upload cannot take the name whose bytes a
            # replaced file holds (its row then suffixes the name, as for a taken one).
            models.UniqueConstraint(
                F("owner"),
                Coalesce(NullIf(F("storage_name"), Value("")), F("name")),
                name="one_storage_key_per_owner",
            ),
        ]
        indexes = [models.Index(fields=["state", "created_at"])]

    def __str__(self) -> str:
        return f"{self.owner_id}/{self.name}"

    @property
    def bytes_name(self) -> str:
        """The name of its bytes in the owner's folder (see ``storage_name``)."""
        return self.storage_name or self.name

    @property
    def storage_key(self) -> str:
        return f"{self.owner.username}/{self.bytes_name}"

    @property
    def partial_key(self) -> str:
        """Where the bytes of a pending upload are on disk (empty for rows made before partial names)."""
        return f"{self.owner.username}/{self.partial_name}" if self.partial_name else ""

    @property
    def etag(self) -> str:
        return f'"{self.sha256}"'
