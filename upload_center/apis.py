"""The /fm/ API (CONTRACT section 2)."""

from __future__ import annotations

from rest_framework.authtoken.views import ObtainAuthToken


class LoginApi(ObtainAuthToken):
    """`POST /fm/login/`: 200 {"token"} or 400 on bad credentials."""
