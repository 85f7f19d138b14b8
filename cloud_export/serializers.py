from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from rest_framework import serializers

from cloud_export.models import ArchiveType, CloudType
from cloud_export.oauth import cloud_enabled


def _cloud_type(value: str) -> str:
    if not cloud_enabled(value):
        # People read this (the drive page shows it): the cloud's name, not its code.
        raise serializers.ValidationError(
            f"Export to {CloudType(value).label} is not configured on this server."
        )
    return value


class StrictCharField(serializers.CharField):
    """A JSON string and nothing else: DRF's CharField takes 0 or true as "0", "True"."""

    def to_internal_value(self, data: object) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class CloudArchiveRequestSerializer(serializers.Serializer):
    redirect_success_link = serializers.URLField(max_length=2000)
    redirect_fail_link = serializers.URLField(max_length=2000)
    archive_url = serializers.URLField(max_length=2000)
    gallery_name = StrictCharField(max_length=255)
    archive_type = serializers.ChoiceField(choices=ArchiveType.choices)
    cloud_type = serializers.ChoiceField(choices=CloudType.choices)

    def _allowed_link(self, value: str) -> str:
        # Browsers read a backslash as "/" in http(s) links and drop tabs and newlines (WHATWG
        # URL), so https://evil.example\@gallery.example/ would take them to evil.example
        # while urlsplit sees gallery.example. Such links, and any userinfo, are refused.
        if "\\" in value or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in value):
            raise serializers.ValidationError(
                "A redirect link may not contain backslashes, spaces or control characters."
            )
        parts = urlsplit(value)
        if "@" in parts.netloc:
            raise serializers.ValidationError("A redirect link may not contain a user name or password.")
        # Only the gallery's own hosts: anything else would make this service an open redirect.
        if (
            parts.scheme not in {"http", "https"}
            or parts.hostname not in settings.CLOUD_ARCHIVE_ALLOWED_REDIRECT_HOSTS
        ):
            raise serializers.ValidationError("This host is not allowed for redirects.")
        return value

    def validate_redirect_success_link(self, value: str) -> str:
        return self._allowed_link(value)

    def validate_redirect_fail_link(self, value: str) -> str:
        return self._allowed_link(value)

    def validate_archive_url(self, value: str) -> str:
        if urlsplit(value).scheme not in {"http", "https"}:
            raise serializers.ValidationError("The archive URL must be http or https.")
        return value

    def validate_gallery_name(self, value: str) -> str:
        # The name becomes a cloud folder: a slash would make it a path.
        name = value.replace("/", "_").strip()
        if not name or name in {".", ".."}:
            raise serializers.ValidationError("This is not a usable folder name.")
        return name

    def validate_cloud_type(self, value: str) -> str:
        return _cloud_type(value)


class RedirectToSerializer(serializers.Serializer):
    redirect_to = serializers.URLField()


class DriveExportRequestSerializer(serializers.Serializer):
    cloud_type = serializers.ChoiceField(choices=CloudType.choices)
    keys = serializers.ListField(
        child=StrictCharField(max_length=255), required=False, default=list,
        help_text="Names of your files to export; empty or missing exports all of them.",
    )  # fmt: skip
    folder_name = StrictCharField(max_length=255, required=False, default="Upload Center")

    def validate_cloud_type(self, value: str) -> str:
        return _cloud_type(value)

    def validate_folder_name(self, value: str) -> str:
        return CloudArchiveRequestSerializer().validate_gallery_name(value)
