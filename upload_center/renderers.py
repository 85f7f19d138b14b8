"""The browsable API's DELETE form for /fm/manager/."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework.renderers import BrowsableAPIRenderer

from upload_center.serializers import DeleteFileSerializer


class FileDeleteFormRenderer(BrowsableAPIRenderer):
    """DRF's DELETE button sends no body, so the manager could only answer it
    400 "file_name is required.": this page's DELETE opens a form with the name."""

    template = "upload_center/manager_api.html"

    def get_context(
        self, data: Any, accepted_media_type: str | None, renderer_context: Mapping[str, Any]
    ) -> dict[str, Any]:
        context = super().get_context(data, accepted_media_type, renderer_context)
        if context["delete_form"]:
            context["file_delete_form"] = self.render_form_for_serializer(DeleteFileSerializer())
            context["delete_form"] = None  # DRF's own button is replaced by the template's
        return context
