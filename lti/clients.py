"""The platform's services (AGS, NRPS) through PyLTI1p3, with access tokens shared by every
process until they expire."""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Sequence
from typing import Any

import requests
from django.core.cache import cache
from lti_tool.models import LtiRegistration
from pylti1p3.exception import LtiServiceException
from pylti1p3.service_connector import ServiceConnector

# A token is dropped this long before the platform's expiry: a request takes time to arrive.
TOKEN_MARGIN_SECONDS = 30
REQUEST_TIMEOUT_SECONDS = 30


class _TimeoutSession(requests.Session):
    def request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("timeout", REQUEST_TIMEOUT_SECONDS)
        return super().request(*args, **kwargs)


class PlatformConnector(ServiceConnector):
    """PyLTI1p3's connector, whose tokens live only as long as the object, with its tokens
    kept in Django's cache for as long as the platform said (``expires_in``)."""

    def __init__(self, registration: LtiRegistration) -> None:
        super().__init__(registration.to_registration(), _TimeoutSession())

    def _cache_key(self, scopes: Sequence[str]) -> str:
        registration = self._registration
        scope = " ".join(sorted(scopes))
        named = f"{registration.get_auth_token_url()}\0{registration.get_client_id()}\0{scope}"
        return "lti-token:" + hashlib.sha256(named.encode()).hexdigest()

    def make_service_request(self, scopes: Sequence[str], url: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().make_service_request(scopes, url, *args, **kwargs)
        except LtiServiceException as e:
            if e.response.status_code != 401:
                raise
        # A cached token the platform no longer takes (revoked, restarted): renewed once.
        cache.delete(self._cache_key(scopes))
        return super().make_service_request(scopes, url, *args, **kwargs)

    def get_access_token(self, scopes: Sequence[str]) -> str:
        scope = " ".join(sorted(scopes))
        key = self._cache_key(scopes)
        if token := cache.get(key):
            return str(token)
        registration = self._registration
        token_url = str(registration.get_auth_token_url())
        now = int(time.time())
        client_id = str(registration.get_client_id())
        assertion = self.encode_jwt(
            {
                "iss": client_id,
                "sub": client_id,
                "aud": registration.get_auth_audience() or token_url,
                "iat": now - 5,
                "exp": now + 60,
                "jti": "lti-service-token-" + uuid.uuid4().hex,
            },
            str(registration.get_tool_private_key()),
            {"kid": str(registration.get_kid())},
        )
        answer = self._requests_session.post(
            token_url,
            data={
                "grant_type": "client_credentials",
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": assertion,
                "scope": scope,
            },
        )
        if not answer.ok:
            raise LtiServiceException(answer)
        body = answer.json()
        lifetime = int(body.get("expires_in", 3600)) - TOKEN_MARGIN_SECONDS
        if lifetime > 0:
            cache.set(key, body["access_token"], lifetime)
        return str(body["access_token"])
