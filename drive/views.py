"""The drive's web page: static HTML and JS that talk to the API and the WebSocket."""

from __future__ import annotations

from django.views.generic import TemplateView


class DrivePageView(TemplateView):
    template_name = "drive/index.html"
