"""WSGI entry point (HTTP only; WebSockets need config.asgi)."""

from __future__ import annotations

import os
from typing import Any

from config.memory import malloc_tune

# As in config.asgi: large buffers go back to the system when freed.
malloc_tune()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest  # noqa: E402

from config.middleware import body_without_length  # noqa: E402


class ChunkedWSGIRequest(WSGIRequest):
    """Django's WSGI request, which also reads a chunked body.

    Django reads ``Content-Length`` bytes of ``wsgi.input``, so a body without
    one reads as empty. A server that sets ``wsgi.input_terminated`` (gunicorn)
    hands the body over dechunked, ending at its end: read it to there.
    RequestSizeLimitMiddleware caps what is read of it.
    """

    def __init__(self, environ: dict[str, Any]) -> None:
        super().__init__(environ)
        if environ.get("wsgi.input_terminated") and body_without_length(environ):
            self._stream = environ["wsgi.input"]


class ChunkedWSGIHandler(WSGIHandler):
    request_class = ChunkedWSGIRequest


# As django.core.wsgi.get_wsgi_application, with the request class above.
django.setup(set_prefix=False)
application = ChunkedWSGIHandler()
