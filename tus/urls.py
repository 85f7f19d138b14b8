from __future__ import annotations

from django.urls import path

from tus import apis

urlpatterns = [
    path("", apis.TusCollectionApi.as_view(), name="tus-collection"),
    # Ids are URL-safe base64 (tus.models.upload_id_new); any other text is simply unknown.
    path("<str:upload_id>", apis.TusUploadApi.as_view(), name="tus-upload"),
]
