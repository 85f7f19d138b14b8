"""Names that say what the fields hold (issue 11); renames only, every row's data is kept."""

from __future__ import annotations

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cloud_export", "0001_initial"),
    ]

    operations = [
        # The OAuth secret, not a lifecycle state like ExportJob.state and ExportItem.state.
        migrations.RenameField(model_name="exportrequest", old_name="state", new_name="oauth_state"),
        # The cloud folder's name: a gallery's name, or the one a drive user chose.
        migrations.RenameField(model_name="exportrequest", old_name="gallery_name", new_name="folder_name"),
        # The export request, not an HTTP request.
        migrations.RenameField(model_name="exportjob", old_name="request", new_name="export_request"),
    ]
