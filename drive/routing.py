from __future__ import annotations

from django.urls import path

from drive.consumers import DriveConsumer

websocket_urlpatterns = [
    path("core.ws_connect", DriveConsumer.as_asgi()),
]
