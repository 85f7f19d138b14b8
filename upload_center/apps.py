from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _storage_prepare_after_migrate(plan: Any = None, **kwargs: Any) -> None:
    # Only migrate passes a plan (flush, run between tests, sends the signal without one):
    # a fresh deployment's bucket or folder exists once `migrate` has run.
    if plan is None:
        return
    # Imported here: storage imports the models, which need the app registry ready.
    from upload_center.storage import storage_prepare

    storage_prepare()


class UploadCenterConfig(AppConfig):
    name = "upload_center"
    verbose_name = "Upload center"

    def ready(self) -> None:
        post_migrate.connect(_storage_prepare_after_migrate, sender=self)
