"""The /fm/ API (CONTRACT section 2)."""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from account.models import MB
from config.drf import JSONParser, request_fields, request_user
from config.schema import FIELD_ERRORS_SCHEMA
from upload_center import selectors, services
from upload_center.errors import NothingToStore, file_missing_text
from upload_center.exception_handlers import FmApi
from upload_center.handlers import StoringUploadHandler, uploads_receive
from upload_center.multipart import ChunkedBodyApi, StreamingMultiPartParser
from upload_center.renderers import FileDeleteFormRenderer
from upload_center.serializers import (
    FILE_FIELD,
    UPLOAD_ANSWER,
    DeleteFileSerializer,
    DetailSerializer,
    ManagerSerializer,
    TokenSerializer,
    UploadFormSerializer,
)

logger = logging.getLogger(__name__)

DETAIL = DetailSerializer
UNAUTHORIZED = OpenApiResponse(DETAIL, description="Not logged in: no token or session, or a wrong one.")


class LoginApi(FmApi, ObtainAuthToken):
    """Log in with your username and password to get your API token
    (send it as `Authorization: Token <key>`)."""

    name = "Log in"

    parser_classes = [FormParser, MultiPartParser, JSONParser]
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]

    @extend_schema(
        auth=[],
        request=AuthTokenSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(FIELD_ERRORS_SCHEMA, description="Wrong credentials or a missing field."),
            429: OpenApiResponse(DETAIL, description="Too many failed logins; see Retry-After."),
        },
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)


UPLOAD_HINT = "Choose one or more files in the form below and press PUT."


class UploadApi(FmApi, ChunkedBodyApi):
    """Send one or more files in `file_field`: each gets a key in the answer, with
    its download path when stored, else the reason it was refused."""

    name = "Upload files"
    parser_classes = [StreamingMultiPartParser]
    # Draws the browsable API's file picker; the body is parsed while it streams, not by this.
    serializer_class = UploadFormSerializer

    # DRF calls it with its own Request (its stubs say so; Django's say HttpRequest).
    def http_method_not_allowed(self, request: Request, *args: Any, **kwargs: Any) -> Response:  # type: ignore[override]
        # A browser opening the page gets its upload form under a hint, not a red 405;
        # every other client and method still gets the 405 (GET is no method of the API).
        if request.method == "GET" and isinstance(request.accepted_renderer, BrowsableAPIRenderer):
            return Response({"detail": UPLOAD_HINT})
        return super().http_method_not_allowed(request, *args, **kwargs)  # type: ignore[no-any-return]

    @extend_schema(
        request={"multipart/form-data": UploadFormSerializer},
        responses={
            200: OpenApiResponse(UPLOAD_ANSWER),
            400: OpenApiResponse(DETAIL, description="No file in `file_field`, or an empty file."),
            401: UNAUTHORIZED,
            413: OpenApiResponse(DETAIL, description="The body's Content-Length is over the server's limit."),
            503: OpenApiResponse(DETAIL, description="Storage is unavailable; nothing was stored."),
        },
    )
    def put(self, request: Request) -> Response:
        user = request_user(request)
        uploads = uploads_receive(request, StoringUploadHandler(owner=user, field_name=FILE_FIELD))
        if not uploads:
            raise NothingToStore(f"No file was submitted in {FILE_FIELD}.")
        services.uploads_nonempty_check(uploads)
        return Response(services.files_settle(owner_id=user.pk, uploads=uploads))


class MegabytesJSONRenderer(JSONRenderer):
    """Writes Decimal values of a flat object as JSON numbers as they are (5.000, not 5.0)."""

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        if not isinstance(data, dict):
            return super().render(data, accepted_media_type, renderer_context)

        # The browsable API asks for an indent: one field a line, as DRF's own renderer draws it.
        indent = self.get_indent(accepted_media_type or "", renderer_context or {})

        def number_or_json(value: Any) -> str:
            if isinstance(value, Decimal):
                return str(value)
            text = json.dumps(value, ensure_ascii=False, indent=indent)
            return text.replace("\n", "\n" + " " * indent) if indent else text

        parts = [f"{json.dumps(key)}: {number_or_json(value)}" for key, value in data.items()]
        if not indent:
            return ("{" + ", ".join(parts) + "}").encode()
        pad = " " * indent
        return ("{\n" + pad + (",\n" + pad).join(parts) + "\n}").encode()


def _mb(size: int) -> Decimal:
    return (Decimal(size) / MB).quantize(Decimal("0.001"))


class ManagerApi(FmApi):
    """Your tier, its storage and what you use (MB), and your files; DELETE removes one by its name."""

    name = "File manager"
    renderer_classes = [MegabytesJSONRenderer, FileDeleteFormRenderer]
    parser_classes = [FormParser, MultiPartParser, JSONParser]

    @extend_schema(responses={200: ManagerSerializer, 401: UNAUTHORIZED})
    def get(self, request: Request) -> Response:
        user = request_user(request)
        names = selectors.file_names(owner=user)
        return Response(
            {
                "Account": user.account.title,
                "Storage": _mb(user.account.storage),
                "Used": _mb(user.used_storage),
                "Files": names or f"{user.username} doesn't have any files!",
            }
        )

    @extend_schema(
        request=DeleteFileSerializer,
        responses={
            200: OpenApiResponse(DETAIL, description="`<file_name> Deleted Successfully.`"),
            400: OpenApiResponse(DETAIL, description="No `file_name` sent."),
            401: UNAUTHORIZED,
            404: OpenApiResponse(DETAIL, description=f"`{file_missing_text('<file_name>')}`"),
        },
        description="`file_name` in a form, multipart or JSON body (or the query string `?file_name=`).",
    )
    def delete(self, request: Request) -> Response:
        name = request_fields(request).get("file_name") or request.query_params.get("file_name")
        if not isinstance(name, str) or not name:  # a JSON body may carry any type
            return Response({"detail": "file_name is required."}, status=400)
        services.file_delete(owner=request_user(request), name=name)
        return Response({"detail": f"{name} Deleted Successfully."})
