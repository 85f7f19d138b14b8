"""The one reader of the environment, and the URL check every URL setting goes through."""

from __future__ import annotations

from typing import Literal, overload
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

env = environ.Env()


def url_check(name: str, value: str, schemes: set[str]) -> str:
    """Refuse a URL whose scheme is not one the app can talk to."""
    parts = urlsplit(value)
    needs_host = parts.scheme in {"http", "https", "amqp", "amqps", "pyamqp", "redis", "rediss"}
    if parts.scheme not in schemes or (needs_host and not parts.hostname):
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a valid URL; expected one of the schemes {sorted(schemes)}"
        )
    return value


@overload
def env_url(name: str, default: str, schemes: set[str], *, required: Literal[True]) -> str: ...
@overload
def env_url(
    name: str, default: str | None, schemes: set[str], *, required: Literal[False] = False
) -> str | None: ...
def env_url(name: str, default: str | None, schemes: set[str], *, required: bool = False) -> str | None:
    """The URL in variable ``name``; empty means none, unless ``required`` (the app cannot work
    without it), where an empty value is refused like a malformed one."""
    value = env.str(name, default=default) or None
    if value or required:
        return url_check(name, value or "", schemes)
    return None


def web_url(name: str, default: str) -> str:
    """The http(s) URL of an outside service in variable ``name``; the app cannot work without it."""
    return env_url(name, default, {"http", "https"}, required=True)
