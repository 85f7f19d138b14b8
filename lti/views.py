"""The LTI tool's pages: login initiation, launch, Deep Linking picker and response, placed items.
Every page may be framed by a registered platform; every refusal names what failed."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from account.models import User
from lti import selectors, services
from lti.errors import LaunchRejected
from lti.models import Placement
from lti.tool import Login
from sharing import requests_selectors
from sharing.errors import ShareRefused
from sharing.requests_services import file_request_create
from upload_center.downloads import file_response
from upload_center.selectors import file_owned, files_newest_first


def _csp(form_action: str = "") -> str:
    ancestors = " ".join(["'self'", *selectors.platform_origins()])
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "object-src 'none'",
            "base-uri 'none'",
            f"form-action 'self' {form_action}".strip(),
            f"frame-ancestors {ancestors}",
        ]
    )


def lti_page(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Framable by the registered platforms only; a LaunchRejected becomes its page."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            response = view(request, *args, **kwargs)
        except LaunchRejected as e:
            response = render(
                request, "lti/rejected.html", {"what": e.what, "retry_url": e.retry_url}, status=e.status
            )
        response.setdefault("Content-Security-Policy", _csp())
        response["Referrer-Policy"] = "same-origin"
        return response

    return xframe_options_exempt(wrapped)


@csrf_exempt
@require_http_methods(["GET", "POST"])
@lti_page
def login(request: HttpRequest) -> HttpResponseBase:
    launch_url = request.build_absolute_uri(reverse("lti:launch"))
    return Login(request).redirect_to_platform(launch_url=launch_url)


@csrf_exempt
@require_POST
@lti_page
def launch(request: HttpRequest) -> HttpResponseBase:
    launch_id, facts = services.launch_accept(request=request)
    if facts.is_deep_linking:
        if not facts.is_owner:
            raise LaunchRejected(
                "Only an instructor or administrator of the course can place items.", status=403
            )
        return HttpResponseRedirect(reverse("lti:picker", args=[launch_id]), status=303)
    return HttpResponseRedirect(reverse("lti:item", args=[launch_id]), status=303)


def _owner(request: HttpRequest, launch_id: str) -> tuple[services.LaunchFacts, User]:
    facts = services.launch_facts(request=request, launch_id=launch_id)
    if not (facts.is_deep_linking and facts.is_owner):
        raise LaunchRejected("This launch cannot place items.", status=403)
    return facts, request.user  # type: ignore[return-value]


@require_GET
@lti_page
def picker(request: HttpRequest, launch_id: str) -> HttpResponseBase:
    _, owner = _owner(request, launch_id)
    context = {
        "launch_id": launch_id,
        "files": files_newest_first(owner=owner),
        "requests": requests_selectors.owned_requests(owner=owner),
    }
    return render(request, "lti/picker.html", context)


@require_POST
@lti_page
def picker_request(request: HttpRequest, launch_id: str) -> HttpResponseBase:
    _, owner = _owner(request, launch_id)
    title = request.POST.get("title", "").strip()
    try:
        deadline = parse_datetime(request.POST.get("deadline", ""))
    except ValueError:
        deadline = None
    if not title or deadline is None:
        raise LaunchRejected("A new request needs a title and a deadline.")
    if timezone.is_naive(deadline):
        deadline = timezone.make_aware(deadline)
    try:
        file_request_create(owner=owner, title=title[:100], deadline=deadline)
    except ShareRefused as e:
        raise LaunchRejected(str(e)) from e
    return HttpResponseRedirect(reverse("lti:picker", args=[launch_id]), status=303)


@require_POST
@lti_page
def deep_link(request: HttpRequest) -> HttpResponseBase:
    facts, owner = _owner(request, request.POST.get("launch", ""))
    file = file_request = None
    if request.POST.get("file"):
        file = file_owned(owner=owner, name=request.POST["file"])
    elif request.POST.get("file_request", "").isdigit():
        file_request = requests_selectors.owned_request(
            owner=owner, request_id=int(request.POST["file_request"])
        )
    if file is None and file_request is None:
        raise LaunchRejected("Choose one of your files or file requests.", status=404)
    placement = services.placement_create(facts=facts, owner=owner, file=file, file_request=file_request)
    jwt, return_url = services.deep_link_response(
        facts=facts, placement=placement, launch_url=request.build_absolute_uri(reverse("lti:launch"))
    )
    response = render(request, "lti/deep_link_response.html", {"jwt": jwt, "return_url": return_url})
    response["Content-Security-Policy"] = _csp(form_action=return_url)
    return response


def _placed(request: HttpRequest, launch_id: str) -> tuple[services.LaunchFacts, Placement | None]:
    facts = services.launch_facts(request=request, launch_id=launch_id)
    return facts, selectors.launch_placement(facts=facts)


@require_GET
@lti_page
def item(request: HttpRequest, launch_id: str) -> HttpResponseBase:
    facts, placement = _placed(request, launch_id)
    if placement is None:
        raise LaunchRejected(
            "This link names no item placed with this tool (its custom parameter placement is missing or "
            "unknown). Place it again with Deep Linking.",
            status=404,
        )
    context = {"launch_id": launch_id, "placement": placement, "facts": facts}
    if placement.file_request is not None:
        context.update(selectors.request_view(facts=facts, placement=placement, user_id=request.user.pk or 0))
    return render(request, "lti/item.html", context)


@require_GET
@lti_page
def item_download(request: HttpRequest, launch_id: str) -> HttpResponseBase:
    _, placement = _placed(request, launch_id)
    if placement is None or placement.file is None:
        raise LaunchRejected("This launch placed no file.", status=404)
    # Access comes from this launch (a course member, signed by the platform), not from the file's owner.
    return file_response(request, placement.file)
