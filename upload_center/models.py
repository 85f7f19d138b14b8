"""The file index: the source of truth for names, sizes, hashes and dates.

Bytes live in Django's default storage (local disk or S3) under
``<username>/<name>``; a row is created as ``pending`` when an upload starts (it
reserves the name and records where partial bytes are) and becomes ``stored``
when the quota is charged. Only stored rows are user files.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class StoredFileQuerySet(models.QuerySet["StoredFile"]):
    def stored(self) -> StoredFileQuerySet:
        return self.filter(state=StoredFile.State.STORED)


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
    created_at = models.DateTimeField(default=timezone.now)

    objects = StoredFileQuerySet.as_manager()

    class Meta:
        constraints = [
            # Also reserves a name while its upload runs, so two uploads cannot both take it.
            models.UniqueConstraint(fields=["owner", "name"], name="one_name_per_owner"),
        ]
        indexes = [models.Index(fields=["state", "created_at"])]

    def __str__(self) -> str:
        return f"{self.owner_id}/{self.name}"

    @property
    def storage_key(self) -> str:
        return f"{self.owner.username}/{self.name}"

    @property
    def etag(self) -> str:
        return f'"{self.sha256}"'
