"""Log records as one JSON object a line in production, each with the request id.

``RequestIdMiddleware`` (config/middleware.py) puts the id of the request being
handled in ``request_id``; every record logged while it runs carries it.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ImproperlyConfigured

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

FORMATS = ("plain", "json")

# Attributes every LogRecord has (and uvicorn's coloured copy of the message);
# anything else was passed with ``extra=`` and is kept.
_RECORD_FIELDS = frozenset(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "request_id",
    "color_message",
}


NO_REQUEST = "-"


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get() or NO_REQUEST
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        rid = getattr(record, "request_id", NO_REQUEST)
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": None if rid == NO_REQUEST else rid,
        }
        entry.update({key: value for key, value in vars(record).items() if key not in _RECORD_FIELDS})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str)


def logging_config(*, log_format: str, level: str) -> dict[str, Any]:
    """The LOGGING setting: plain lines for development, JSON lines for production."""
    if log_format not in FORMATS:
        raise ImproperlyConfigured(f"LOG_FORMAT={log_format!r} is not one of {list(FORMATS)}")
    config: dict[str, Any] = {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
            "json": {"()": JsonFormatter},
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": log_format, "filters": ["request_id"]}
        },
        "root": {"handlers": ["console"], "level": level},
        # Django's DEFAULT_LOGGING gives the "django" logger its own console
        # handler (in DEBUG) and leaves it propagating to the root: each of its
        # records was written twice. No handlers of its own: the root's write it.
        "loggers": {"django": {"handlers": [], "propagate": True}},
    }
    if log_format == "json":
        # uvicorn configures its own text handlers before Django starts; these
        # entries replace them so that its access and error lines are JSON too.
        # One turned off stays off (configured as it is: as a child of "uvicorn" left out,
        # dictConfig would make it propagate to the handler given there).
        config["loggers"].update(
            {
                name: {"handlers": [], "propagate": False}
                if _turned_off(name)
                else {"handlers": ["console"], "level": level, "propagate": False}
                for name in ("uvicorn", "uvicorn.access", "gunicorn.error")
            }
        )
        _keep_logging_in_celery()
    return config


def _turned_off(name: str) -> bool:
    """Whether uvicorn turned the logger ``name`` off before Django started (``--no-access-log``
    leaves "uvicorn.access" without handlers and not propagating): it stays off. Given handlers
    here, every request still wrote its access line whatever the server was told."""
    logger = logging.getLogger(name)
    return not logger.handlers and not logger.propagate


def _keep_logging_in_celery() -> None:
    """Celery replaces the root logger's handlers at worker start unless a
    ``setup_logging`` receiver exists; this one keeps Django's LOGGING."""
    from celery.signals import setup_logging

    setup_logging.connect(_leave_logging_alone, weak=False, dispatch_uid="config.logging")


def _leave_logging_alone(**kwargs: Any) -> None:
    """Django's LOGGING is already in place when the worker starts."""
