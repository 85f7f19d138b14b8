"""The drive's JSON API at the site root (CONTRACT section 3)."""

from __future__ import annotations

import uuid
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


def _errors(*statuses: int) -> dict[int, Any]:
    return {status: OpenApiResponse(ERROR, description=envelope.CODES[status]) for status in statuses}


class LoginApi(DriveApi):
    permission_classes = [AllowAny]

    @extend_schema(
        auth=[],
        request=inline_serializer(
            "DriveLogin", {"username": serializers.CharField(), "password": serializers.CharField()}
        ),
        responses={200: _ok("Login"), **_errors(400, 403, 429)},
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
        responses={200: _ok("Logout"), **_errors(403)},
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
            **_errors(401),
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


class FilesListApi(DriveApi):
    @extend_schema(
        responses={
            200: _ok(
                "FilesList",
                {
                    "items": inline_serializer(
                        "DriveFile",
                        {
                            "key": serializers.CharField(),
                            "size": serializers.IntegerField(),
                            "last_modified": serializers.DateTimeField(),
                        },
                        many=True,
                    )
                },
            ),
            **_errors(401),
        },
        description="The user's files, newest first.",
    )
    def get(self, request: Request) -> Response:
        rows = selectors.files_newest_first(owner=request_user(request))
        items = [{"key": r.name, "size": r.size, "last_modified": r.created_at.isoformat()} for r in rows]
        return envelope.ok({"items": items})


class FilesDeleteApi(DriveApi):
    @extend_schema(
        request=inline_serializer("DriveDelete", {"key": serializers.CharField()}),
        responses={200: _ok("FilesDelete"), **_errors(400, 401, 404)},
    )
    def post(self, request: Request) -> Response:
        key = request_fields(request).get("key")
        if not isinstance(key, str) or not key:
            raise BadRequest("key is required.")
        upload_services.file_delete(owner=request_user(request), name=key)
        return envelope.ok({})


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
            **_errors(400, 401, 413),
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
        responses={101: OpenApiResponse(description="Switching Protocols"), **_errors(400)},
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
