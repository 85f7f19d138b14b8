"""The drive's JSON API at the site root (CONTRACT section 3)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from django.contrib.auth import authenticate, login, logout
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.drf import JSONParser, http_request, request_fields, request_user
from config.security import form_post_refuse
from drive import envelope, services
from drive import schema as _schema  # noqa: F401 - registers the auth scheme for drf-spectacular
from drive.errors import BadRequest, WrongCredentials
from drive.handlers import FILE_FIELD, upload_receive
from upload_center import selectors
from upload_center import services as upload_services
from upload_center.models import StoredFile
from upload_center.multipart import ChunkedBodyApi, StreamingMultiPartParser
from upload_center.serializers import NonEmptyFileField


class DriveSessionAuthentication(SessionAuthentication):
    def enforce_csrf(self, request: Request) -> None:
        # Every state-changing drive call needs a JSON body or the X-Upload-Id
        # header, which a page of another site can only send after a CORS
        # preflight that this site never grants (and the session cookie is
        # SameSite=Lax). A CSRF token check here would also read the multipart
        # body through Django's spooling handlers before the view could stream it.
        # A method the view does not take is left to the view, which answers 405.
        view = request.parser_context.get("view")
        if view is None or hasattr(view, str(request.method).lower()):
            form_post_refuse(request, body_required=getattr(view, "body_required", True))


class DriveApi(APIView):
    authentication_classes = [DriveSessionAuthentication]
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser]

    def get_exception_handler(self) -> Any:
        return envelope.exception_handler


def _ok(name: str, data: dict[str, Any] | None = None) -> Any:
    fields: dict[str, Any] = {
        "status": serializers.ChoiceField(choices=["ok"]),
        "data": inline_serializer(f"{name}Data", data) if data else serializers.DictField(help_text="`{}`"),
    }
    return inline_serializer(f"{name}Envelope", fields)


ERROR = inline_serializer(
    "DriveError",
    {
        "status": serializers.ChoiceField(choices=envelope.ERROR_STATUSES),
        "message": serializers.CharField(),
        "data": serializers.DictField(),
    },
)


def error_responses(*statuses: int) -> dict[int, Any]:
    return {status: OpenApiResponse(ERROR, description=envelope.CODES[status]) for status in statuses}


class LoginApi(DriveApi):
    permission_classes = [AllowAny]

    @extend_schema(
        auth=[],
        request=inline_serializer(
            "DriveLogin", {"username": serializers.CharField(), "password": serializers.CharField()}
        ),
        responses={200: _ok("Login"), **error_responses(400, 403, 429)},
        description="Starts a session: the answer sets the `sessionid` cookie.",
    )
    def post(self, request: Request) -> Response:
        fields = request_fields(request)
        username, password = fields.get("username"), fields.get("password")
        if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
            raise BadRequest("username and password are required.")
        user = authenticate(http_request(request), username=username, password=password)
        if user is None:
            raise WrongCredentials("Wrong username or password.")
        login(http_request(request), user)
        return envelope.ok({})


class LogoutApi(DriveApi):
    permission_classes = [AllowAny]
    # Takes no body (CONTRACT section 3); a cross-site one is refused by its Origin or
    # Sec-Fetch-Site alone (config.security.form_post_refuse).
    body_required = False

    @extend_schema(
        request=None,
        responses={200: _ok("Logout"), **error_responses(403)},
        description="Ends the session. Takes no body; a call from a page of another site gets 403.",
    )
    def post(self, request: Request) -> Response:
        logout(http_request(request))
        return envelope.ok({})


class CurrentApi(DriveApi):
    @extend_schema(
        responses={
            200: _ok(
                "Current",
                {
                    "username": serializers.CharField(),
                    "account": serializers.CharField(help_text="the tier's title"),
                    "storage": serializers.IntegerField(help_text="bytes"),
                    "used": serializers.IntegerField(help_text="bytes"),
                },
            ),
            **error_responses(401),
        }
    )
    def get(self, request: Request) -> Response:
        user = request_user(request)
        return envelope.ok(
            {
                "username": user.username,
                "account": user.account.title,
                "storage": user.account.storage,
                "used": user.used_storage,
            }
        )


FILE_FIELDS: dict[str, serializers.Field] = {
    "key": serializers.CharField(),
    "size": serializers.IntegerField(),
    "last_modified": serializers.DateTimeField(),
}


def _item(row: StoredFile) -> dict[str, Any]:
    return {"key": row.name, "size": row.size, "last_modified": row.created_at.isoformat()}


def text_field(fields: Mapping[str, Any], name: str) -> str:
    """The non-empty text of a request's field, or 400."""
    value = fields.get(name)
    if not isinstance(value, str) or not value:
        raise BadRequest(f"{name} is required.")
    return value


class FilesListApi(DriveApi):
    @extend_schema(
        responses={
            200: _ok("FilesList", {"items": inline_serializer("DriveFile", FILE_FIELDS, many=True)}),
            **error_responses(401),
        },
        description="The user's files, newest first.",
    )
    def get(self, request: Request) -> Response:
        rows = selectors.files_newest_first(owner=request_user(request))
        return envelope.ok({"items": [_item(row) for row in rows]})


class FilesDeleteApi(DriveApi):
    @extend_schema(
        request=inline_serializer("DriveDelete", {"key": serializers.CharField()}),
        responses={200: _ok("FilesDelete"), **error_responses(400, 401, 404)},
    )
    def post(self, request: Request) -> Response:
        key = text_field(request_fields(request), "key")
        upload_services.file_delete(owner=request_user(request), name=key)
        return envelope.ok({})


class FilesReplaceApi(DriveApi):
    @extend_schema(
        request=inline_serializer(
            "DriveReplace",
            {
                "key": serializers.CharField(help_text="the file to replace, e.g. `lecture.bin`"),
                "replacement": serializers.CharField(
                    help_text="its re-upload, stored beside it under a suffixed name, e.g. `lecture_F9AHjPo.bin`"
                ),
            },
        ),
        responses={200: _ok("FilesReplace", FILE_FIELDS), **error_responses(400, 401, 404, 409)},
        description=(
            "The re-upload takes the file's name and the old content is deleted: the file's public path, "
            "share links, private switch and download count stay and serve the new content, and the old "
            "size is freed. 400 when `replacement` is not `key`'s name with the drive's suffix, 404 (the "
            "missing name in `data.key`) when either is not one of your files, 409 for a hand-in."
        ),
    )
    def post(self, request: Request) -> Response:
        fields = request_fields(request)
        key, replacement = text_field(fields, "key"), text_field(fields, "replacement")
        row = upload_services.file_replace(
            owner_id=request_user(request).pk, name=key, replacement=replacement
        )
        return envelope.ok(_item(row))


class FilesUploadApi(DriveApi, ChunkedBodyApi):
    parser_classes = [StreamingMultiPartParser]

    @extend_schema(
        request={"multipart/form-data": inline_serializer("DriveUpload", {FILE_FIELD: NonEmptyFileField()})},
        parameters=[
            OpenApiParameter(
                "X-Upload-Id",
                OpenApiTypes.UUID,
                OpenApiParameter.HEADER,
                required=True,
                description="names the upload in the WebSocket's UPLOAD_* events",
            )
        ],
        responses={
            200: _ok(
                "FilesUpload",
                {
                    "upload_id": serializers.UUIDField(),
                    "filename": serializers.CharField(help_text="the stored name (suffixed when taken)"),
                    "size": serializers.IntegerField(),
                    "created": serializers.DateTimeField(),
                },
            ),
            **error_responses(400, 401, 413),
        },
        description="Streams one file into storage while it arrives; progress goes to the user's WebSockets.",
    )
    def post(self, request: Request) -> Response:
        upload_id = _upload_id(request.headers.get("X-Upload-Id", ""))
        owner = request_user(request)
        upload = upload_receive(request, owner=owner, upload_id=upload_id)
        row = services.file_settle(owner=owner, upload=upload, upload_id=upload_id)
        return envelope.ok(
            {
                "upload_id": upload_id,
                "filename": row.name,
                "size": row.size,
                "created": row.created_at.isoformat(),
            }
        )


def _upload_id(header: str) -> str:
    try:
        return str(uuid.UUID(header))
    except ValueError:
        raise BadRequest("The X-Upload-Id header must be a UUID.") from None


class WsConnectApi(DriveApi):
    permission_classes = [AllowAny]

    @extend_schema(
        responses={101: OpenApiResponse(description="Switching Protocols"), **error_responses(400)},
        description=(
            "WebSocket upgrade with the session cookie; closed with code 4401 when not logged in. "
            "Frames are JSON text with an upper-case `kind`: "
            '`{"kind": "INITIAL", "trace_id"}` on connect; '
            '`{"kind": "UPLOAD_PROGRESS", "upload_id", "total_size", "uploaded_size"}` after each stored part; '
            '`{"kind": "UPLOAD_FINISH", "upload_id"}` when stored, before the HTTP answer; '
            '`{"kind": "EXPORT_PROGRESS", "job_id", "state", "total", "done", "failed"}` for cloud exports.'
        ),
    )
    def get(self, request: Request) -> Response:
        # Upgrades never reach Django's HTTP side (config.routing takes them).
        raise BadRequest("Connect with a WebSocket upgrade.")
