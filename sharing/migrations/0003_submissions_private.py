"""Files handed in before hand-ins became private (CONTRACT section 7, 2026-12-07)
are made private too: /fm/download/ served them to anyone who guessed the name."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def submissions_private(apps: Any, schema_editor: Any) -> None:
    stored_file = apps.get_model("upload_center", "StoredFile")
    stored_file.objects.filter(submission__isnull=False, private=False).update(private=True)


class Migration(migrations.Migration):
    dependencies = [("sharing", "0002_file_requests")]

    # Not reversed: which of them an owner had made private on purpose is not known.
    operations = [migrations.RunPython(submissions_private, migrations.RunPython.noop)]
