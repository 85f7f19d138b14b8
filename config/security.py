"""Request hardening shared by the apps: the client's address, the drive page's
security headers, the cross-site rule for the drive's API and /cloud_archive's rate limit."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from rest_framework.exceptions import ParseError, PermissionDenied
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from config.drf import http_request

# Only the site's own files and its WebSocket: the drive page has no inline script or
# style, so an injected one never runs. 'self' in connect-src also matches ws:/wss: of
# the page's own host (CSP Level 3, what Chromium and Firefox do).
DRIVE_PAGE_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def page_headers(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Adds the page headers of the site's own HTML pages (README, Security)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        response["Content-Security-Policy"] = DRIVE_PAGE_CSP
        response["Referrer-Policy"] = "same-origin"
        response["X-Frame-Options"] = "DENY"
        return response

    return wrapped


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(net, strict=False) for net in settings.TRUSTED_PROXIES)


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR, or with TRUSTED_PROXIES the last X-Forwarded-For hop that is not a
    trusted proxy: a client can prepend any hops it likes, never append them."""
    address = str(request.META.get("REMOTE_ADDR") or "")
    if not settings.TRUSTED_PROXIES or not _trusted(address):
        return address
    hops = [hop.strip() for hop in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    for hop in reversed([h for h in hops if h]):
        address = hop
        if not _trusted(hop):
            break
    return address


# A page of another site can send these only after a CORS preflight, which this site
# grants to /cloud_archive alone; a plain form can send neither.
CROSS_SITE_PROOF_HEADERS = ("X-Upload-Id",)
# The methods a form (or a no-preflight fetch) can send; any other goes on to the
# view, which answers 405 for one it does not take.
FORM_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def origin_foreign(request: HttpRequest | Request, *, null_allowed: bool = False) -> bool:
    """The request's ``Origin`` names another site than the one it was sent to.
    ``null_allowed``: ``Origin: null`` passes (pages that send no referrer get it on
    their own requests); elsewhere it means a sandboxed or opaque page: foreign."""
    origin = request.headers.get("Origin")
    if origin is None or (null_allowed and origin == "null"):
        return False
    return urlsplit(origin).netloc != http_request(request).get_host()


def cross_site(request: HttpRequest | Request) -> bool:
    """A page of another site sent it (CONTRACT section 3): its Origin says so, or the
    browser's own Sec-Fetch-Site does. Clients that send neither (curl, scripts) are not."""
    return request.headers.get("Sec-Fetch-Site", "").lower() == "cross-site" or origin_foreign(request)


def form_post_refuse(request: Request, *, body_required: bool = True) -> None:
    """Refuses a state-changing call that a page of another site could have sent:
    403 when it says it came from one (``cross_site``); and when ``body_required``, a
    bad request (400, the answer these calls give any body they cannot read) unless it
    carries a JSON body or one of CROSS_SITE_PROOF_HEADERS, which such a page cannot
    send without a preflight. A call without a body (logout) relies on the first."""
    if request.method not in FORM_METHODS:
        return
    if cross_site(request):
        raise PermissionDenied("Cross-site request refused.")
    if not body_required:
        return
    if request.content_type.split(";")[0].strip().lower() == "application/json":
        return
    if any(request.headers.get(name) for name in CROSS_SITE_PROOF_HEADERS):
        return
    raise ParseError("Send a JSON body (Content-Type: application/json), or X-Upload-Id with an upload.")


class ClientAddressRateThrottle(SimpleRateThrottle):
    """Counts every call per client address in the shared cache; 429 with Retry-After over the limit."""

    scope = "cloud_archive"
    rate_setting = "CLOUD_ARCHIVE_RATE_LIMIT"

    def get_rate(self) -> str:
        return str(getattr(settings, self.rate_setting))

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_address(http_request(request))}
