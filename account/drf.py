"""Typed access to what a DRF request carries, shared by the apps' APIs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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


# OpenAPI schema of DRF's validation answers: each field's name with its messages
# (a nested object for nested fields), `non_field_errors`, or `detail` for a body
# that could not be parsed.
FIELD_ERRORS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": 'DRF\'s validation errors: `{"<field>": ["<message>"]}`, or `{"detail": "<message>"}`.',
}
