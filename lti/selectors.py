"""Reads of the LTI door: the origins that may frame its pages, placed items, who handed in."""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlsplit

import requests
from lti_tool.models import LtiRegistration
from pylti1p3.exception import LtiException
from pylti1p3.names_roles import NamesRolesProvisioningService

from lti.clients import PlatformConnector
from lti.models import FrameOrigin, Placement
from lti.services import LaunchFacts
from sharing import requests_selectors
from sharing.models import FileRequest, Submission


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else ""


def platform_origins() -> list[str]:
    """The origins of the active registrations' issuers and login URLs: the course pages
    that frame this tool."""
    origins: set[str] = set()
    for issuer, auth_url in LtiRegistration.objects.active().values_list("issuer", "auth_url"):
        origins.update(o for o in (origin_of(issuer), origin_of(auth_url)) if o)
    origins.update(FrameOrigin.objects.filter(registration__is_active=True).values_list("origin", flat=True))
    return sorted(origins)


def launch_placement(*, facts: LaunchFacts) -> Placement | None:
    """The placed item a launch's custom ``placement`` names, from the same platform registration."""
    if not facts.placement_token:
        return None
    return (
        Placement.objects.select_related("file", "file_request", "owner")
        .filter(registration_id=facts.registration_pk, token=facts.placement_token)
        .first()
    )


def member_visit(*, registration_pk: int, sub: str) -> str:
    """The file-request visit of one course member: every hand-in of (platform, sub) is one
    submission, whatever browser it comes from."""
    return hashlib.sha256(f"lti\0{registration_pk}\0{sub}".encode()).hexdigest()[:32]


def members_not_handed_in(*, facts: LaunchFacts, file_request: FileRequest) -> list[str]:
    """The names of the course's active learners (the platform's NRPS roster, all its pages)
    with no submission to ``file_request``."""
    registration = LtiRegistration.objects.get(pk=facts.registration_pk)
    service = NamesRolesProvisioningService(
        PlatformConnector(registration), {"context_memberships_url": facts.memberships_url}
    )
    handed_in = set(Submission.objects.filter(request=file_request).values_list("visit", flat=True))
    return [
        member.get("name") or member["user_id"]
        for member in service.get_members()
        if member.get("status", "Active") == "Active"
        and any(role.endswith("#Learner") for role in member.get("roles", []))
        and member_visit(registration_pk=registration.pk, sub=member["user_id"]) not in handed_in
    ]


def request_view(*, facts: LaunchFacts, placement: Placement, user_id: int) -> dict[str, Any]:
    """What a launch of a placed file request shows: to the instructor who placed it, each
    member's submission and (with NRPS) who has not handed in; to a learner, their own files."""
    file_request = placement.file_request
    assert file_request is not None
    if not facts.is_owner:
        visit = member_visit(registration_pk=facts.registration_pk, sub=facts.sub)
        return {"mine": requests_selectors.visit_files(file_request=file_request, visit=visit)}
    if placement.owner_id != user_id:
        # A copied course's or a co-teacher's launch: the submissions stay with their owner.
        return {"not_owner": True}
    view: dict[str, Any] = {"submissions": requests_selectors.request_submissions(file_request=file_request)}
    if facts.memberships_url:
        try:
            view["missing"] = members_not_handed_in(facts=facts, file_request=file_request)
        except (LtiException, requests.RequestException) as e:
            view["roster_error"] = f"The course roster could not be read from the platform: {e}"
    return view
