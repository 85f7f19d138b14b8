from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerView

from config import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("fm/", include("upload_center.urls")),
    # Log-in and log-out links of the DRF browsable API (session auth).
    path("api-auth/", include("rest_framework.urls")),
    path("", include("cloud_export.urls")),
    path("docs", SpectacularSwaggerView.as_view(url_name="openapi-json"), name="swagger-ui"),
    path("docs/json", SpectacularJSONAPIView.as_view(), name="openapi-json"),
    path("", include("drive.urls")),
]
