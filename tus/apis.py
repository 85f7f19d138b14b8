"""The tus 1.0.0 endpoints at /tus/ (CONTRACT section 6).

Token or session auth (with DRF's CSRF check for sessions), as /fm/. Every answer
carries ``Tus-Resumable``; refusals are ``{"detail": ...}`` with tus's status codes.
The OpenAPI description is written by hand in ``tus.schema`` (tus speaks in headers).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from account.models import User
from config.body import body_stream, body_without_length
from config.drf import http_request, request_user
from config.tuning import BODY_READ as READ_SIZE
from tus import services
from tus.errors import TusError, VersionUnsupported, WrongContentType
from tus.headers import (
    CHECKSUM_ALGORITHMS,
    EXTENSIONS,
    OFFSET_STREAM,
    OVERRIDE_HEADER,
    VERSION,
    checksum_parse,
    metadata_parse,
    method_override,
    size_parse,
)
from tus.models import TusUpload

logger = logging.getLogger(__name__)


class LoggedInExceptOptions(BasePermission):
    """OPTIONS tells any client what the server supports (tus: no auth); the rest needs a user."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return request.method == "OPTIONS" or bool(request.user and request.user.is_authenticated)


def _body(request: HttpRequest) -> Iterator[bytes]:
    stream = body_stream(request)
    while chunk := stream.read(READ_SIZE):
        yield chunk


def _upload_headers(upload: TusUpload) -> dict[str, str]:
    headers = {"Upload-Offset": str(upload.offset), "Upload-Length": str(upload.length)}
    if not upload.finished:
        headers["Upload-Expires"] = upload.expires_at.strftime("%a, %d %b %Y %H:%M:%S GMT")
    return headers


def _answer(status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(status=status, headers=headers)


@extend_schema(exclude=True)
class TusBaseApi(APIView):
    permission_classes = [LoggedInExceptOptions]
    renderer_classes = [JSONRenderer]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Auth and the CSRF check first: a cross-site form is refused as it is everywhere else.
        super().initial(request, *args, **kwargs)
        # Then the method the client meant: DRF dispatches on the Django request's method.
        override = method_override(request.headers.get(OVERRIDE_HEADER), sent_as=str(request.method))
        if override is not None:
            http_request(request).method = override
        # A method the endpoint does not take stays 405 (raised after this).
        method = str(request.method).lower()
        if method == "options" or not hasattr(self, method):
            return
        if request.headers.get("Tus-Resumable") != VERSION:
            raise VersionUnsupported(f"This server speaks tus {VERSION} (send Tus-Resumable: {VERSION}).")

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, TusError):
            if exc.status >= 500:
                logger.error("tus request failed", exc_info=exc)
            response = Response({"detail": str(exc)}, status=exc.status)
            if isinstance(exc, VersionUnsupported):
                response["Tus-Version"] = VERSION
            return response
        return super().handle_exception(exc)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Tus-Resumable"] = VERSION
        return response

    def options(self, request: Request, *args: Any, **kwargs: Any) -> Response:  # type: ignore[override]
        return _answer(
            204,
            {
                "Tus-Version": VERSION,
                "Tus-Extension": EXTENSIONS,
                "Tus-Checksum-Algorithm": ",".join(CHECKSUM_ALGORITHMS),
                "Tus-Max-Size": str(settings.UPLOAD_MAX_REQUEST_BYTES),
            },
        )


def _media_type(request: Request) -> str:
    return str(request.content_type).split(";")[0].strip().lower()


def _has_body(request: Request) -> bool:
    """A length above 0, or a chunked body (which has none: tus does not require one)."""
    return request.headers.get("Content-Length", "0") != "0" or body_without_length(request.META)


def _append(request: Request, *, owner: User, upload_id: str, offset: int) -> TusUpload:
    if _media_type(request) != OFFSET_STREAM:
        raise WrongContentType(f"A PATCH body must be sent as Content-Type: {OFFSET_STREAM}.")
    return services.upload_append(
        owner=owner,
        upload_id=upload_id,
        offset=offset,
        body=_body(http_request(request)),
        checksum=checksum_parse(request.headers.get("Upload-Checksum")),
    )


class TusCollectionApi(TusBaseApi):
    def post(self, request: Request) -> Response:
        upload = services.upload_create(
            owner=request_user(request),
            length=size_parse(request.headers.get("Upload-Length"), name="Upload-Length"),
            metadata=metadata_parse(request.headers.get("Upload-Metadata")),
        )
        return self.created(request, upload, f"/tus/{upload.pk}")

    def created(self, request: Request, upload: TusUpload, location: str) -> Response:
        """The answer to a creation: 201 at ``location``, after the body's first bytes if any."""
        headers = {"Location": location, **_upload_headers(upload)}
        del headers["Upload-Offset"], headers["Upload-Length"]
        # creation-with-upload: a body holds the first bytes.
        if _media_type(request) == OFFSET_STREAM and _has_body(request):
            try:
                headers |= _upload_headers(
                    _append(request, owner=upload.owner, upload_id=upload.pk, offset=0)
                )
            except TusError:
                # Created all the same: the client asks its offset and PATCHes again.
                headers["Upload-Offset"] = "0"
            headers.pop("Upload-Length", None)
        return _answer(201, headers)


class TusUploadApi(TusBaseApi):
    def upload_owner(self, request: Request, upload_id: str) -> User:
        """Whose upload ``upload_id`` may be (its services refuse another owner's with 404)."""
        return request_user(request)

    def head(self, request: Request, upload_id: str) -> Response:
        upload = services.upload_find(owner=self.upload_owner(request, upload_id), upload_id=upload_id)
        self.appended(upload)
        return _answer(200, {**_upload_headers(upload), "Cache-Control": "no-store"})

    def patch(self, request: Request, upload_id: str) -> Response:
        offset = size_parse(request.headers.get("Upload-Offset"), name="Upload-Offset")
        upload = _append(
            request, owner=self.upload_owner(request, upload_id), upload_id=upload_id, offset=offset
        )
        self.appended(upload)
        headers = _upload_headers(upload)
        del headers["Upload-Length"]
        return _answer(204, headers)

    def appended(self, upload: TusUpload) -> None:
        """Runs after each PATCH and HEAD (a finished upload's, too): nothing here."""

    def delete(self, request: Request, upload_id: str) -> Response:
        services.upload_terminate(owner=self.upload_owner(request, upload_id), upload_id=upload_id)
        return _answer(204)
