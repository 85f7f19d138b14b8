"""A learner's hand-in to a placed file request, under the launch's name: the file-request
upload path of sharing/ with the course member's identity."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from config.drf import http_request
from lti import selectors, services
from lti.errors import LaunchRejected
from sharing import requests_selectors
from sharing.models import FileRequest
from sharing.requests_services import submission_files_link
from sharing.requests_uploads import FIELD, SubmissionUploadHandler, uploader_refusal_text
from upload_center import services as upload_services
from upload_center.errors import NothingToStore
from upload_center.exception_handlers import FmApi
from upload_center.handlers import uploads_receive
from upload_center.multipart import ChunkedBodyApi, StreamingMultiPartParser


@extend_schema(exclude=True)  # the LTI page's own endpoint, as /r/<token>'s: not part of the API
class HandInApi(FmApi, ChunkedBodyApi):
    """``PUT`` multipart, files in field ``file``, with the page's CSRF token in X-CSRFToken
    (a PUT, so Django's CSRF check reads no body before the streaming parser)."""

    authentication_classes = [SessionAuthentication]
    parser_classes = [StreamingMultiPartParser]
    renderer_classes = [JSONRenderer]

    def put(self, request: Request, launch_id: str) -> Response:
        try:
            facts = services.launch_facts(request=http_request(request), launch_id=launch_id)
        except LaunchRejected as e:
            raise PermissionDenied(e.what) from e
        placement = selectors.launch_placement(facts=facts)
        if placement is None or placement.file_request is None:
            raise NotFound("This launch placed no file request.")
        file_request = placement.file_request
        if file_request.state() != FileRequest.State.OPEN:
            return Response({"detail": "This request is closed: its deadline has passed."}, status=410)
        visit = selectors.member_visit(registration_pk=facts.registration_pk, sub=facts.sub)
        handler = SubmissionUploadHandler(
            file_request=file_request,
            uploader=facts.name,
            by_uploader=requests_selectors.handed_in(file_request=file_request, visit=visit),
            by_all=requests_selectors.handed_in(file_request=file_request),
        )
        if not uploads_receive(request, handler):
            raise NothingToStore(f"No file was sent in {FIELD}.")
        upload_services.uploads_nonempty_check(handler.uploads)
        upload_services.files_settle(owner_id=file_request.owner_id, uploads=handler.uploads)
        linked = submission_files_link(
            file_request=file_request, uploader=facts.name, visit=visit, uploads=handler.uploads
        )
        if linked:
            services.score_queue(facts=facts)
        body: dict[str, Any] = {
            "files": [row.original_name for row in linked],
            "refused": [uploader_refusal_text(u.error) for u in handler.uploads if u.error is not None],
        }
        return Response(body, status=200 if linked else 400)
