"""Placed items and login states in the admin; platforms, deployments and keys are django-lti's admin."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from lti_tool.models import Key

from lti.models import FrameOrigin, LaunchState, Placement, ScorePost


@admin.register(Placement)
class PlacementAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "registration", "context", "created_at"]
    list_select_related = ["owner", "registration", "context"]
    raw_id_fields = ["owner", "file", "file_request", "context"]
    readonly_fields = ["token"]


@admin.register(LaunchState)
class LaunchStateAdmin(admin.ModelAdmin):
    list_display = ["state", "registration", "created_at", "used_at"]
    readonly_fields = ["state", "nonce", "login_params", "created_at", "used_at", "registration"]


@admin.register(Key)
class KeyAdmin(admin.ModelAdmin):
    """The tool's signing keys: made and retired with manage.py lti_keys_rotate, never edited here."""

    list_display = ["__str__", "is_active", "datetime_created"]
    fields = ["public_key", "is_active", "datetime_created"]
    readonly_fields = ["public_key", "datetime_created"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(FrameOrigin)
class FrameOriginAdmin(admin.ModelAdmin):
    """Origins of course pages that may frame the tool, beyond each platform's issuer and login URL."""

    list_display = ["origin", "registration"]
    list_select_related = ["registration"]


@admin.register(ScorePost)
class ScorePostAdmin(admin.ModelAdmin):
    """Hand-in scores for the platforms' gradebooks; one without ``posted_at`` and with an error gave up."""

    list_display = ["user_sub", "registration", "timestamp", "attempts", "posted_at"]
    list_filter = ["posted_at"]
    readonly_fields = ["registration", "endpoint", "user_sub", "timestamp", "attempts", "posted_at", "error"]
