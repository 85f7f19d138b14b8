"""config.drf: the one place that reaches the Django request behind a DRF one."""

from __future__ import annotations

import re

from django.test import RequestFactory
from rest_framework.request import Request

from config.drf import http_request
from tests.helpers import ROOT, app_modules

# DRF's own subclass of Request reads its attribute as DRF does.
ALLOWED = {"config/drf.py", "upload_center/multipart.py"}


def test_it_gives_the_django_request_behind_a_drf_one_and_a_django_one_as_it_is() -> None:
    django_request = RequestFactory().get("/")
    assert http_request(Request(django_request)) is django_request
    assert http_request(django_request) is django_request


def test_no_other_app_module_reads_request_underscore_request() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in app_modules()
        if str(path.relative_to(ROOT)) not in ALLOWED
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if re.search(r"\._request\b|[\"']_request[\"']", line)
    ]
    assert not offenders, "use config.drf.http_request:\n" + "\n".join(offenders)
