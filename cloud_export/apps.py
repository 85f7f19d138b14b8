from __future__ import annotations

from django.apps import AppConfig


class CloudExportConfig(AppConfig):
    name = "cloud_export"
    verbose_name = "Cloud export"
