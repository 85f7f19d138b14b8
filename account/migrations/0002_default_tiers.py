from __future__ import annotations

from django.db import migrations

MB = 1048576
GB = 1024 * MB

TIERS = [
    ("Free", 500 * MB, 50 * MB),
    ("Pro", 10 * GB, 2 * GB),
    ("Premium", 100 * GB, 20 * GB),
]


def create_tiers(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    Account = apps.get_model("account", "Account")
    for title, storage, max_file_transfer in TIERS:
        Account.objects.get_or_create(
            title=title, defaults={"storage": storage, "max_file_transfer": max_file_transfer}
        )


class Migration(migrations.Migration):
    dependencies = [("account", "0001_initial")]

    operations = [migrations.RunPython(create_tiers, migrations.RunPython.noop)]
