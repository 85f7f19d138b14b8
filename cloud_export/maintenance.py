"""Pruning of export requests that can no longer lead anywhere (run by ``cleanup_uploads``)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from cloud_export.models import ExportRequest


def export_requests_prune() -> int:
    """Deletes requests without a job whose start link expired unused, or whose consent
    window closed: anyone may create them (POST /cloud_archive), so they must not pile up."""
    now = timezone.now()
    consent_closed = now - timedelta(seconds=settings.CLOUD_ARCHIVE_LINK_TTL_SECONDS)
    dead = Q(started_at__isnull=True, expires_at__lt=now) | Q(started_at__lt=consent_closed)
    deleted, _ = ExportRequest.objects.filter(dead, job__isnull=True).delete()
    return deleted
