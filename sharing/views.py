"""The public share link, /s/<token>: the file, or a password form first."""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from config.security import DRIVE_PAGE_CSP, client_address, origin_foreign
from sharing import selectors, services, throttling
from sharing.models import ShareLink
from upload_center.counting import range_continues
from upload_center.errors import FileNotFound
from upload_center.offload import file_answer

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
        # The page or the bytes depend on these (share_page): no cache may hand one for the other.
        patch_vary_headers(response, ("Accept", "User-Agent"))
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex, nofollow"
        if response.get("Content-Type", "").startswith("text/html"):
            response["Content-Security-Policy"] = DRIVE_PAGE_CSP
        return response

    return wrapped


def _dead() -> HttpResponse:
    # Rendered without the request: nothing of it (or of the link) can make two dead links differ.
    return HttpResponse(render_to_string("sharing/dead.html", {"text": DEAD_LINK}), status=404)


# Chat and social apps that fetch a pasted link to build its preview. Some send
# `Accept: */*`: by their name they get the page too, so a preview never counts.
PREVIEW_AGENTS = re.compile(
    r"Slackbot|Slack-ImgProxy|facebookexternalhit|Facebot|Twitterbot|WhatsApp|TelegramBot|Discordbot"
    r"|LinkedInBot|SkypeUriPreview|MicrosoftPreview|Iframely|redditbot|Mattermost|vkShare|Viber",
    re.IGNORECASE,
)
# What the landing page can show in the browser itself, by the file's type.
PREVIEW_KINDS = ("image", "video", "audio")


def _page_wanted(request: HttpRequest) -> bool:
    """A browser or a link preview (CONTRACT section 7): the page, not the bytes."""
    if request.GET.get("download") == "1":
        return False
    accepted = {part.split(";")[0].strip().lower() for part in request.headers.get("Accept", "").split(",")}
    return "text/html" in accepted or bool(PREVIEW_AGENTS.search(request.headers.get("User-Agent", "")))


def _landing(request: HttpRequest, link: ShareLink) -> HttpResponse:
    kind = (mimetypes.guess_type(link.file.name)[0] or "").partition("/")[0]
    context = {
        "link": link,
        "file": link.file,
        "download_url": f"{link.path}?download=1",
        # A preview fetches the bytes, so it counts: shown only where no limit can be used up.
        "preview": kind if kind in PREVIEW_KINDS and link.download_limit is None else "",
        "downloads_left": (link.download_limit or 0) - link.download_count,
    }
    return render(request, "sharing/landing.html", context)


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
    resuming = range_continues(request)
    link = selectors.link_live(token=token, used_up_too=resuming)
    if link is None or (link.state() != ShareLink.State.ACTIVE and not _resumes(request, link)):
        return _dead()
    if link.has_password and not _unlocked(request, link):
        if request.method == "POST":
            return _password_try(request, link)
        return render(request, "sharing/password.html", {"error": ""})
    if request.method == "POST":
        return HttpResponse(status=303, headers={"Location": link.path})
    if _page_wanted(request):
        return _landing(request, link)
    return _download(request, link)


def _resumes(request: HttpRequest, link: ShareLink) -> bool:
    return services.share_download_resumes(link=link, request=request)


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
