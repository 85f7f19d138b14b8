"""Creates the upload folder, or the S3 bucket when S3 is configured and the bucket is missing."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from upload_center.storage import storage_prepare


class Command(BaseCommand):
    help = "Create the local upload folder or the S3 bucket if missing."

    def handle(self, *args: Any, **options: Any) -> None:
        storage_prepare()
        where = f"s3://{settings.S3_BUCKET}" if settings.S3_BUCKET else str(settings.UPLOAD_ROOT)
        self.stdout.write(f"Storage ready: {where}")
