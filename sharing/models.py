"""Share links of stored files, and each tier's rules for their expiry.

A link is ``/s/<token>``; it serves its file while it is live: not revoked, not
expired and under its download limit (``live_q``, the one statement of that rule,
used by the lookup and by the conditional update that counts a download).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Literal

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from account.models import Account, megabytes
from sharing.errors import ShareRefused
from upload_center.models import StoredFile

# token_urlsafe(32): 256 random bits as 43 URL-safe characters.
TOKEN_BYTES = 32
MAX_EXPIRY_DAYS = 36500
TIER_DEFAULT: Literal["tier default"] = "tier default"
Expiry = datetime | None | Literal["tier default"]


def token_new() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def live_q(now: datetime, prefix: str = "", *, used_up_too: bool = False) -> Q:
    """Links that serve their file at ``now``; ``prefix`` reaches them from another model.
    ``used_up_too``: also those whose download limit is used up (a counted download of
    them may still be resumed)."""
    p = prefix
    not_used_up = Q(**{f"{p}download_count__lt": F(f"{p}download_limit")})
    live = Q(**{f"{p}revoked_at__isnull": True}) & (
        Q(**{f"{p}expires_at__isnull": True}) | Q(**{f"{p}expires_at__gt": now})
    )
    return live if used_up_too else live & (Q(**{f"{p}download_limit__isnull": True}) | not_used_up)


class SharePolicy(models.Model):
    """A tier's expiry rules for new links. A tier without one: no default, no maximum."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="share_policy")
    default_expiry_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_EXPIRY_DAYS)],
        help_text="Days a new link lives when its owner sets no expiry. Empty: the maximum, or never.",
    )
    max_expiry_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_EXPIRY_DAYS)],
        help_text="The longest a link may live, in days. Empty: no maximum (links may never expire).",
    )

    class Meta:
        verbose_name_plural = "share policies"

    def __str__(self) -> str:
        return f"Sharing rules of {self.account}"

    def clean(self) -> None:
        default, maximum = self.default_expiry_days, self.max_expiry_days
        if default and maximum and default > maximum:
            raise ValidationError({"default_expiry_days": "The default may not exceed the maximum."})

    def expiry(self, *, asked: Expiry, now: datetime) -> datetime | None:
        """The expiry a new link gets; raises ShareRefused for one the tier does not allow."""
        latest = now + timedelta(days=self.max_expiry_days) if self.max_expiry_days else None
        if asked == TIER_DEFAULT:
            days = self.default_expiry_days or self.max_expiry_days
            return now + timedelta(days=days) if days else None
        if asked is None:
            if latest is not None:
                raise ShareRefused(f"Links of your tier must expire within {self.max_expiry_days} days.")
            return None
        if asked <= now:
            raise ShareRefused("The expiry must be in the future.")
        if latest is not None and asked > latest:
            raise ShareRefused(f"Links of your tier must expire within {self.max_expiry_days} days.")
        return asked


class ShareLinkQuerySet(models.QuerySet["ShareLink"]):
    def live(self, now: datetime | None = None, *, used_up_too: bool = False) -> ShareLinkQuerySet:
        return self.filter(live_q(now or timezone.now(), used_up_too=used_up_too))


class ShareLink(models.Model):
    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        EXPIRED = "expired", "Expired"
        REVOKED = "revoked", "Revoked"
        USED_UP = "used_up", "Download limit reached"

    file = models.ForeignKey(StoredFile, on_delete=models.CASCADE, related_name="share_links")
    # Kept readable (not hashed) so its owner can copy the link again later, as
    # Nextcloud and Seafile allow: whoever reads the database can read the files' own
    # rows and, in practice, their storage as well.
    token = models.CharField(max_length=64, unique=True, default=token_new)
    label = models.CharField(max_length=100, blank=True, help_text="Whom the link is for, e.g. a class.")
    password = models.CharField(max_length=128, blank=True, help_text="Django's password hash; empty: none.")
    expires_at = models.DateTimeField(null=True, blank=True)
    download_limit = models.PositiveIntegerField(null=True, blank=True)
    download_count = models.PositiveIntegerField(default=0)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ShareLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.file} ({self.label or self.pk})"

    @property
    def path(self) -> str:
        return f"/s/{self.token}"

    @property
    def has_password(self) -> bool:
        return bool(self.password)

    def password_matches(self, raw: str) -> bool:
        return bool(self.password) and check_password(raw, self.password)

    def state(self, now: datetime | None = None) -> ShareLink.State:
        """For people (the drive, the admin); serving asks the database with live_q."""
        if self.revoked_at is not None:
            return self.State.REVOKED
        if self.expires_at is not None and self.expires_at <= (now or timezone.now()):
            return self.State.EXPIRED
        if self.download_limit is not None and self.download_count >= self.download_limit:
            return self.State.USED_UP
        return self.State.ACTIVE


# --- file requests (upload-only links, /r/<token>) ---------------------------------
UPLOADER_NAME_MAX = 60
REQUEST_FULL = "This request is full: it takes no more files. Let its owner know."


class FileRequest(models.Model):
    """An upload-only link: anyone holding ``/r/<token>`` may hand in files until the
    deadline; the files land in the owner's space, charged to the owner's quota."""

    class State(models.TextChoices):
        OPEN = "open", "Open"
        PAST_DEADLINE = "past_deadline", "Past its deadline"
        CLOSED = "closed", "Closed by its owner"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="file_requests"
    )
    title = models.CharField(max_length=100)
    # Readable, as share links' tokens: the owner copies the link again later.
    token = models.CharField(max_length=64, unique=True, default=token_new)
    deadline = models.DateTimeField()
    size_limit = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Bytes one uploader (one visit) may hand in; empty: no limit."
    )
    extensions = models.CharField(
        max_length=200, blank=True, help_text="Allowed extensions, lower case, space-separated; empty: any."
    )
    instructions = models.TextField(max_length=2000, blank=True, help_text="Shown on the hand-in page.")
    # Caps on everything handed in, whoever sent it: a leaked link cannot fill the owner's space.
    total_size_limit = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Bytes all uploaders together may hand in; empty: no cap."
    )
    total_files_limit = models.PositiveIntegerField(
        null=True, blank=True, help_text="Files all uploaders together may hand in; empty: no cap."
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.title} ({self.owner_id})"

    @property
    def path(self) -> str:
        return f"/r/{self.token}"

    @property
    def owner_display_name(self) -> str:
        return self.owner.get_full_name() or self.owner.username

    @property
    def extension_list(self) -> list[str]:
        return self.extensions.split()

    def extension_allowed(self, name: str) -> bool:
        suffix = name.rsplit(".", 1)[1].lower() if "." in name.lstrip(".") else ""
        return not self.extensions or suffix in self.extension_list

    def extension_refusal(self) -> str:
        allowed = ", ".join(f".{ext}" for ext in self.extension_list)
        return f"This request accepts only these kinds of files: {allowed}."

    def size_limit_refusal(self) -> str:
        return f"You can hand in at most {megabytes(self.size_limit or 0)} Megabytes to this request!"

    def hand_in_refusal(
        self, *, size: int, by_uploader: tuple[int, int], by_all: tuple[int, int]
    ) -> str | None:
        """Why one more file of ``size`` bytes may not be handed in, given the (bytes, files)
        already handed in by its uploader and by everyone; None: it may. The owner's tier
        judges it after this (quota texts)."""
        if self.size_limit is not None and by_uploader[0] + size > self.size_limit:
            return self.size_limit_refusal()
        over_bytes = self.total_size_limit is not None and by_all[0] + size > self.total_size_limit
        over_files = self.total_files_limit is not None and by_all[1] + 1 > self.total_files_limit
        return REQUEST_FULL if over_bytes or over_files else None

    def state(self, now: datetime | None = None) -> FileRequest.State:
        if self.closed_at is not None:
            return self.State.CLOSED
        if self.deadline <= (now or timezone.now()):
            return self.State.PAST_DEADLINE
        return self.State.OPEN


class Submission(models.Model):
    """What one visit (one browser, by its signed cookie) handed in under one name."""

    request = models.ForeignKey(FileRequest, on_delete=models.CASCADE, related_name="submissions")
    uploader = models.CharField(max_length=UPLOADER_NAME_MAX)
    visit = models.CharField(max_length=32, db_index=True)
    # The receipt's secret: /r/<token>/receipt/<receipt>, the student's own way back.
    receipt = models.CharField(max_length=64, default=token_new, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "visit", "uploader"], name="one_submission_per_visit_name"
            )
        ]

    def __str__(self) -> str:
        return f"{self.uploader} to {self.request_id}"


class SubmissionFile(models.Model):
    """One handed-in file: a stored file of the request's owner (deleting it removes this)."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="files")
    file = models.OneToOneField(StoredFile, on_delete=models.CASCADE, related_name="submission")
    original_name = models.CharField(max_length=255)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class HandInUpload(models.Model):
    """A resumable (tus) hand-in on its way: which submission its file joins when complete."""

    upload = models.OneToOneField("tus.TusUpload", on_delete=models.CASCADE, related_name="hand_in")
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="uploads")
    sent_name = models.CharField(max_length=255)

    def __str__(self) -> str:
        return f"{self.sent_name} ({self.upload_id})"
