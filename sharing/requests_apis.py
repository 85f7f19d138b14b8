"""The file request API at /fm/sharing/requests: make, list and close requests, see
what was handed in, and download it all as one ZIP. Token or session auth."""

from __future__ import annotations

from django.http.response import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.drf import request_user
from sharing import requests_selectors as selectors
from sharing import requests_services as services
from sharing.apis import INVALID, UNAUTHORIZED, SharingApi, path_id
from sharing.errors import ShareRefused
from sharing.models import FileRequest
from sharing.requests_serializers import (
    FileRequestCreateSerializer,
    FileRequestSerializer,
    FileRequestsSerializer,
    SubmissionsSerializer,
)
from sharing.requests_zip import request_zip_response
from sharing.serializers import valid_data
from upload_center.serializers import DetailSerializer

NO_REQUEST = OpenApiResponse(DetailSerializer, description="You have no file request of that id.")
REQUEST_ID = OpenApiParameter("request_id", OpenApiTypes.INT, OpenApiParameter.PATH)


def _owned_request(request: Request, request_id: str) -> FileRequest:
    number = path_id(request_id)
    found = selectors.owned_request(owner=request_user(request), request_id=number) if number else None
    if found is None:
        raise NotFound("No such file request.")
    return found


class RequestsApi(SharingApi):
    @extend_schema(
        operation_id="fm_sharing_requests_list", responses={200: FileRequestsSerializer, 401: UNAUTHORIZED}
    )
    def get(self, request: Request) -> Response:
        """Your file requests, newest first, closed ones too (with their state)."""
        rows = selectors.owned_requests(owner=request_user(request))
        return Response(
            {"requests": FileRequestSerializer(rows, many=True, context={"request": request}).data}
        )

    @extend_schema(
        request=FileRequestCreateSerializer,
        responses={201: FileRequestSerializer, 400: INVALID, 401: UNAUTHORIZED},
    )
    def post(self, request: Request) -> Response:
        """A new file request: anyone with its link hands in files, into your space, until the deadline."""
        data = valid_data(FileRequestCreateSerializer, request.data)
        user = request_user(request)
        try:
            made = services.file_request_create(
                owner=user,
                title=data["title"],
                deadline=data["deadline"],
                size_limit=data["size_limit"],
                extensions=" ".join(data["extensions"]),
                instructions=data["instructions"],
                total_size_limit=data["total_size_limit"],
                total_files_limit=data["total_files_limit"],
            )
        except ShareRefused as e:
            raise ValidationError({"deadline": [str(e)]}) from e
        shown = selectors.owned_request(owner=user, request_id=made.pk)
        return Response(FileRequestSerializer(shown, context={"request": request}).data, status=201)


class RequestApi(SharingApi):
    @extend_schema(
        request=None,
        parameters=[REQUEST_ID],
        responses={200: FileRequestSerializer, 401: UNAUTHORIZED, 404: NO_REQUEST},
    )
    def get(self, request: Request, request_id: str) -> Response:
        """One of your file requests."""
        found = _owned_request(request, request_id)
        return Response(FileRequestSerializer(found, context={"request": request}).data)


# Closing is an action on the request, not a DELETE: the request and what was
# handed in stay listed (a DELETE would promise the resource is gone).
class RequestCloseApi(SharingApi):
    @extend_schema(
        request=None,
        parameters=[REQUEST_ID],
        responses={200: FileRequestSerializer, 401: UNAUTHORIZED, 404: NO_REQUEST},
    )
    def post(self, request: Request, request_id: str) -> Response:
        """Close a request: its link answers 404 from now on; what was handed in stays. Again: no change."""
        found = _owned_request(request, request_id)
        services.file_requests_close(requests=FileRequest.objects.filter(pk=found.pk))
        found.refresh_from_db()
        return Response(FileRequestSerializer(found, context={"request": request}).data)


class SubmissionsApi(SharingApi):
    @extend_schema(
        parameters=[REQUEST_ID], responses={200: SubmissionsSerializer, 401: UNAUTHORIZED, 404: NO_REQUEST}
    )
    def get(self, request: Request, request_id: str) -> Response:
        """Who handed in what: each uploader's name (per browser), files, sizes and times, oldest first."""
        found = _owned_request(request, request_id)
        rows = selectors.request_submissions(file_request=found)
        return Response({"submissions": SubmissionsSerializer({"submissions": rows}).data["submissions"]})


@extend_schema(
    parameters=[REQUEST_ID],
    responses={
        (200, "application/zip"): OpenApiResponse(
            OpenApiTypes.BINARY,
            description="Every handed-in file as `<uploader>/<file>`, streamed as it is built.",
        ),
        401: UNAUTHORIZED,
        404: NO_REQUEST,
    },
)
class RequestZipApi(APIView):
    """All the files handed in to the request, as one ZIP (ZIP64 past 4 GiB)."""

    def get(self, request: Request, request_id: str) -> HttpResponseBase:
        return request_zip_response(file_request=_owned_request(request, request_id))
