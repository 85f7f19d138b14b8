"""Settings stop start-up on bad values, with a message naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "S3_BUCKET"}}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_defaults_load() -> None:
    assert load_settings().returncode == 0


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL='not a url' is not a valid URL"),
        ({"DATABASE_URL": "mysql2://db/x"}, "DATABASE_URL='mysql2://db/x' is not a valid URL"),
        ({"REDIS_URL": "http://127.0.0.1:6379"}, "REDIS_URL='http://127.0.0.1:6379' is not a valid URL"),
        ({"CELERY_BROKER_URL": "amqp://"}, "CELERY_BROKER_URL='amqp://' is not a valid URL"),
        ({"GALLERY_API_BASE": "ftp://gallery"}, "GALLERY_API_BASE='ftp://gallery' is not a valid URL"),
        ({"DEBUG": "false"}, "SECRET_KEY must be set when DEBUG is off."),
        ({"DEBUG": "false", "SECRET_KEY": "x" * 50}, "FIELD_ENCRYPTION_KEY must be set when DEBUG is off."),
        ({"PORT_UNUSED": "", "UPLOAD_MAX_REQUEST_BYTES": "lots"}, "invalid literal for int()"),
    ],
)
def test_a_bad_value_stops_start_up_with_a_clear_message(env: dict[str, str], message: str) -> None:
    result = load_settings(**env)
    assert result.returncode != 0
    assert message in result.stderr


PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "prod-" + "k" * 60,
    "FIELD_ENCRYPTION_KEY": "V2hhdCBhIGxvbmcgYW5kIHNlY3JldCBrZXkgdGhpcyBpcyE=",
    "ALLOWED_HOSTS": "files.example.org",
    "DATABASE_URL": "postgres://app:pw@db.internal:5432/app",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "CELERY_BROKER_URL": "amqp://app:pw@rabbitmq.internal:5672//",
    "S3_BUCKET": "uploads",
    "S3_ENDPOINT_URL": "https://s3.example.org",
}


def test_check_deploy_passes_with_production_variables() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**os.environ, **PRODUCTION_ENV},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
