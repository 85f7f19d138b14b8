"""Cookies that work inside an LMS iframe, set only by the LTI pages."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase


class IframeCookiesMiddleware:
    """Marks the session and CSRF cookies that an /lti/ page sets ``SameSite=None; Secure``:
    the course page that frames the tool is another site, and browsers send a Lax cookie
    to a framed page only when the two are the same site. Over plain HTTP (development)
    browsers refuse SameSite=None without Secure, so the cookies keep the site's setting.

    Listed before SessionMiddleware, so it sees the cookies that middleware sets."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if request.path.startswith("/lti/") and request.is_secure():
            for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME):
                if name in response.cookies:
                    response.cookies[name]["samesite"] = "None"
                    response.cookies[name]["secure"] = True
        return response
