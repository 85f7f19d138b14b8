"""Shapes of the /fm/ API for the browsable API's forms and the OpenAPI document.

The views do not validate through these: uploads are parsed while they stream
(``multipart.StreamingMultiPartParser``) and the answers are built as the
contract writes them. These describe the same fields so that the browsable API
can draw real forms and ``/docs/json`` tells the truth.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

FILE_FIELD = "file_field"


@extend_schema_field({"type": "string", "format": "binary", "minLength": 1})
class NonEmptyFileField(serializers.FileField):
    """A file of at least one byte: an empty file is answered 400 (CONTRACT section 2)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_empty_file=False, **kwargs)


class UploadFormSerializer(serializers.Serializer):
    file_field = serializers.ListField(
        child=NonEmptyFileField(),
        min_length=1,
        help_text="One or more files; each gets a key in the answer.",
        style={"template": "upload_center/files_input.html"},
    )


class DeleteFileSerializer(serializers.Serializer):
    file_name = serializers.CharField(help_text="The name of one of your files, as the manager lists it.")


@extend_schema_field(
    {
        "oneOf": [
            {"type": "array", "items": {"type": "string"}},
            {"type": "string", "description": "`<username> doesn't have any files!`"},
        ]
    }
)
class FilesField(serializers.Field):
    """The sorted file names, or a sentence when there are none."""


class ManagerSerializer(serializers.Serializer):
    Account = serializers.CharField(help_text="the tier's title")
    Storage = serializers.FloatField(help_text="the tier's storage in MB, written with 3 decimals")
    Used = serializers.FloatField(help_text="MB used, written with 3 decimals")
    Files = FilesField()


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


UPLOAD_ANSWER = {
    "type": "object",
    "description": "One key per file sent: the download path when stored, else the reason it was refused.",
    "additionalProperties": {"type": "string"},
}
