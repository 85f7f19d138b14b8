"""Export requests, jobs and their photos (CONTRACT section 4).

A request is what the gallery site (or a drive user) asked for; it becomes a job
once the user has granted access to a cloud. A job has one item per photo, so a
worker that dies mid-job resumes where the rows say it stopped.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone


class CloudType(models.TextChoices):
    GOOGLE_DRIVE = "google_drive", "Google Drive"
    YADISK = "yadisk", "Yandex Disk"


class ArchiveType(models.TextChoices):
    WEBS = "webs", "Web-size photos"
    ORIGINALS = "originals", "Originals"


def _secret() -> str:
    return secrets.token_urlsafe(32)


class ExportRequest(models.Model):
    """A single-use start link; its OAuth state binds the provider's answer to it."""

    cloud_type = models.CharField(max_length=20, choices=CloudType.choices)
    archive_type = models.CharField(max_length=20, choices=ArchiveType.choices, default=ArchiveType.ORIGINALS)
    # The cloud folder the export goes into: the gallery's name, or a drive user's choice.
    folder_name = models.CharField(max_length=255)
    # Empty for a drive user's export of their own files.
    archive_url = models.URLField(max_length=2000, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="export_requests",
    )
    # Keys of the owner's files to export; empty means all of them.
    file_keys = models.JSONField(default=list, blank=True)
    redirect_success_link = models.CharField(max_length=2000)
    redirect_fail_link = models.CharField(max_length=2000)
    start_token = models.CharField(max_length=64, unique=True, default=_secret)
    # The OAuth ``state`` parameter: a secret that binds the provider's answer to this request.
    oauth_state = models.CharField(max_length=64, unique=True, default=_secret)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.folder_name} to {self.cloud_type}"


class ExportJob(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Stopped by an error"

    export_request = models.OneToOneField(ExportRequest, on_delete=models.CASCADE, related_name="job")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    # Tokens are Fernet-encrypted with FIELD_ENCRYPTION_KEY (cloud_export.crypto).
    access_token_encrypted = models.TextField()
    refresh_token_encrypted = models.TextField(blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    cloud_account = models.CharField(max_length=255, blank=True)
    listed = models.BooleanField(default=False, help_text="Items were created from the listing.")
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    callback_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"job {self.pk}: {self.export_request}"

    @property
    def is_gallery_export(self) -> bool:
        return bool(self.export_request.archive_url)


class ExportFolder(models.Model):
    """The cloud id of a folder made (or found) for a job, so a resumed job never makes it again."""

    job = models.ForeignKey(ExportJob, on_delete=models.CASCADE, related_name="folders")
    path = models.CharField(max_length=1000)
    cloud_id = models.CharField(max_length=1000)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "path"], name="one_folder_per_job_path")]

    def __str__(self) -> str:
        return self.path or "(gallery folder)"


class ExportItem(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        UPLOADING = "uploading", "Uploading"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    job = models.ForeignKey(ExportJob, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    folder = models.CharField(max_length=1000, blank=True, help_text="Album path inside the gallery folder.")
    name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    # Gallery photos: the URL and CRC-32 from the listing; drive files: the storage key and SHA-256.
    source_url = models.URLField(max_length=2000, blank=True)
    storage_key = models.CharField(max_length=1000, blank=True)
    crc32 = models.CharField(max_length=8, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    cloud_file_id = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["position"]
        indexes = [models.Index(fields=["job", "state"])]

    def __str__(self) -> str:
        return f"{self.folder}/{self.name}" if self.folder else self.name
