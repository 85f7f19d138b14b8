"""The public download (CONTRACT section 2): a plain Django view.

A link pasted into a class page is opened by a whole class in the same second,
so this path does only what a download needs: one indexed lookup of the file,
then the answer (streamed, or handed to nginx or S3). No DRF (content
negotiation, authentication and permission classes, throttles), no session or
user: nothing here reads them. A sync view, as every view under the WSGI handler.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from upload_center import selectors
from upload_center.counting import download_record
from upload_center.errors import FileNotFound, file_missing_text
from upload_center.offload import file_answer

logger = logging.getLogger(__name__)


# csrf_exempt: another method is answered 405, not 403 first.
@csrf_exempt
@require_safe
def download(request: HttpRequest, username: str, filename: str) -> HttpResponseBase:
    """Public: Range, ETag and 304 supported."""
    row = selectors.file_public(username=username, name=filename)
    if row is not None:
        try:
            response = file_answer(request, row)
            download_record(request=request, status=response.status_code, file_id=row.pk)
            return response
        except FileNotFound:
            # The index says yes but the bytes are gone: reconcile_storage finds it.
            logger.exception("stored file without bytes: %s", row.storage_key)
    return JsonResponse({"detail": file_missing_text(filename)}, status=404)
