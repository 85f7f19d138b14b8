"""Removes what cut-off uploads left: stale pending rows, partial files, S3 multipart uploads."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cloud_export.maintenance import export_requests_prune
from tus.services import uploads_expire
from upload_center.maintenance import uploads_cleanup


class Command(BaseCommand):
    help = (
        "Delete pending uploads older than --older-than minutes with their partial bytes, and abort S3 "
        "multipart uploads that old which no pending upload owns; remove expired resumable (tus) uploads; "
        "prune export requests that expired unused."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            default=60,
            metavar="MINUTES",
            help="age of a cut-off upload (default 60)",
        )

    def handle(self, *args: Any, older_than: int, **options: Any) -> None:
        # First: an expired resumable upload's pending row is then gone too.
        for key in uploads_expire():
            self.stdout.write(f"removed expired resumable upload: {key}")
        report = uploads_cleanup(older_than=timedelta(minutes=older_than))
        for key in report.stale_rows:
            self.stdout.write(f"removed cut-off upload: {key}")
        for key in report.aborted_uploads:
            self.stdout.write(f"aborted stray multipart upload: {key}")
        if pruned := export_requests_prune():
            self.stdout.write(f"{pruned} expired export requests")
        self.stdout.write(
            f"{len(report.stale_rows)} cut-off uploads, {len(report.aborted_uploads)} stray multipart uploads"
        )
