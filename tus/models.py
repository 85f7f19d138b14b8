"""Resumable uploads (tus 1.0.0, CONTRACT section 6): the state of each upload in the
database, so that any web process can take its next PATCH.

An upload holds, from its creation to its end:

- a quota reservation of ``length`` bytes on its owner (``account.services``);
- a ``pending`` row of the file index (``file``), which reserves the name and says
  where the bytes wait: the row's hidden partial file on disk, or on S3 the row's
  multipart upload at the file's key, its recorded ``parts`` and a ``tail`` object
  (``tus.store``) with the bytes after the last whole part.

A finished upload keeps its row (``finished``) until it expires, so that a client
asking for its offset again learns that it is complete.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

# 24 random bytes: 192 bits in 32 URL-safe characters; the id is the only secret
# an upload's URL carries, besides its owner's credentials.
ID_BYTES = 24


def upload_id_new() -> str:
    return secrets.token_urlsafe(ID_BYTES)


def expiry_from(now: datetime) -> datetime:
    return now + timedelta(seconds=settings.TUS_EXPIRY_SECONDS)


class TusUploadQuerySet(models.QuerySet["TusUpload"]):
    def live(self, *, now: datetime | None = None) -> TusUploadQuerySet:
        return self.filter(expires_at__gt=now or timezone.now())

    def expired(self, *, now: datetime | None = None) -> TusUploadQuerySet:
        return self.filter(expires_at__lte=now or timezone.now())

    def unlocked(self, *, now: datetime) -> TusUploadQuerySet:
        """Rows no PATCH holds now (never taken, released, or whose holder's lease ran out)."""
        return self.filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))


class TusUpload(models.Model):
    id = models.CharField(primary_key=True, max_length=64, default=upload_id_new, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tus_uploads")
    # Deleting the stored file (any API) ends what is left of its upload's record too.
    file = models.OneToOneField(
        "upload_center.StoredFile", on_delete=models.CASCADE, related_name="tus_upload"
    )
    length = models.PositiveBigIntegerField()
    offset = models.PositiveBigIntegerField(default=0)
    filename = models.CharField(max_length=255)
    filetype = models.CharField(max_length=255, blank=True)
    # Bytes held on the owner's quota until the upload ends (account.services).
    reserved = models.PositiveBigIntegerField()
    finished = models.BooleanField(default=False)
    # S3 only: the parts sent, in order ({"PartNumber", "ETag", "ChecksumCRC32", "Size"}),
    # and how many bytes after them wait in the tail object.
    parts = models.JSONField(default=list)
    tail_size = models.PositiveBigIntegerField(default=0)
    # Who holds the upload for a PATCH or its end (a random token), and until when:
    # a process that died mid-PATCH leaves a lease that runs out by itself.
    lock_token = models.CharField(max_length=32, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    objects = TusUploadQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["expires_at"])]

    def __str__(self) -> str:
        return f"{self.owner_id}/{self.filename} ({self.offset}/{self.length})"

    @property
    def parts_size(self) -> int:
        return sum(int(part["Size"]) for part in self.parts)

    def state_fields(self) -> dict[str, Any]:
        """What a PATCH changes, for a conditional update of the row."""
        return {"offset": self.offset, "parts": self.parts, "tail_size": self.tail_size}
