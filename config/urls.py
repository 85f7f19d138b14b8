from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerView

from config import health


class FaviconView(RedirectView):
    """Browsers ask every site for /favicon.ico, whatever its pages link to."""

    def get_redirect_url(self, *args: Any, **kwargs: Any) -> str:
        # Resolved per request: the hashed name exists only once collectstatic has run.
        return static("drive/favicon.svg")


urlpatterns = [
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    # Share links (/s/<token>) and their management API (/fm/sharing/...).
    path("", include("sharing.urls")),
    path("fm/", include("upload_center.urls")),
    path("tus/", include("tus.urls")),
    path("lti/", include("lti.urls")),
    # Log-in and log-out links of the DRF browsable API (session auth).
    path("api-auth/", include("rest_framework.urls")),
    path("", include("cloud_export.urls")),
    path("docs", SpectacularSwaggerView.as_view(url_name="openapi-json"), name="swagger-ui"),
    path("docs/json", SpectacularJSONAPIView.as_view(), name="openapi-json"),
    path("", include("drive.urls")),
]
