from __future__ import annotations

from django.urls import path

from sharing import apis, requests_apis, requests_tus, requests_views, views

urlpatterns = [
    path("s/<str:token>", views.share_page, name="share-page"),
    path("fm/sharing/files", apis.FilesApi.as_view(), name="sharing-files"),
    path("fm/sharing/files/<str:name>", apis.FileApi.as_view(), name="sharing-file"),
    path("fm/sharing/files/<str:name>/links", apis.FileLinksApi.as_view(), name="sharing-file-links"),
    path(
        "fm/sharing/files/<str:name>/download", apis.FileDownloadApi.as_view(), name="sharing-file-download"
    ),
    path("fm/sharing/links/<str:link_id>", apis.LinkApi.as_view(), name="sharing-link"),
    path("r/<str:token>", requests_views.request_page, name="request-page"),
    path("r/<str:token>/files", requests_views.RequestFilesApi.as_view(), name="request-files"),
    path("r/<str:token>/files/<str:file_id>", requests_views.RequestFileApi.as_view(), name="request-file"),
    path("r/<str:token>/receipt/<str:receipt>", requests_views.receipt_page, name="request-receipt"),
    path("r/<str:token>/tus/", requests_tus.HandInTusCollectionApi.as_view(), name="request-tus"),
    # Ids are URL-safe base64 (tus.models.upload_id_new); any other text is simply unknown.
    path(
        "r/<str:token>/tus/<str:upload_id>",
        requests_tus.HandInTusUploadApi.as_view(),
        name="request-tus-upload",
    ),
    path("fm/sharing/requests", requests_apis.RequestsApi.as_view(), name="sharing-requests"),
    path("fm/sharing/requests/<str:request_id>", requests_apis.RequestApi.as_view(), name="sharing-request"),
    path(
        "fm/sharing/requests/<str:request_id>/close",
        requests_apis.RequestCloseApi.as_view(),
        name="sharing-request-close",
    ),
    path(
        "fm/sharing/requests/<str:request_id>/submissions",
        requests_apis.SubmissionsApi.as_view(),
        name="sharing-request-submissions",
    ),
    path(
        "fm/sharing/requests/<str:request_id>/zip",
        requests_apis.RequestZipApi.as_view(),
        name="sharing-request-zip",
    ),
]
