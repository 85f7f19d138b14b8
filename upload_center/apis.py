"""The /fm/ API (CONTRACT section 2)."""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from typing import Any

from django.http import JsonResponse
from django.http.response import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from account.drf import request_fields, request_user
from account.models import MB
from upload_center import selectors, services
from upload_center.downloads import file_response
from upload_center.errors import FileNotFound, StorageUnavailable
from upload_center.handlers import StoringUploadHandler, uploads_receive
from upload_center.multipart import ChunkedBodyApi, StreamingMultiPartParser
from upload_center.offload import offloaded

FILE_FIELD = "file_field"
logger = logging.getLogger(__name__)


class LoginApi(ObtainAuthToken):
    """`POST /fm/login/`: 200 {"token"} or 400 on bad credentials."""

    parser_classes = [FormParser, MultiPartParser, JSONParser]


class UploadApi(ChunkedBodyApi):
    parser_classes = [StreamingMultiPartParser]

    @extend_schema(
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {
                    FILE_FIELD: {"type": "array", "items": {"type": "string", "format": "binary"}}
                },
            }
        },
        responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT, 503: OpenApiTypes.OBJECT},
        description="One key per file sent: the download path when stored, else the reason.",
    )
    def put(self, request: Request) -> Response:
        user = request_user(request)
        handler = StoringUploadHandler(request._request, owner=user, field_name=FILE_FIELD)
        try:
            uploads = uploads_receive(request, handler)
        except StorageUnavailable as e:
            logger.exception("upload failed in storage")
            return Response({"detail": str(e)}, status=503)
        if not uploads:
            return Response({"detail": f"No file was submitted in {FILE_FIELD}."}, status=400)
        empty = [u.sent_name for u in uploads if u.ok and u.size == 0]
        if empty:
            handler.discard()
            return Response({"detail": f"Empty files can't be uploaded: {', '.join(empty)}."}, status=400)
        return Response(services.files_settle(owner_id=user.pk, uploads=uploads))


class MegabytesJSONRenderer(JSONRenderer):
    """Writes Decimal values of a flat object as JSON numbers as they are (5.000, not 5.0)."""

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        if not isinstance(data, dict):
            return super().render(data, accepted_media_type, renderer_context)

        def number_or_json(value: Any) -> str:
            return str(value) if isinstance(value, Decimal) else json.dumps(value, ensure_ascii=False)

        parts = [f"{json.dumps(key)}: {number_or_json(value)}" for key, value in data.items()]
        return ("{" + ", ".join(parts) + "}").encode()


def _mb(size: int) -> Decimal:
    return (Decimal(size) / MB).quantize(Decimal("0.001"))


class ManagerApi(APIView):
    renderer_classes = [MegabytesJSONRenderer, BrowsableAPIRenderer]
    parser_classes = [FormParser, MultiPartParser, JSONParser]

    @extend_schema(
        responses=inline_serializer(
            "Manager",
            {
                "Account": serializers.CharField(),
                "Storage": serializers.DecimalField(max_digits=20, decimal_places=3),
                "Used": serializers.DecimalField(max_digits=20, decimal_places=3),
                "Files": serializers.ListField(child=serializers.CharField()),
            },
        )
    )
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
        request=inline_serializer("DeleteFile", {"file_name": serializers.CharField()}),
        parameters=[OpenApiParameter("file_name", str, required=False, description="also accepted here")],
        responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT},
    )
    def delete(self, request: Request) -> Response:
        name = request_fields(request).get("file_name") or request.query_params.get("file_name")
        if not name:
            return Response({"detail": "file_name is required."}, status=400)
        try:
            services.file_delete(owner=request_user(request), name=name)
        except FileNotFound as e:
            return Response({"detail": str(e)}, status=404)
        return Response({"detail": f"{name} Deleted Successfully."})


@extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 404: OpenApiTypes.OBJECT})
class DownloadApi(APIView):
    """Public: links are pasted into class pages. Range, ETag and 304 supported."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    def get(self, request: Request, username: str, filename: str) -> HttpResponseBase:
        row = selectors.file_public(username=username, name=filename)
        if row is not None:
            try:
                handed_over = offloaded(request._request, row)
                return handed_over if handed_over is not None else file_response(request._request, row)
            except FileNotFound:
                # The index says yes but the bytes are gone: reconcile_storage finds it.
                logger.exception("stored file without bytes: %s", row.storage_key)
        return JsonResponse({"detail": f"{filename} hasn't existed!"}, status=404)
