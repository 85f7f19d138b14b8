"""Every log record is written once, whatever the format and DEBUG."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.helpers import ROOT

# Logs one warning through Django's request logger (as a 404 does) and one
# through an app logger, after Django has set up logging as a server does.
SCRIPT = """
import logging, django
django.setup()
logging.getLogger("django.request").warning("marker-django")
logging.getLogger("upload_center").warning("marker-app")
"""


@pytest.mark.parametrize("debug", ["true", "false"])
@pytest.mark.parametrize("log_format", ["plain", "json"])
def test_a_warning_is_logged_once(debug: str, log_format: str) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": debug,
        "LOG_FORMAT": log_format,
        "SECRET_KEY": "a-test-secret-key-that-is-long-enough-for-django-checks",
        "FIELD_ENCRYPTION_KEY": "dGVzdC1rZXktdGhhdC1pcy0zMi1ieXRlcy1sb25nISE=",
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    output = result.stdout + result.stderr
    assert output.count("marker-django") == 1, output
    assert output.count("marker-app") == 1, output
