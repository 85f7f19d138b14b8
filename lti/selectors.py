"""Reads of the LTI door: the origins that may frame its pages, and placed items."""

from __future__ import annotations

from urllib.parse import urlsplit

from lti_tool.models import LtiRegistration

from lti.models import Placement


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def platform_origins() -> list[str]:
    """The origins of the active registrations' issuers and login URLs: the course pages
    that frame this tool."""
    origins: set[str] = set()
    for issuer, auth_url in LtiRegistration.objects.active().values_list("issuer", "auth_url"):
        origins.update(o for o in (_origin(issuer), _origin(auth_url)) if o)
    return sorted(origins)


def placement_for_launch(*, registration_pk: int, token: str) -> Placement | None:
    """The placed item a launch's custom ``placement`` names, from the same platform registration."""
    if not token:
        return None
    return (
        Placement.objects.select_related("file", "file_request", "owner")
        .filter(registration_id=registration_pk, token=token)
        .first()
    )
