from __future__ import annotations

from django.urls import path

from cloud_export import apis

app_name = "cloud_export"

urlpatterns = [
    path("cloud_archive", apis.CloudArchiveApi.as_view(), name="cloud_archive"),
    path("cloud_archive/start/<str:token>", apis.export_start, name="start"),
    path("cloud_archive/callback", apis.export_callback, name="callback"),
    path("cloud_export/drive", apis.DriveExportApi.as_view(), name="drive_export"),
]
