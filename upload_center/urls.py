from __future__ import annotations

from django.urls import path

from upload_center import apis, views

urlpatterns = [
    path("login/", apis.LoginApi.as_view(), name="fm-login"),
    path("upload/", apis.UploadApi.as_view(), name="fm-upload"),
    path("manager/", apis.ManagerApi.as_view(), name="fm-manager"),
    path("download/<str:username>/<str:filename>", views.download, name="fm-download"),
]
