"""Bodies and answers of the file request API (/fm/sharing/requests...)."""

from __future__ import annotations

from urllib.parse import quote

from django.core.validators import RegexValidator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cloud_export.serializers import StrictCharField
from sharing.models import FileRequest, SubmissionFile
from sharing.serializers import StrictIntegerField

# Far beyond any tier's storage, within a JSON number's exact integers.
MAX_SIZE_LIMIT = 2**53 - 1
EXTENSION_RE = r"^\.?[A-Za-z0-9]{1,16}$"


class FileRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    url = serializers.SerializerMethodField(help_text="the link to hand out: `<site>/r/<token>`")
    deadline = serializers.DateTimeField(read_only=True)
    size_limit = serializers.IntegerField(read_only=True, allow_null=True, help_text="bytes per uploader")
    extensions = serializers.ListField(
        child=serializers.CharField(), source="extension_list", read_only=True, help_text="empty: any"
    )
    instructions = serializers.CharField(read_only=True, help_text="shown on the hand-in page")
    total_size_limit = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="bytes all uploaders together"
    )
    total_files_limit = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="files all uploaders together"
    )
    state = serializers.ChoiceField(choices=FileRequest.State.choices, read_only=True)
    closed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    submission_count = serializers.IntegerField(read_only=True, help_text="names that handed in files")
    file_count = serializers.IntegerField(read_only=True)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, file_request: FileRequest) -> str:
        request = self.context.get("request")
        path = file_request.path
        return request.build_absolute_uri(path) if request is not None else path


class FileRequestsSerializer(serializers.Serializer):
    requests = FileRequestSerializer(many=True, read_only=True)


class FileRequestCreateSerializer(serializers.Serializer):
    title = StrictCharField(max_length=100)
    deadline = serializers.DateTimeField(
        help_text="must lie in the future",
        # DRF's own texts list ISO 8601 patterns: a teacher who left the field empty reads this.
        error_messages={
            "invalid": "Give a deadline: a date and time (ISO 8601), e.g. 2026-12-09T16:00:00Z.",
            "required": "Give a deadline: a date and time in the future.",
            "null": "Give a deadline: a date and time in the future.",
        },
    )
    size_limit = StrictIntegerField(
        min_value=1,
        max_value=MAX_SIZE_LIMIT,
        required=False,
        allow_null=True,
        default=None,
        help_text="bytes one uploader (one browser) may hand in; null: no limit but the owner's quota",
    )
    extensions = serializers.ListField(
        child=StrictCharField(max_length=17, validators=[RegexValidator(EXTENSION_RE)]),
        max_length=20,
        required=False,
        default=list,
        help_text='e.g. ["pdf", "docx"]; empty: any kind of file',
    )
    instructions = StrictCharField(
        max_length=2000, required=False, default="", allow_blank=True, help_text="shown on the hand-in page"
    )
    total_size_limit = StrictIntegerField(
        min_value=1,
        max_value=MAX_SIZE_LIMIT,
        required=False,
        allow_null=True,
        default=None,
        help_text="bytes all uploaders together may hand in (so a leaked link cannot fill your space)",
    )
    total_files_limit = StrictIntegerField(
        min_value=1,
        max_value=1_000_000,
        required=False,
        allow_null=True,
        default=None,
        help_text="files all uploaders together may hand in; null: no cap",
    )


class SubmissionFileSerializer(serializers.Serializer):
    name = serializers.CharField(source="original_name", read_only=True, help_text="as the uploader sent it")
    stored_name = serializers.CharField(
        source="file.name", read_only=True, help_text="its name in your files"
    )
    size = serializers.IntegerField(source="file.size", read_only=True)
    sha256 = serializers.CharField(
        source="file.sha256", read_only=True, help_text="as on the uploader's receipt"
    )
    created_at = serializers.DateTimeField(read_only=True)
    late = serializers.BooleanField(read_only=True, help_text="handed in after the request's deadline")
    download = serializers.SerializerMethodField(help_text="your own download of it")

    def get_download(self, row: SubmissionFile) -> str:
        return f"/fm/sharing/files/{quote(row.file.name, safe='')}/download"


class SubmissionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    uploader = serializers.CharField(read_only=True, help_text="the name the uploader gave")
    created_at = serializers.DateTimeField(read_only=True)
    files = SubmissionFileSerializer(many=True, read_only=True)


class SubmissionsSerializer(serializers.Serializer):
    submissions = SubmissionSerializer(many=True, read_only=True)
