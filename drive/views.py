"""The drive's web page: static HTML and JS that talk to the API and the WebSocket."""

from __future__ import annotations

from django.utils.decorators import method_decorator
from django.views.generic import TemplateView

from config.security import page_headers


@method_decorator(page_headers, name="dispatch")
class DrivePageView(TemplateView):
    template_name = "drive/index.html"
