from __future__ import annotations

from django.apps import AppConfig


class TusConfig(AppConfig):
    name = "tus"
    verbose_name = "Resumable uploads (tus)"
