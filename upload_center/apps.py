from __future__ import annotations

from django.apps import AppConfig


class UploadCenterConfig(AppConfig):
    name = "upload_center"
    verbose_name = "Upload center"
