"""Typed access to what a DRF request carries, shared by the apps' APIs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request

from account.models import User


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
