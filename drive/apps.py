from __future__ import annotations

from django.apps import AppConfig


class DriveConfig(AppConfig):
    name = "drive"
    verbose_name = "Web drive"
