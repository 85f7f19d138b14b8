"""WebSocket routes of every app."""

from __future__ import annotations

from django.urls import URLPattern

from drive.routing import websocket_urlpatterns as drive_websocket_urlpatterns

websocket_urlpatterns: list[URLPattern] = [*drive_websocket_urlpatterns]
