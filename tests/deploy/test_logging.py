"""JSON log lines and the request id."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest
from django.test import Client

from config.logging import JsonFormatter, RequestIdFilter, request_id
from tests.helpers import ROOT


def formatted(record: logging.LogRecord) -> dict[str, object]:
    RequestIdFilter().filter(record)
    return json.loads(JsonFormatter().format(record))


def test_a_request_keeps_the_id_its_caller_sent(client: Client) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "edge-42.a:b_c"})
    assert response["X-Request-ID"] == "edge-42.a:b_c"


def test_the_id_is_forgotten_when_the_response_is_closed(client: Client) -> None:
    client.get("/no-such-page", headers={"X-Request-ID": "gone-after"})
    assert request_id.get() is None


@pytest.mark.parametrize("sent", [None, "", "two words", "x" * 129, 'quote"break'])
def test_a_request_without_a_usable_id_gets_a_new_one(client: Client, sent: str | None) -> None:
    headers = {} if sent is None else {"X-Request-ID": sent}
    first = client.get("/healthz", headers=headers)["X-Request-ID"]
    second = client.get("/healthz", headers=headers)["X-Request-ID"]
    assert first != sent
    assert len(first) == 32 and int(first, 16) >= 0
    assert first != second


def test_a_json_line_carries_the_request_id_extra_fields_and_the_exception() -> None:
    token = request_id.set("abc123")
    try:
        try:
            raise ValueError("boom")
        except ValueError:
            record = logging.getLogger("upload_center").makeRecord(
                "upload_center",
                logging.ERROR,
                __file__,
                1,
                "stored %s",
                ("a.txt",),
                sys.exc_info(),
                extra={"size": 5},
            )
        entry = formatted(record)
    finally:
        request_id.reset(token)

    assert entry["level"] == "ERROR"
    assert entry["logger"] == "upload_center"
    assert entry["message"] == "stored a.txt"
    assert entry["request_id"] == "abc123"
    assert entry["size"] == 5
    assert "ValueError: boom" in str(entry["exception"])


def test_a_line_outside_a_request_has_a_null_request_id() -> None:
    record = logging.makeLogRecord(
        {"name": "celery", "levelno": logging.INFO, "levelname": "INFO", "msg": "ready"}
    )
    assert formatted(record)["request_id"] is None


def test_an_unknown_log_format_stops_start_up() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "LOG_FORMAT": "xml"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "LOG_FORMAT='xml' is not one of ['plain', 'json']" in result.stderr
