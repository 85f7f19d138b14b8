"""The sharing API at /fm/sharing/: links of a file, private files, download counts.

Token or session auth, as the rest of /fm/ (session calls carry Django's CSRF token).
Files are named as in /fm/manager/, by their stored name (percent-encoded in the path).
"""

from __future__ import annotations

import logging

from django.http.response import HttpResponseBase
from django.middleware.csrf import get_token
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.drf import JSONParser, http_request, request_user
from config.schema import FIELD_ERRORS_SCHEMA
from sharing import selectors, services
from sharing.errors import ShareRefused
from sharing.models import TIER_DEFAULT
from sharing.serializers import (
    FileSharingSerializer,
    FilesSerializer,
    LinkCreateSerializer,
    LinkSerializer,
    LinksSerializer,
    PrivateSerializer,
    valid_data,
)
from upload_center import selectors as upload_selectors
from upload_center.errors import FileNotFound, file_missing_text
from upload_center.models import StoredFile
from upload_center.offload import file_answer
from upload_center.serializers import DetailSerializer

logger = logging.getLogger(__name__)

UNAUTHORIZED = OpenApiResponse(DetailSerializer, description="Not logged in: no token or session.")
NO_FILE = OpenApiResponse(DetailSerializer, description="You have no file of that name.")
INVALID = OpenApiResponse(FIELD_ERRORS_SCHEMA, description="A field is missing or not allowed.")


class SharingApi(APIView):
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser]


def path_id(text: str) -> int | None:
    """A row's id from a URL part (up to 18 digits: a bigint), None for other text.
    Matched as text, not by an int converter, so that text that is no id gets the
    API's JSON 404 instead of Django's page."""
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None


def _owned_file(request: Request, name: str) -> StoredFile:
    row = upload_selectors.file_owned(owner=request_user(request), name=name)
    if row is None:
        raise NotFound(file_missing_text(name))
    return row


class FilesApi(SharingApi):
    @extend_schema(responses={200: FilesSerializer, 401: UNAUTHORIZED})
    def get(self, request: Request) -> Response:
        """Your files, newest first, with their download counts, private flags and live links."""
        # The drive page's later calls send the CSRF token from its cookie: make sure it has one.
        get_token(http_request(request))
        rows = selectors.files_with_sharing(owner=request_user(request))
        return Response({"files": FileSharingSerializer(rows, many=True).data})


class FileApi(SharingApi):
    @extend_schema(
        request=PrivateSerializer,
        responses={200: FileSharingSerializer, 400: INVALID, 401: UNAUTHORIZED, 404: NO_FILE},
    )
    def patch(self, request: Request, name: str) -> Response:
        """Make a file private (only its share links serve it) or public again; `{}` changes nothing."""
        row = _owned_file(request, name)
        changes = valid_data(PrivateSerializer, request.data, partial=True)
        if "private" in changes:
            services.file_private_set(file=row, private=changes["private"])
        shown = selectors.files_with_sharing(owner=request_user(request)).get(pk=row.pk)
        return Response(FileSharingSerializer(shown).data)


class FileLinksApi(SharingApi):
    @extend_schema(responses={200: LinksSerializer, 401: UNAUTHORIZED, 404: NO_FILE})
    def get(self, request: Request, name: str) -> Response:
        """The file's share links, newest first, the dead ones too (with their state)."""
        links = selectors.file_links(file=_owned_file(request, name))
        return Response({"links": LinkSerializer(links, many=True, context={"request": request}).data})

    @extend_schema(
        request=LinkCreateSerializer,
        responses={201: LinkSerializer, 400: INVALID, 401: UNAUTHORIZED, 404: NO_FILE},
    )
    def post(self, request: Request, name: str) -> Response:
        """A new share link to the file, with an optional label, password, expiry and download limit."""
        row = _owned_file(request, name)
        data = valid_data(LinkCreateSerializer, request.data)
        try:
            link = services.share_link_create(
                owner=request_user(request),
                file=row,
                label=data["label"],
                password=data["password"],
                expires_at=data.get("expires_at", TIER_DEFAULT),
                download_limit=data["download_limit"],
            )
        except ShareRefused as e:
            raise ValidationError({"expires_at": [str(e)]}) from e
        return Response(LinkSerializer(link, context={"request": request}).data, status=201)


class LinkApi(SharingApi):
    @extend_schema(
        request=None,
        parameters=[OpenApiParameter("link_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={
            200: LinkSerializer,
            401: UNAUTHORIZED,
            404: OpenApiResponse(DetailSerializer, description="You have no link of that id."),
        },
    )
    def delete(self, request: Request, link_id: str) -> Response:
        """Revoke a link: it answers 404 from now on. Revoking again changes nothing."""
        number = path_id(link_id)
        link = selectors.owned_link(owner=request_user(request), link_id=number) if number else None
        if link is None:
            raise NotFound("No such link.")
        link = services.share_link_revoke(link=link)
        return Response(LinkSerializer(link, context={"request": request}).data)


@extend_schema(
    responses={
        (200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The file."),
        (206, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The byte range asked for."),
        302: OpenApiResponse(description="With `DOWNLOAD_OFFLOAD=s3-redirect`: to a short-lived S3 link."),
        304: OpenApiResponse(description="Not modified."),
        401: UNAUTHORIZED,
        404: NO_FILE,
        416: OpenApiResponse(description="The `Range` lies outside the file."),
    }
)
class FileDownloadApi(APIView):
    """Your own file, private or not (not counted as a download): the drive's Download button."""

    def get(self, request: Request, name: str) -> HttpResponseBase:
        row = _owned_file(request, name)
        try:
            return file_answer(http_request(request), row)
        except FileNotFound as e:
            logger.exception("stored file without bytes: %s", row.storage_key)
            raise NotFound(file_missing_text(name)) from e
