"""HTTP entry points: the gallery's POST /cloud_archive, the drive's export, and the OAuth round trip."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cloud_export.exceptions import ExportLinkInvalid
from cloud_export.models import ArchiveType
from cloud_export.oauth_flow import export_request_complete, export_request_start
from cloud_export.serializers import (
    CloudArchiveRequestSerializer,
    DriveExportRequestSerializer,
    RedirectToSerializer,
)
from cloud_export.services import export_request_create
from config.drf import JSONParser, request_user
from config.schema import FIELD_ERRORS_SCHEMA
from config.security import ClientAddressRateThrottle
from upload_center.errors import file_missing_text
from upload_center.models import StoredFile
from upload_center.serializers import DetailSerializer

# Binds the provider's answer to the browser that opened the start link.
BROWSER_COOKIE = "cloud_export_request"
BROWSER_COOKIE_SALT = "cloud_export.browser"


def _start_link(request: HttpRequest, token: str) -> str:
    return request.build_absolute_uri(reverse("cloud_export:start", args=[token]))


class CloudArchiveApi(APIView):
    """Start exporting a gallery archive to Google Drive or Yandex Disk.

    Open the answered ``redirect_to`` in the browser: it leads to the cloud's consent
    page, and from there to ``redirect_success_link`` (export queued) or
    ``redirect_fail_link``. The link works once.
    """

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    # JSON only: a cross-site HTML form cannot send it without a CORS preflight.
    parser_classes = [JSONParser]
    # Anyone may call it and each call stores a row: limited per client address.
    throttle_classes = [ClientAddressRateThrottle]

    @extend_schema(
        request=CloudArchiveRequestSerializer,
        responses={
            200: RedirectToSerializer,
            400: OpenApiResponse(FIELD_ERRORS_SCHEMA),
            429: OpenApiResponse(DetailSerializer, description="Too many calls; see Retry-After."),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = CloudArchiveRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        # The contract's ``gallery_name`` names the cloud folder the export goes into.
        export = export_request_create(folder_name=data.pop("gallery_name"), **data)
        return Response({"redirect_to": _start_link(request, export.start_token)})


class DriveExportApi(APIView):
    """Export your own stored files (all, or the named ones) to your Google Drive or Yandex Disk.

    Progress arrives on the drive's WebSocket as ``EXPORT_PROGRESS`` events.
    """

    permission_classes = [IsAuthenticated]
    # The drive page sends JSON; a form's empty field would silently become the default folder.
    parser_classes = [JSONParser]

    @extend_schema(
        request=DriveExportRequestSerializer,
        responses={
            200: RedirectToSerializer,
            400: OpenApiResponse(FIELD_ERRORS_SCHEMA),
            401: OpenApiResponse(FIELD_ERRORS_SCHEMA, description="Not logged in."),
        },
    )
    def post(self, request: Request) -> Response:
        user = request_user(request)
        serializer = DriveExportRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        keys = sorted(set(serializer.validated_data["keys"]))
        # Only the caller's own files: another user's name is simply not found.
        found = set(
            StoredFile.objects.stored().filter(owner=user, name__in=keys).values_list("name", flat=True)
        )
        if missing := [key for key in keys if key not in found]:
            raise serializers.ValidationError({"keys": [file_missing_text(key) for key in missing]})
        home = request.build_absolute_uri("/")
        export = export_request_create(
            cloud_type=serializer.validated_data["cloud_type"],
            archive_type=ArchiveType.ORIGINALS,
            folder_name=serializer.validated_data["folder_name"],
            owner=user,
            file_keys=keys,
            redirect_success_link=f"{home}?export=queued",
            redirect_fail_link=f"{home}?export=failed",
        )
        return Response({"redirect_to": _start_link(request, export.start_token)})


def _fail(e: ExportLinkInvalid) -> HttpResponse:
    if e.fail_link:
        return HttpResponseRedirect(e.fail_link)
    return HttpResponseBadRequest("This export link is not valid.", content_type="text/plain")


# A wrong method gets 405 from require_GET, not 403 from the CSRF check first.
@csrf_exempt
@require_GET
def export_start(request: HttpRequest, token: str) -> HttpResponse:
    """The single-use ``redirect_to`` link: on to the provider's consent page."""
    try:
        export, consent_url = export_request_start(
            token=token, request=request, redirect_uri=_callback_uri(request)
        )
    except ExportLinkInvalid as e:
        return _fail(e)
    response = HttpResponseRedirect(consent_url)
    response.set_signed_cookie(
        BROWSER_COOKIE, str(export.pk), salt=BROWSER_COOKIE_SALT, max_age=3600, httponly=True,
        samesite="Lax", secure=request.is_secure(),
    )  # fmt: skip
    return response


@csrf_exempt
@require_GET
def export_callback(request: HttpRequest) -> HttpResponse:
    """Where the provider sends the browser back, with a code (or an error) and the state."""
    try:
        link = export_request_complete(
            request=request,
            redirect_uri=_callback_uri(request),
            browser_request_id=_browser_request_id(request),
        )
    except ExportLinkInvalid as e:
        response = _fail(e)
    else:
        response = HttpResponseRedirect(link)
    response.delete_cookie(BROWSER_COOKIE)
    return response


def _browser_request_id(request: HttpRequest) -> int | None:
    """The export request this browser opened, from its signed cookie."""
    # With a default, a missing, forged or expired cookie reads as None instead of raising.
    value = request.get_signed_cookie(BROWSER_COOKIE, default=None, salt=BROWSER_COOKIE_SALT, max_age=3600)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _callback_uri(request: HttpRequest) -> str:
    # One callback for both providers: the state says which request (and cloud) it answers.
    return request.build_absolute_uri(reverse("cloud_export:callback"))
