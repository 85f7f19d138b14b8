"""The public side of a file request: the page /r/<token> and its upload endpoint.

Uploaders have no account. A visit is one browser: a signed cookie scoped to the
request's path, which is all that lists "your uploads" (never other people's).
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import unquote

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import APIException, NotFound, ParseError, PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from config.drf import http_request
from config.security import ClientAddressRateThrottle
from sharing import requests_selectors as selectors
from sharing.errors import ShareRefused
from sharing.models import UPLOADER_NAME_MAX, FileRequest, SubmissionFile
from sharing.requests_services import hand_in_remove, submission_files_link
from sharing.requests_uploads import FIELD, OWNER_SPACE_FULL, SubmissionUploadHandler, uploader_refusal_text
from sharing.views import _dead, _foreign_origin, share_headers
from upload_center import services
from upload_center.errors import NothingToStore
from upload_center.exception_handlers import FmApi, upload_error_status
from upload_center.handlers import uploads_receive
from upload_center.multipart import ChunkedBodyApi, StreamingMultiPartParser
from upload_center.uploads import UploadState

VISIT_COOKIE = "request_visit"
VISIT_SALT = "sharing.request-visit"
VISIT_SECONDS = 30 * 24 * 3600
NAME_HEADER = "X-Uploader-Name"


def visit_of(request: HttpRequest) -> str | None:
    value = request.get_signed_cookie(VISIT_COOKIE, default=None, salt=VISIT_SALT, max_age=VISIT_SECONDS)
    return value if value and len(value) == 32 else None


def visit_cookie_set(
    response: HttpResponseBase, *, request: HttpRequest, file_request: FileRequest, visit: str
) -> None:
    # Scoped to this request's path: one visit per request and browser, sent nowhere else.
    response.set_signed_cookie(
        VISIT_COOKIE,
        visit,
        salt=VISIT_SALT,
        max_age=VISIT_SECONDS,
        path=file_request.path,
        secure=request.is_secure(),
        httponly=True,
        # Lax, not Strict: a student who follows the link from the class's site (a
        # cross-site navigation) must still be the same visit and see their uploads.
        samesite="Lax",
    )


@share_headers
@require_http_methods(["GET", "HEAD"])
def request_page(request: HttpRequest, token: str) -> HttpResponseBase:
    file_request = selectors.request_by_token(token=token)
    if file_request is None:
        return _dead()
    if file_request.state() != FileRequest.State.OPEN:
        return render(request, "sharing/request_closed.html", {"file_request": file_request}, status=410)
    visit = visit_of(request)
    files = selectors.visit_files(file_request=file_request, visit=visit) if visit else []
    context = {
        "file_request": file_request,
        "files": [hand_in_json(row) for row in files],
        "name_max": UPLOADER_NAME_MAX,
        # The server's own texts, for the page's checks before a byte is sent.
        "texts": {
            "extension": file_request.extension_refusal(),
            "size_limit": file_request.size_limit_refusal(),
            "tier_limit": file_request.owner.account.limit_message(),
            "owner_full": OWNER_SPACE_FULL,
            "empty": NothingToStore.empty_files(["{name}"]).args[0],
        },
    }
    response = render(request, "sharing/request.html", context)
    if visit is None:
        visit_cookie_set(response, request=request, file_request=file_request, visit=uuid.uuid4().hex)
    return response


class RequestUploadThrottle(ClientAddressRateThrottle):
    scope = "file_request_upload"
    rate_setting = "FILE_REQUEST_UPLOAD_RATE_LIMIT"


def uploader_name(request: Request) -> str:
    """The name the uploader gave, sent percent-encoded (UTF-8) in X-Uploader-Name."""
    refusal = ParseError(f"Give your name (1 to {UPLOADER_NAME_MAX} characters) before uploading.")
    try:
        name = unquote(request.headers.get(NAME_HEADER, ""), errors="strict").strip()
    except UnicodeDecodeError as e:
        raise refusal from e
    if not name or len(name) > UPLOADER_NAME_MAX or not name.isprintable():
        raise refusal
    return name


@extend_schema(exclude=True)  # a public page's own endpoint, as /s/: not part of the API
class RequestFilesApi(FmApi, ChunkedBodyApi):
    """Files handed in to a request: multipart, one or more files in field ``file``.

    Cross-site safe without Django's CSRF token (the page sends no referrer, so its
    requests carry ``Origin: null``): the uploader's name must come in the
    ``X-Uploader-Name`` header, which an HTML form cannot send and a script of
    another site can send only after a CORS preflight this site never grants here;
    a request naming another origin is refused as well."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [RequestUploadThrottle]
    parser_classes = [StreamingMultiPartParser]
    renderer_classes = [JSONRenderer]

    def get(self, request: Request, token: str) -> Response:
        """What this browser handed in (the page's list, with each file's receipt)."""
        file_request = hand_in_request(request, token, changing=False)
        visit = visit_of(http_request(request))
        rows = selectors.visit_files(file_request=file_request, visit=visit) if visit else []
        return Response({"files": [hand_in_json(row) for row in rows]})

    def post(self, request: Request, token: str) -> Response:
        file_request = hand_in_request(request, token)
        uploader = uploader_name(request)
        visit = visit_of(http_request(request)) or uuid.uuid4().hex
        handler = SubmissionUploadHandler(
            file_request=file_request,
            uploader=uploader,
            by_uploader=selectors.handed_in(file_request=file_request, visit=visit),
            by_all=selectors.handed_in(file_request=file_request),
        )
        uploads = uploads_receive(request, handler)
        if not uploads:
            raise NothingToStore(f"No file was sent in {FIELD}.")
        services.uploads_nonempty_check(uploads)
        services.files_settle(owner_id=file_request.owner_id, uploads=uploads)
        linked = submission_files_link(
            file_request=file_request, uploader=uploader, visit=visit, uploads=uploads
        )
        response = _upload_answer(handler, linked)
        if visit_of(http_request(request)) is None:
            visit_cookie_set(response, request=http_request(request), file_request=file_request, visit=visit)
        return response


def hand_in_request(request: Request, token: str, *, changing: bool = True) -> FileRequest:
    """The request a hand-in call names; ``changing``: it must be open (410 once past its deadline)."""
    if changing and _foreign_origin(http_request(request)):
        raise PermissionDenied("Cross-site upload refused.")
    file_request = selectors.request_by_token(token=token)
    if file_request is None:
        raise NotFound("This request does not exist or is no longer available.")
    if changing and file_request.state() != FileRequest.State.OPEN:
        raise RequestClosed()
    return file_request


class RequestClosed(APIException):
    status_code = 410
    default_detail = "This request is closed: its deadline has passed."


def hand_in_json(row: SubmissionFile) -> dict[str, Any]:
    """One handed-in file as its sender sees it: what a receipt lists."""
    file_request = row.submission.request
    return {
        "id": row.pk,
        "name": row.original_name,
        "size": row.file.size,
        "sha256": row.file.sha256,
        "created_at": row.created_at,
        "late": row.created_at > file_request.deadline,
        "uploader": row.submission.uploader,
        "receipt": f"{file_request.path}/receipt/{row.submission.receipt}",
    }


@extend_schema(exclude=True)
class RequestFileApi(FmApi):
    """One handed-in file, taken back by its sender (to remove or replace it) until the
    deadline: from the same browser, or with its receipt in ``X-Receipt`` (a custom
    header, as X-Uploader-Name: no cross-site form can send it)."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]

    def delete(self, request: Request, token: str, file_id: str) -> Response:
        file_request = hand_in_request(request, token)
        row = selectors.visit_file(
            file_request=file_request,
            file_id=int(file_id) if file_id.isdigit() and len(file_id) < 18 else 0,
            visit=visit_of(http_request(request)),
            receipt=request.headers.get("X-Receipt"),
        )
        if row is None:
            raise NotFound("You handed in no such file.")
        try:
            hand_in_remove(file_request=file_request, row=row)
        except ShareRefused as e:
            raise RequestClosed(str(e)) from e
        return Response(status=204)


@share_headers
@require_http_methods(["GET", "HEAD"])
def receipt_page(request: HttpRequest, token: str, receipt: str) -> HttpResponseBase:
    """A submission's receipt, at a URL only its sender has: names, sizes, SHA-256, the
    server's time of each file and whether it came on time."""
    file_request = selectors.request_by_token(token=token, closed_too=True)
    submission = (
        selectors.receipt_submission(file_request=file_request, receipt=receipt) if file_request else None
    )
    if file_request is None or submission is None:
        return _dead()
    rows = [hand_in_json(row) for row in submission.files.all()]
    context = {
        "file_request": file_request,
        "submission": submission,
        "files": rows,
        "open": file_request.state() == FileRequest.State.OPEN,
    }
    return render(request, "sharing/receipt.html", context)


def _upload_answer(handler: SubmissionUploadHandler, linked: list[SubmissionFile]) -> Response:
    """The stored files (as the page lists them) and each refused one with its reason;
    with nothing stored, the first refusal's status (413 for the quota's and the size limit's)."""
    refused = [(u.sent_name, u.error) for u in handler.uploads if u.state is UploadState.REFUSED and u.error]
    body: dict[str, Any] = {
        "files": [hand_in_json(row) for row in linked],
        "refused": [{"name": name, "detail": uploader_refusal_text(error)} for name, error in refused],
    }
    if linked or not refused:
        return Response(body)
    first = refused[0][1]
    body["detail"] = uploader_refusal_text(first)
    return Response(body, status=upload_error_status(first))
