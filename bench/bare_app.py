"""A bare Django app, the yardstick of bench/class_load.py: one FileResponse view, one
that hands the file to nginx (X-Accel-Redirect, as DOWNLOAD_OFFLOAD=nginx does), and a
JSON /healthz; two middlewares, no database. Served by the same server
flags as the project (bench/servers.py):

    BARE_ROOT=/some/folder gunicorn -k gthread bench.bare_app:wsgi_application
    BARE_ROOT=/some/folder uvicorn bench.bare_app:application
"""

from __future__ import annotations

import os
from pathlib import Path

import django
from django.conf import settings

FILES = Path(os.environ.get("BARE_ROOT", "."))

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-only",
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=[],
    DATABASES={},
    MIDDLEWARE=[
        "django.middleware.security.SecurityMiddleware",
        "django.middleware.common.CommonMiddleware",
    ],
)
django.setup()

from django.core.asgi import get_asgi_application  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402


def download(request: HttpRequest, name: str) -> FileResponse:
    return FileResponse((FILES / name).open("rb"), as_attachment=True)


def offloaded(request: HttpRequest, name: str) -> HttpResponse:
    """What nginx in front (deploy/nginx, DOWNLOAD_OFFLOAD_PREFIX /_protected/) sends itself."""
    headers = {
        "X-Accel-Redirect": f"/_protected/{name}",
        "Content-Disposition": f'attachment; filename="{name}"',
    }
    return HttpResponse(content_type="application/octet-stream", headers=headers)


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("healthz", healthz),
    path("files/<str:name>", download),
    path("offloaded/<str:name>", offloaded),
]
application = get_asgi_application()
wsgi_application = get_wsgi_application()
