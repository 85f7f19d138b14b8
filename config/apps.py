from __future__ import annotations

from django.apps import AppConfig

from config.text import text_lookups_register


class ProjectConfig(AppConfig):
    """The project's own hooks, which belong to no app."""

    name = "config"
    verbose_name = "Upload Center"

    def ready(self) -> None:
        text_lookups_register()
