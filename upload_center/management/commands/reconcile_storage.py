"""Compares the file index with the storage; a dry run unless --fix is given."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from upload_center.maintenance import storage_reconcile


class Command(BaseCommand):
    help = (
        "List orphans (bytes without a stored row), missing files (stored rows without bytes) and wrong "
        "used_storage. With --fix: delete the orphans, drop the rows of missing files, set used_storage."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--fix", action="store_true", help="act on what is found (default: only report)")

    def handle(self, *args: Any, fix: bool, **options: Any) -> None:
        report = storage_reconcile(fix=fix)
        verb = "deleted" if fix else "would delete"
        for key in report.orphans:
            self.stdout.write(f"orphan: {key} ({verb})")
        verb = "dropped its row" if fix else "would drop its row"
        for key in report.missing:
            self.stdout.write(f"missing: {key} ({verb})")
        verb = "set" if fix else "would set"
        for usage in report.usage:
            self.stdout.write(f"used_storage: {usage.username} {usage.recorded} -> {usage.actual} ({verb})")
        counts = f"{len(report.orphans)} orphans, {len(report.missing)} missing"
        summary = f"{counts}, {len(report.usage)} wrong used_storage"
        hint = "" if fix or report.clean else "; run with --fix to repair"
        self.stdout.write(summary + hint)
