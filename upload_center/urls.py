from __future__ import annotations

from django.urls import path

from upload_center import apis

urlpatterns = [
    path("login/", apis.LoginApi.as_view(), name="fm-login"),
]
