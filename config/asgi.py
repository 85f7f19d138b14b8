"""ASGI entry point: HTTP through the streaming handler (public downloads in one thread
hop), WebSockets through Channels, and the lifespan (run with ``--lifespan on``)."""

from __future__ import annotations

import os

from config.memory import malloc_tune

malloc_tune()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from config.lifespan import lifespan  # noqa: E402
from config.one_hop import OneHopHandler  # noqa: E402
from config.routing import websocket_urlpatterns  # noqa: E402
from config.streaming import StreamingASGIHandler  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": OneHopHandler(StreamingASGIHandler()),
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
        "lifespan": lifespan,
    }
)
