"""Resumable hand-ins: tus 1.0.0 at /r/<token>/tus/, as /tus/ speaks it (tus-js-client
on the hand-in page), without an account.

The request's owner owns the uploads (quota, reservation, expiry: tus.services); who
may go on with one is the browser that began it (its visit cookie) and nobody else,
whatever its id. A creation needs the uploader's name in X-Uploader-Name and every
tus call carries Tus-Resumable: custom headers a page of another site cannot send
without a CORS preflight this site never grants."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from account.models import User
from config.drf import http_request
from config.security import origin_foreign
from sharing import requests_selectors as selectors
from sharing.models import HandInUpload
from sharing.requests_services import hand_in_tus_begin, hand_in_tus_link
from sharing.requests_uploads import uploader_refusal_text
from sharing.requests_views import RequestUploadThrottle, hand_in_request, uploader_name, visit_of
from tus import services as tus_services
from tus.apis import TusCollectionApi, TusUploadApi
from tus.errors import Refused, UploadNotFound
from tus.headers import metadata_parse, size_parse
from tus.models import TusUpload


class CrossSiteRefused:
    """Refuses a call naming another origin before anything else (tus's version check included)."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        if request.method not in SAFE_METHODS and origin_foreign(request, null_allowed=True):
            raise PermissionDenied("Cross-site upload refused.")
        super().initial(request, *args, **kwargs)  # type: ignore[misc]


@extend_schema(exclude=True)  # the hand-in page's own endpoint, as /r/<token>/files
class HandInTusCollectionApi(CrossSiteRefused, TusCollectionApi):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [RequestUploadThrottle]

    def post(self, request: Request, token: str) -> Response:  # type: ignore[override]
        file_request = hand_in_request(request, token)
        visit = visit_of(http_request(request))
        if visit is None:  # the page gives each browser its visit: the uploads are listed by it
            raise PermissionDenied("Open the hand-in page first.")
        metadata = metadata_parse(request.headers.get("Upload-Metadata"))
        try:
            upload = hand_in_tus_begin(
                file_request=file_request,
                uploader=uploader_name(request),
                visit=visit,
                sent_name=tus_services.upload_name(metadata),
                length=size_parse(request.headers.get("Upload-Length"), name="Upload-Length"),
                filetype=metadata.get("filetype", ""),
            )
        except Refused as e:
            raise Refused(uploader_refusal_text(e)) from e
        return self.created(request, upload, f"{file_request.path}/tus/{upload.pk}")


@extend_schema(exclude=True)
class HandInTusUploadApi(CrossSiteRefused, TusUploadApi):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    def _hand_in(self, request: Request, upload_id: str) -> HandInUpload:
        # Not only while open: an upload begun before the deadline may end after it (late).
        file_request = hand_in_request(request, self.kwargs["token"], changing=False)
        found = selectors.hand_in_upload(
            file_request=file_request, upload_id=upload_id, visit=visit_of(http_request(request))
        )
        if found is None:
            raise UploadNotFound("This upload does not exist or has expired.")
        return found

    def upload_owner(self, request: Request, upload_id: str) -> User:
        return self._hand_in(request, upload_id).submission.request.owner

    def appended(self, upload: TusUpload) -> None:
        if upload.finished:
            hand_in_tus_link(hand_in=HandInUpload.objects.select_related("submission").get(upload=upload))

    def head(self, request: Request, token: str, upload_id: str) -> Response:  # type: ignore[override]
        return super().head(request, upload_id)

    def patch(self, request: Request, token: str, upload_id: str) -> Response:  # type: ignore[override]
        return super().patch(request, upload_id)

    def delete(self, request: Request, token: str, upload_id: str) -> Response:  # type: ignore[override]
        return super().delete(request, upload_id)
