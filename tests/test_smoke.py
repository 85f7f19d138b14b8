"""The README's server, started as a real process, answers over a real socket."""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rest_framework.authtoken.models import Token

from config.celery import app as celery_app
from dev import ROOT, worker_command


@pytest.mark.django_db(transaction=True)
def test_the_real_server_serves_healthz_and_a_working_token(
    start_server: Callable[..., Any], make_user: Callable[..., Any]
) -> None:
    user = make_user(username="kian", password="ak18-secret")
    server = start_server()

    assert server.get("/healthz").status_code == 200
    form = server.post("/fm/login/", data={"username": "kian", "password": "ak18-secret"})
    as_json = server.post("/fm/login/", json={"username": "kian", "password": "ak18-secret"})
    wrong = server.post("/fm/login/", data={"username": "kian", "password": "nope"})

    assert form.status_code == 200
    assert as_json.json() == form.json()
    assert Token.objects.get(user=user).key == form.json()["token"]
    assert wrong.status_code == 400


def test_the_run_commands_worker_answers_over_the_configured_broker(tmp_path: Path) -> None:
    # Pass 1: kombu's filesystem broker, as `dev.py run` uses it; pass 2: RabbitMQ.
    node = f"smoke-{uuid.uuid4().hex[:10]}@localhost"
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [*worker_command(), "-n", node], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 60
        replies: list[dict[str, Any]] = []
        while not replies and time.monotonic() < deadline:
            assert worker.poll() is None, log.read_text()
            replies = celery_app.control.ping(destination=[node], timeout=1)
        assert replies == [{node: {"ok": "pong"}}], log.read_text()
    finally:
        worker.terminate()
        worker.wait(timeout=30)
