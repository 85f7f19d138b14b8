"""The drive's web page: static HTML and JS that talk to the API and the WebSocket."""

from __future__ import annotations

from typing import Any

from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.generic import TemplateView

from cloud_export.models import CloudType
from cloud_export.oauth import cloud_enabled
from config.security import page_headers


@method_decorator(page_headers, name="dispatch")
# Uploads go to /tus/ with the session, so they send Django's CSRF token from this cookie.
@method_decorator(ensure_csrf_cookie, name="dispatch")
class DrivePageView(TemplateView):
    template_name = "drive/index.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # "Save all to cloud" is offered only where some cloud's OAuth app is set up.
        context["cloud_export_enabled"] = any(cloud_enabled(cloud) for cloud in CloudType.values)
        context["clouds"] = CloudType.choices
        return context
