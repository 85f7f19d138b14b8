from __future__ import annotations

from django.urls import path

from sharing import apis, views

urlpatterns = [
    path("s/<str:token>", views.share_page, name="share-page"),
    path("fm/sharing/files", apis.FilesApi.as_view(), name="sharing-files"),
    path("fm/sharing/files/<str:name>", apis.FileApi.as_view(), name="sharing-file"),
    path("fm/sharing/files/<str:name>/links", apis.FileLinksApi.as_view(), name="sharing-file-links"),
    path(
        "fm/sharing/files/<str:name>/download", apis.FileDownloadApi.as_view(), name="sharing-file-download"
    ),
    path("fm/sharing/links/<str:link_id>", apis.LinkApi.as_view(), name="sharing-link"),
]
