"""Typed access to what a DRF request carries, shared by the apps' APIs."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.http import HttpRequest
from rest_framework import parsers
from rest_framework.exceptions import NotAuthenticated, ParseError
from rest_framework.request import Request

from account.models import User
from config.text import text_encodable


def request_user(request: Request) -> User:
    """The caller of a view behind ``IsAuthenticated``.

    ``request.user`` is typed as possibly anonymous; the permission has already
    refused anonymous callers, so the check only narrows the type (and answers
    401, as the permission would, should a view ever lose it).
    """
    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated()
    return user


def request_fields(request: Request) -> Mapping[str, Any]:
    """The body's named fields: a JSON body that is not an object has none."""
    data = request.data
    return data if isinstance(data, Mapping) else {}


def http_request(request: Request | HttpRequest) -> HttpRequest:
    """The Django request behind a DRF one (a Django request as it is).

    For what must mark or read the Django request itself: ``auth.login`` and
    axes set attributes on it that Django's middleware reads back, and upload
    handlers and ``read()`` work on its body. DRF has no public name for it, so
    this is the one place that reads ``_request``.
    """
    return request._request if isinstance(request, Request) else request


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing a string with a lone surrogate (``"\\ud800"``).

    JSON can escape one, but it is no Unicode text: UTF-8 cannot encode it, so the
    database, an answer echoing a name and the logs all failed on it (a 500). It is the
    one way such text gets in (Django decodes URLs, query strings and forms with
    replacement characters). Every API parses JSON with this class."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        if not all(text_encodable(text) for text in _strings(data)):
            raise ParseError("JSON parse error - a string holds a lone surrogate (\\ud800-\\udfff).")
        return data


def _strings(value: Any) -> Iterator[str]:
    """Every string in parsed JSON, object keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
