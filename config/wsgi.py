"""WSGI entry point (HTTP only; WebSockets need config.asgi)."""

from __future__ import annotations

import os

from config.memory import malloc_tune

# As in config.asgi: large buffers go back to the system when freed.
malloc_tune()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
