"""ASGI entry point: the WebSocket (Channels), and in development HTTP as well.

In production an ASGI server serves only ``/core.ws_connect``; gunicorn serves HTTP
(config.wsgi). ``python3 dev.py run`` keeps one process and one port: HTTP goes to
the same WSGI application through a2wsgi, so every request takes Django's own
handler whatever the server.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.util import FileWrapper

from config.memory import malloc_tune

malloc_tune()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from a2wsgi import WSGIMiddleware  # noqa: E402
from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from config import tuning  # noqa: E402
from config.lifespan import lifespan  # noqa: E402
from config.routing import websocket_urlpatterns  # noqa: E402
from config.wsgi import application as wsgi_application  # noqa: E402


def _file_blocks(filelike: Any, block_size: int = 0) -> FileWrapper:
    """PEP 3333's ``wsgi.file_wrapper`` for the adapter, which has none: Django's handler
    then hands a FileResponse's file to it, read in DEV_DOWNLOAD_BLOCKs (config.tuning)
    instead of the response's own blocks, sized for gunicorn's 128 threads."""
    return FileWrapper(filelike, tuning.DEV_DOWNLOAD_BLOCK)


def _adapted(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    # The adapter's input ends where the ASGI body ends: a chunked body arrives
    # dechunked, as under gunicorn, which says so with this key.
    environ["wsgi.input_terminated"] = True
    environ["wsgi.file_wrapper"] = _file_blocks
    try:
        return wsgi_application(environ, start_response)
    except ConnectionResetError:
        # A body cut mid-way (config.body): the client is gone and reads nothing;
        # the adapter would log the error as the application's.
        return []


application = ProtocolTypeRouter(
    {
        "http": WSGIMiddleware(
            _adapted,  # type: ignore[arg-type]
            workers=tuning.DEV_HTTP_THREADS,
            send_queue_size=tuning.DEV_SEND_QUEUE,
        ),
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
        "lifespan": lifespan,
    }
)
