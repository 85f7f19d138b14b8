"""gunicorn's settings for the HTTP processes (``gunicorn -c config/gunicorn.py
config.wsgi:application``), through its documented config file and server hooks.

gthread: each worker process answers ``threads`` requests at once, one thread per
request in flight for as long as it lasts, and keeps idle keep-alive connections
without a thread. ``WEB_CONCURRENCY`` and ``GUNICORN_THREADS`` size a pod
(README, "Ways of serving"); a request beyond what the threads hold waits in the
listen backlog until one is free.
"""

from __future__ import annotations

import os
from typing import Any

from gunicorn.glogging import Logger

from config.tuning import GUNICORN_THREADS, GUNICORN_WORKERS

wsgi_app = "config.wsgi:application"
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", GUNICORN_WORKERS))
threads = int(os.environ.get("GUNICORN_THREADS", GUNICORN_THREADS))
# A worker silent this long is restarted; a long upload keeps its worker talking.
timeout = 120
graceful_timeout = 10
keepalive = 5
# Its control socket has one default path; servers started side by side would share it.
control_socket_disable = True
accesslog = None


class ProjectLogger(Logger):
    """gunicorn's own lines (booting, worker exits, errors) in the project's format:
    JSON lines with LOG_FORMAT=json, as every other line. Through ``logger_class``:
    gunicorn's ``logconfig_dict`` would also turn its access log on."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        from django.conf import settings

        from config.logging import JsonFormatter, RequestIdFilter

        if settings.LOG_FORMAT != "json":
            return
        for handler in self.error_log.handlers:
            handler.setFormatter(JsonFormatter())
            handler.addFilter(RequestIdFilter())


logger_class = ProjectLogger


def post_worker_init(worker: Any) -> None:
    # The worker has loaded the application: download counts batched from here on, the
    # S3 client built, what is loaded frozen out of the cyclic collector (config.lifespan).
    from config.lifespan import process_start

    process_start()


def worker_exit(server: Any, worker: Any) -> None:
    from config.lifespan import process_stop

    process_stop()
