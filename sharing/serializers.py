"""Bodies and answers of the sharing API (/fm/sharing/...), for DRF and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cloud_export.serializers import StrictCharField
from sharing.models import ShareLink

MAX_DOWNLOAD_LIMIT = 1_000_000


class StrictBooleanField(serializers.BooleanField):
    """JSON true or false and nothing else: DRF's BooleanField also takes 1, "yes", "on"."""

    def to_internal_value(self, data: object) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer and nothing else: DRF's IntegerField also takes "5" and 5.0."""

    def to_internal_value(self, data: object) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class LinkSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    file = serializers.CharField(source="file.name", read_only=True, help_text="the shared file's name")
    url = serializers.SerializerMethodField(help_text="the link to hand out: `<site>/s/<token>`")
    # Shadows Field.label (a form label), which these serializers never use.
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]
    has_password = serializers.BooleanField(read_only=True)
    expires_at = serializers.DateTimeField(read_only=True, allow_null=True)
    download_limit = serializers.IntegerField(read_only=True, allow_null=True)
    download_count = serializers.IntegerField(read_only=True, help_text="downloads through this link")
    state = serializers.ChoiceField(choices=ShareLink.State.choices, read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    revoked_at = serializers.DateTimeField(read_only=True, allow_null=True)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, link: ShareLink) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(link.path) if request is not None else link.path


class LinksSerializer(serializers.Serializer):
    links = LinkSerializer(many=True, read_only=True)


class LinkCreateSerializer(serializers.Serializer):
    label = StrictCharField(  # type: ignore[assignment]
        max_length=100, required=False, allow_blank=True, default="", help_text="whom the link is for"
    )
    password = StrictCharField(
        max_length=128,
        required=False,
        allow_blank=True,
        default="",
        trim_whitespace=False,
        help_text="empty or left out: anyone with the link downloads the file",
    )
    expires_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text=(
            "left out: the tier's default (or never); null: never, refused when the tier has a maximum; "
            "a time in the past or beyond the tier's maximum is refused"
        ),
    )
    download_limit = StrictIntegerField(
        min_value=1, max_value=MAX_DOWNLOAD_LIMIT, required=False, allow_null=True, default=None
    )


class PrivateSerializer(serializers.Serializer):
    private = StrictBooleanField(help_text="true: /fm/download/ answers 404; share links still work")


class FileSharingSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True)
    size = serializers.IntegerField(read_only=True, help_text="bytes")
    created_at = serializers.DateTimeField(read_only=True)
    private = serializers.BooleanField(read_only=True)
    download_count = serializers.IntegerField(
        read_only=True, help_text="downloads by /fm/download/ and share links (not Range after byte 0)"
    )
    live_links = serializers.IntegerField(read_only=True, help_text="links that still serve the file")
    file_request = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="the file request it was handed in to; null: your own file"
    )


class FilesSerializer(serializers.Serializer):
    files = FileSharingSerializer(many=True, read_only=True)


def valid_data(
    serializer_class: type[serializers.Serializer], data: Any, *, partial: bool = False
) -> dict[str, Any]:
    serializer = serializer_class(data=data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
