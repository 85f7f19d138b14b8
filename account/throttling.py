"""Login throttling on every login path, built on django-axes.

Axes gives the wiring: a first authentication backend that refuses a locked-out
login before any password is checked, the ``user_login_failed`` / ``user_logged_in``
signals of every view that calls ``authenticate()``, and a middleware that turns a
refusal into an answer. This handler adds what axes lacks: a separate limit per
parameter, so a school's one address may fail far more often than one username.
Counters live in the ``default`` cache (Redis when REDIS_URL is set) so all web
processes share them.
"""

from __future__ import annotations

import hashlib
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.handlers.cache import AxesCacheHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse

from config.drf import http_request


class LoginThrottleBackend(AxesStandaloneBackend):
    """Axes' refusing backend, also for DRF views that pass their own request."""

    def authenticate(  # type: ignore[override]
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> None:
        if request is None:
            return None  # not an HTTP login (a shell, a test client's login()): nothing to throttle
        # DRF's token login passes its own request; axes marks the Django one, which its middleware reads.
        return super().authenticate(http_request(request), username, password, **kwargs)  # type: ignore[func-returns-value]


def _username_key(username: str) -> str:
    # Hashed: any text a client sends becomes a safe, bounded key; case and spaces do not
    # make a new counter.
    return "login-failures:username:" + hashlib.sha256(username.strip().lower().encode()).hexdigest()


class LoginThrottleHandler(AxesCacheHandler):
    """Failures counted per username and per client address, each against its own limit."""

    def _counters(self, request: Any, credentials: dict[str, Any] | None) -> dict[str, int]:
        """Cache key -> limit, for the counters this attempt belongs to."""
        counters = {f"login-failures:address:{request.axes_ip_address}": settings.LOGIN_FAILURES_PER_ADDRESS}
        username = get_client_username(request, credentials)
        if username:
            counters[_username_key(str(username))] = settings.LOGIN_FAILURES_PER_USERNAME
        return counters

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        keys = self._counters(http_request(request), credentials)
        return max(int(self.cache.get(key, 0)) for key in keys)

    def is_locked(self, request: Any, credentials: dict[str, Any] | None = None) -> bool:
        counters = self._counters(http_request(request), credentials)
        return any(int(self.cache.get(key, 0)) >= limit for key, limit in counters.items())

    def user_login_failed(
        self, sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
    ) -> None:
        if request is None:
            return
        request = http_request(request)
        AxesProxyHandler.update_request(request)
        # A refused attempt is not counted, so the lock ends a fixed time after the last real failure.
        if request.axes_locked_out or self.is_whitelisted(request, credentials):
            return
        for key in self._counters(request, credentials):
            self._count(key, settings.LOGIN_LOCKOUT_SECONDS)

    def _count(self, key: str, timeout: int) -> None:
        if self.cache.add(key, 1, timeout=timeout):
            return
        try:
            self.cache.incr(key)
        except ValueError:  # expired between add and incr
            self.cache.add(key, 1, timeout=timeout)
            return
        self.cache.touch(key, timeout=timeout)

    def user_logged_in(self, sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
        # Only the username's counter: one known password must not clear an address's failures.
        self.cache.delete(_username_key(user.get_username()))


def lockout_response(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """429 with Retry-After, in the shape the login path answers in."""
    seconds = settings.LOGIN_LOCKOUT_SECONDS
    message = f"Too many failed logins. Try again in {max(1, round(seconds / 60))} minutes."
    response: HttpResponse
    if request.path == reverse("drive-login"):
        response = JsonResponse({"status": "too_many_requests", "message": message, "data": {}})
    elif request.path == reverse("fm-login"):
        response = JsonResponse({"detail": message})
    else:
        response = HttpResponse(message, content_type="text/plain; charset=utf-8")
    response.status_code = 429
    response["Retry-After"] = str(seconds)
    return response
