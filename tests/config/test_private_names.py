"""The project's code stays on the public ground of the libraries that serve it
(ARCHITECTURE.md, "Private names"): no server internals, and only the private names
listed there, each still where the library keeps it."""

from __future__ import annotations

import re

from django.test import RequestFactory
from rest_framework.request import Request

from tests.helpers import ROOT

APPS = ["account", "upload_center", "drive", "cloud_export", "sharing", "tus", "config"]
# `<name>._<private>` on anything but the object's own class; Model._meta is Django's public API.
PRIVATE_ACCESS = re.compile(r"\b(?!self\b|cls\b)([A-Za-z_][A-Za-z0-9_]*)\._(?!meta\b)([A-Za-z][A-Za-z0-9_]*)")
INTERNAL_IMPORT = re.compile(
    r"^\s*(from|import)\s+(django\.core\.handlers|uvicorn\.protocols|uvicorn\._|asgiref\._|django_sendfile\.utils)",
    re.MULTILINE,
)
ALLOWED = {("config/drf.py", "request._request")}


def project_sources() -> dict[str, str]:
    files = [path for app in APPS for path in (ROOT / app).rglob("*.py") if "migrations" not in path.parts]
    files.append(ROOT / "dev.py")
    return {str(path.relative_to(ROOT)): path.read_text() for path in files}


def test_no_project_code_imports_server_or_handler_internals() -> None:
    found = {name: INTERNAL_IMPORT.findall(text) for name, text in project_sources().items()}
    assert {name: hits for name, hits in found.items() if hits} == {}


def test_only_the_listed_private_names_are_used() -> None:
    used = {
        (name, f"{match.group(1)}._{match.group(2)}")
        for name, text in project_sources().items()
        for match in PRIVATE_ACCESS.finditer(text)
    }
    # The project's own modules may share helpers between their files.
    used = {(name, access) for name, access in used if not access.split(".")[0].startswith("_")}
    assert used == ALLOWED


def test_drf_still_keeps_the_django_request_where_config_drf_reads_it() -> None:
    django_request = RequestFactory().get("/")
    assert Request(django_request)._request is django_request
