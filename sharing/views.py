"""The public share link, /s/<token>: the file, or a password form first."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from config.security import DRIVE_PAGE_CSP, client_address, origin_foreign
from sharing import selectors, services, throttling
from sharing.models import ShareLink
from upload_center.downloads import file_response
from upload_center.errors import FileNotFound
from upload_center.models import StoredFile
from upload_center.offload import offloaded

logger = logging.getLogger(__name__)

# One answer for unknown, expired, revoked and used-up links alike: nothing tells them apart.
DEAD_LINK = "This link does not exist or is no longer available."
UNLOCK_COOKIE = "share_unlock"
UNLOCK_SALT = "sharing.unlock"


def share_headers(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Every answer of a share link: its token never leaves in a Referer, no search engine keeps it."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex, nofollow"
        if response.get("Content-Type", "").startswith("text/html"):
            response["Content-Security-Policy"] = DRIVE_PAGE_CSP
        return response

    return wrapped


def _dead() -> HttpResponse:
    return HttpResponse(DEAD_LINK, status=404, content_type="text/plain; charset=utf-8")


def _foreign_origin(request: HttpRequest) -> bool:
    # The form page sends no referrer, so its own POST carries `Origin: null` and
    # Django's CSRF check (which wants the site's origin) cannot be used. A forged
    # POST could only unlock a link whose password its sender knows, in the
    # victim's browser; one from a named other origin is refused all the same.
    return origin_foreign(request, null_allowed=True)


@share_headers
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def share_page(request: HttpRequest, token: str) -> HttpResponseBase:
    if request.method == "POST" and _foreign_origin(request):
        return HttpResponse("Cross-site form refused.", status=403, content_type="text/plain; charset=utf-8")
    link = selectors.link_live(token=token)
    if link is None:
        return _dead()
    if link.has_password and not _unlocked(request, link):
        if request.method == "POST":
            return _password_try(request, link)
        return render(request, "sharing/password.html", {"error": ""})
    if request.method == "POST":
        return HttpResponse(status=303, headers={"Location": link.path})
    return _download(request, link)


def file_answer(request: HttpRequest, row: StoredFile) -> HttpResponseBase:
    """The file with section 2's headers, or handed to nginx / S3 (DOWNLOAD_OFFLOAD).

    Raises FileNotFound when the index has the file but the storage has no bytes."""
    handed_over = offloaded(request, row)
    return handed_over if handed_over is not None else file_response(request, row)


def _download(request: HttpRequest, link: ShareLink) -> HttpResponseBase:
    row = link.file
    try:
        response = file_answer(request, row)
    except FileNotFound:
        logger.exception("stored file without bytes: %s", row.storage_key)
        return _dead()
    if not services.share_download_claim(link=link, request=request, status=response.status_code):
        response.close()
        return _dead()
    return response


def _unlock_value(link: ShareLink) -> str:
    # Bound to the password's hash: a cookie of an earlier password opens nothing.
    return f"{link.pk}:{hashlib.sha256(link.password.encode()).hexdigest()[:32]}"


def _unlocked(request: HttpRequest, link: ShareLink) -> bool:
    value = request.get_signed_cookie(
        UNLOCK_COOKIE, default=None, salt=UNLOCK_SALT, max_age=settings.SHARE_UNLOCK_SECONDS
    )
    return value is not None and constant_time_compare(value, _unlock_value(link))


def _password_try(request: HttpRequest, link: ShareLink) -> HttpResponseBase:
    address = client_address(request)
    wait = throttling.password_wait(link_id=link.pk, address=address)
    if wait:
        text = f"Too many wrong passwords for this link from your network. Try again in {wait} seconds."
        return HttpResponse(
            text, status=429, content_type="text/plain; charset=utf-8", headers={"Retry-After": str(wait)}
        )
    if link.password_matches(str(request.POST.get("password", ""))):
        response = HttpResponse(status=303, headers={"Location": link.path})
        # Scoped to this link's path: one cookie per unlocked link, sent nowhere else.
        response.set_signed_cookie(
            UNLOCK_COOKIE,
            _unlock_value(link),
            salt=UNLOCK_SALT,
            max_age=settings.SHARE_UNLOCK_SECONDS,
            path=link.path,
            secure=request.is_secure(),
            httponly=True,
            samesite="Lax",
        )
        return response
    throttling.password_failure_count(link_id=link.pk, address=address)
    return render(request, "sharing/password.html", {"error": "Wrong password."}, status=403)
