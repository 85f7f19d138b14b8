"""What the LTI door keeps beside django-lti's registrations, deployments, contexts and keys:
the login states it handed out and the items instructors placed in courses."""

from __future__ import annotations

import mimetypes
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from lti_tool.models import LtiContext, LtiRegistration

from sharing.models import FileRequest
from upload_center.models import StoredFile


def placement_token_new() -> str:
    return secrets.token_urlsafe(24)


class LaunchState(models.Model):
    """One OIDC login initiation: the ``state`` sent to the browser (which also holds it
    in a cookie) and the ``nonce`` sent to the platform. A launch consumes it once."""

    registration = models.ForeignKey(LtiRegistration, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=100, unique=True)
    nonce = models.CharField(max_length=100, unique=True)
    # The initiation's parameters, so a launch whose state cookie was blocked can
    # offer to start again in a new window.
    login_params = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.state


class Placement(models.Model):
    """A file or a file request that an instructor placed with Deep Linking.

    Launches find it by ``token`` from the link's ``custom`` values, which the platform
    copies with the course: a copied course (new context, new resource link id) opens
    the same item for its own members."""

    token = models.CharField(max_length=64, unique=True, default=placement_token_new)
    registration = models.ForeignKey(LtiRegistration, on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    context = models.ForeignKey(
        LtiContext, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    file = models.ForeignKey(StoredFile, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    file_request = models.ForeignKey(
        FileRequest, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    title = models.CharField(max_length=255)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(file__isnull=False, file_request__isnull=True)
                | models.Q(file__isnull=True, file_request__isnull=False),
                name="placement_file_or_request",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_image(self) -> bool:
        """Whether the placed file previews as an image (an <img> shows it whatever its download headers)."""
        return self.file is not None and (mimetypes.guess_type(self.file.name)[0] or "").startswith("image/")


class ScorePost(models.Model):
    """A hand-in's "Submitted / PendingManual" score, kept until the platform took it,
    so a platform that is down loses nothing."""

    registration = models.ForeignKey(LtiRegistration, on_delete=models.CASCADE, related_name="+")
    # The launch's AGS claim: lineitem URL and scopes.
    endpoint = models.JSONField()
    user_sub = models.CharField(max_length=255)
    timestamp = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    posted_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.user_sub} at {self.endpoint.get('lineitem', '')}"


class FrameOrigin(models.Model):
    """An origin whose pages may frame this tool for a platform, beside its issuer's and login
    URL's: Canvas serves courses from the school's own domain (``school.instructure.com``),
    not from its issuer. Given with ``lti_platform_add --frame-origin``, and learnt from the
    return URLs of valid launches."""

    registration = models.ForeignKey(LtiRegistration, on_delete=models.CASCADE, related_name="+")
    origin = models.CharField(max_length=255)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["registration", "origin"], name="frame_origin_once")]

    def __str__(self) -> str:
        return self.origin
