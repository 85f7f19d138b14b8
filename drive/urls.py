from __future__ import annotations

from django.urls import path

from drive import apis, views

urlpatterns = [
    path("", views.DrivePageView.as_view(), name="drive-page"),
    path("core.login", apis.LoginApi.as_view(), name="drive-login"),
    path("core.logout", apis.LogoutApi.as_view(), name="drive-logout"),
    path("core.current", apis.CurrentApi.as_view(), name="drive-current"),
    path("core.ws_connect", apis.WsConnectApi.as_view(), name="drive-ws-connect"),
    path("files.list", apis.FilesListApi.as_view(), name="drive-files-list"),
    path("files.delete", apis.FilesDeleteApi.as_view(), name="drive-files-delete"),
    path("files.upload", apis.FilesUploadApi.as_view(), name="drive-files-upload"),
    path("files.replace", apis.FilesReplaceApi.as_view(), name="drive-files-replace"),
    path("files.download", views.FilesDownloadApi.as_view(), name="drive-files-download"),
]
