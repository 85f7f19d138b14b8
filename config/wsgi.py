"""WSGI entry point: every HTTP request, under gunicorn in production and under the
ASGI server's adapter in development (config.asgi). Django's own handler, with one
WSGI middleware around it for request bodies (config.body)."""

from __future__ import annotations

import os

from config.memory import malloc_tune

# Large buffers (S3 parts) go back to the system when freed.
malloc_tune()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

from config.body import BodyMiddleware  # noqa: E402

application = BodyMiddleware(get_wsgi_application())
