"""Liveness and readiness probes (CONTRACT section 5)."""

from __future__ import annotations

from collections.abc import Callable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from config.celery import app as celery_app
from upload_center.storage import storage_check


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _channel_layer() -> None:
    # A group_send is a real round-trip to Redis when the Redis layer is used.
    async_to_sync(get_channel_layer().group_send)("readyz", {"type": "readyz.ping"})


def _broker() -> None:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=3)


def _storage() -> None:
    storage_check()


CHECKS: dict[str, Callable[[], None]] = {
    "database": _database,
    "channel_layer": _channel_layer,
    "broker": _broker,
    "storage": _storage,
}


# Any other method is answered 405, as /docs/json says (csrf_exempt: not 403 first).
@csrf_exempt
@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    # Sync, as every view: under WSGI an async view costs a thread and an event loop a call.
    return JsonResponse({"status": "ok"})


@csrf_exempt
@require_safe
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    failing: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as e:  # any failure means "not ready"; the reason is reported
            failing[name] = f"{type(e).__name__}: {e}"
    if failing:
        return JsonResponse({"status": "unavailable", "failing": failing}, status=503)
    return JsonResponse({"status": "ok", "checks": sorted(CHECKS)})
