"""API token authentication that reads the user's tier in the same query."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token


class TierTokenAuthentication(TokenAuthentication):
    """DRF's ``TokenAuthentication``, with the user's tier joined to the token's row.

    Every upload asks the tier for its limits before its first byte is stored; read
    lazily it was one more query per request (``request.user.account``)."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        # As DRF's (whose model is Token), with the join.
        try:
            token = Token.objects.select_related("user__account").get(key=key)
        except Token.DoesNotExist as e:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from e
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)
