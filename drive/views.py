"""The drive's web page, and the download behind its Download links."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.generic import TemplateView
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request

from account.models import User
from cloud_export.models import CloudType
from cloud_export.oauth import cloud_enabled
from config.drf import http_request, request_user
from config.security import page_headers
from drive.apis import DriveApi, error_responses, text_field
from upload_center import selectors
from upload_center.errors import FileNotFound
from upload_center.offload import file_answer
from upload_center.storage import storage_exists

logger = logging.getLogger(__name__)


@method_decorator(page_headers, name="dispatch")
# Uploads go to /tus/ with the session, so they send Django's CSRF token from this cookie.
@method_decorator(ensure_csrf_cookie, name="dispatch")
class DrivePageView(TemplateView):
    template_name = "drive/index.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # "Save all to cloud" is offered only where some cloud's OAuth app is set up.
        context["cloud_export_enabled"] = any(cloud_enabled(cloud) for cloud in CloudType.values)
        context["clouds"] = CloudType.choices
        return context


class AnyAccept(BaseContentNegotiation):
    """A download answers the file whatever the Accept header asks (DRF would answer 406
    to `Accept: application/octet-stream`); its errors are the envelope's JSON."""

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> BaseParser | None:
        return next(iter(parsers), None)

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, str(renderer.media_type)


class FilesDownloadApi(DriveApi):
    content_negotiation_class = AnyAccept

    @extend_schema(
        parameters=[
            OpenApiParameter("key", {"type": "string", "minLength": 1}, OpenApiParameter.QUERY, required=True)
        ],
        responses={
            (200, "*/*"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The file (Range, ETag and 304 as `/fm/download/`)."
            ),
            302: OpenApiResponse(
                description="With `DOWNLOAD_OFFLOAD=s3-redirect`: to a short-lived S3 link. For a browser "
                "(`Accept` lists `text/html`) asking for a file that is gone: to the drive page, "
                "which says so."
            ),
            **error_responses(400, 401, 404),
        },
        description=(
            "Your own file, private or not: the drive page's Download (not counted as a download). "
            "HEAD answers 404 also when the file's bytes are missing from storage, so the page asks first."
        ),
    )
    def get(self, request: Request) -> HttpResponseBase:
        key = text_field(request.query_params, "key")
        asked = http_request(request)
        try:
            return _owned_file_answer(asked, owner=request_user(request), name=key)
        except FileNotFound:
            if asked.method == "GET" and _browser(asked):
                # A page, not JSON or a failed download: the drive says what happened.
                return HttpResponseRedirect(f"{reverse('drive-page')}?{urlencode({'missing': key})}")
            raise


def _owned_file_answer(request: HttpRequest, *, owner: User, name: str) -> HttpResponseBase:
    """The owner's file ``name``; FileNotFound naming it when its row or its bytes are gone."""
    row = selectors.file_owned(owner=owner, name=name)
    if row is None:
        raise FileNotFound.named(name)
    try:
        # A HEAD opens no bytes (file_response): the page asks with one before it downloads.
        if request.method == "HEAD" and not storage_exists(row.storage_key):
            raise FileNotFound(f"{row.storage_key} is in the index but not in storage")
        return file_answer(request, row)
    except FileNotFound as e:
        logger.exception("stored file without bytes: %s", row.storage_key)  # for reconcile_storage
        raise FileNotFound.named(name) from e


def _browser(request: HttpRequest) -> bool:
    """A browser opening the link (its Accept lists text/html), not a script."""
    return any((kind.main_type, kind.sub_type) == ("text", "html") for kind in request.accepted_types)
