"""Each role's container command, taken from the deployment files, starts here."""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.deploy.helpers import k8s_resource, pod_spec
from tests.helpers import ROOT, database_url, free_port, wait_for

VENV_BIN = ROOT / ".venv" / "bin"
DOCKERFILE = (ROOT / "Dockerfile").read_text()
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "deploy-test-secret-key-" + "x" * 40,
    "FIELD_ENCRYPTION_KEY": "ZGVwbG95LXRlc3QtZmVybmV0LWtleS0zMi1ieXRlcyE=",
}


def image_env(**extra: str) -> dict[str, str]:
    """This machine's environment with the image's PATH: `python`, `uvicorn` and `celery` from the venv."""
    return {**os.environ, "PATH": f"{VENV_BIN}:{os.environ['PATH']}", **extra}


def dockerfile_instruction(keyword: str, contains: str = "") -> str:
    lines = [line for line in DOCKERFILE.splitlines() if line.startswith(keyword + " ") and contains in line]
    assert len(lines) == 1, f"one {keyword} {contains!r} line expected in the Dockerfile, found {lines}"
    return lines[0][len(keyword) + 1 :]


def container(resource: dict[str, Any], name: str = "") -> dict[str, Any]:
    containers = pod_spec(resource)["containers"]
    return next(c for c in containers if c["name"] == name) if name else containers[0]


def test_compose_kubernetes_and_the_image_run_the_same_commands(compose: dict[str, Any]) -> None:
    services = compose["services"]
    web = k8s_resource("Deployment", "upload-center-web")
    assert services["web"]["command"] == container(web, "web")["command"]
    assert services["ws"]["command"] == container(web, "ws")["command"]
    assert json.loads(dockerfile_instruction("CMD")) == services["web"]["command"]
    assert (
        services["worker"]["command"]
        == container(k8s_resource("Deployment", "upload-center-worker"))["command"]
    )
    assert (
        services["migrate"]["command"] == container(k8s_resource("Job", "upload-center-migrate"))["command"]
    )


def local_web_command(command: list[str], port: int) -> list[str]:
    """The web command bound to a free loopback port instead of 0.0.0.0:8000."""
    text = shlex.join(command)
    assert "--bind 0.0.0.0:8000" in text
    return shlex.split(text.replace("--bind 0.0.0.0:8000", f"--bind 127.0.0.1:{port}"))


@pytest.fixture
def web(
    compose: dict[str, Any], tmp_path: Path, upload_root: Path, transactional_db: None
) -> Iterator[dict[str, Any]]:
    """The web role as production runs it: DEBUG off, the ConfigMap's hosts, redirect and log format."""
    config = k8s_resource("ConfigMap", "upload-center-config")["data"]
    port = free_port()
    log = tmp_path / "web.log"
    env = image_env(
        **PRODUCTION,
        **{name: config[name] for name in ("ALLOWED_HOSTS", "SECURE_SSL_REDIRECT", "LOG_FORMAT")},
        DATABASE_URL=database_url(),
        UPLOAD_ROOT=str(upload_root),
    )
    with log.open("wb") as out:
        process = subprocess.Popen(
            local_web_command(compose["services"]["web"]["command"], port),
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield {"port": port, "url": f"http://127.0.0.1:{port}", "log": log, "process": process}
    finally:
        process.terminate()
        process.wait(timeout=20)


def wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    def listening() -> bool:
        assert process.poll() is None, f"web exited with {process.returncode}:\n{log.read_text()}"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            return False

    wait_for(listening, what=f"web to listen on port {port}", seconds=30, explain=log.read_text)


def probe_headers(probe: dict[str, Any]) -> dict[str, str]:
    return {header["name"]: header["value"] for header in probe["httpGet"].get("httpHeaders", [])}


def test_the_web_role_answers_the_kubernetes_probes(web: dict[str, Any]) -> None:
    wait_for_port(web["port"], web["process"], web["log"])
    spec = container(k8s_resource("Deployment", "upload-center-web"))

    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        get = spec[probe]["httpGet"]
        response = requests.get(web["url"] + get["path"], headers=probe_headers(spec[probe]), timeout=30)
        assert response.status_code == 200, (probe, response.text)
    # Without the probe's Host header, DEBUG-off Django refuses the pod's own address.
    assert requests.get(web["url"] + "/healthz", timeout=10).status_code == 400


def test_the_image_healthcheck_passes_against_the_web_role(web: dict[str, Any]) -> None:
    wait_for_port(web["port"], web["process"], web["log"])
    command = json.loads(dockerfile_instruction("HEALTHCHECK").split(" CMD ", 1)[1])
    command = [part.replace("127.0.0.1:8000", f"127.0.0.1:{web['port']}") for part in command]

    assert subprocess.run(command, env=image_env(), timeout=30).returncode == 0


def test_the_web_role_logs_json_lines_with_the_request_id(web: dict[str, Any]) -> None:
    wait_for_port(web["port"], web["process"], web["log"])
    request_id = f"deploy-test-{uuid.uuid4().hex}"

    # As the ingress sends it: TLS ended there, the id made there.
    headers = {"Host": "localhost", "X-Forwarded-Proto": "https", "X-Request-ID": request_id}
    response = requests.get(web["url"] + "/no-such-page", headers=headers, timeout=10, allow_redirects=False)

    assert response.status_code == 404
    assert response.headers["X-Request-ID"] == request_id

    def entries() -> list[dict[str, Any]]:
        return [json.loads(line) for line in web["log"].read_text().splitlines() if line.startswith("{")]

    mine = wait_for(
        lambda: [entry for entry in entries() if entry["request_id"] == request_id],
        what="the request's log line",
        seconds=10,
        explain=web["log"].read_text,
    )
    assert mine[0]["logger"] == "django.request"
    assert mine[0]["message"] == "Not Found: /no-such-page"
    # gunicorn's own lines are JSON too.
    assert any(entry["logger"] == "gunicorn.error" for entry in entries())


def test_the_migrate_role_then_the_init_check_and_the_cleanup_job_run(
    compose: dict[str, Any], tmp_path: Path
) -> None:
    env = image_env(
        **PRODUCTION,
        ALLOWED_HOSTS="localhost",
        DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
        UPLOAD_ROOT=str(tmp_path / "uploads"),
    )
    init = pod_spec(k8s_resource("Deployment", "upload-center-web"))["initContainers"][0]["command"]

    def run(command: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)

    # The init container's check fails on an unmigrated database...
    assert run(["python", "manage.py", "migrate", "--check"]).returncode != 0
    migrate = run(compose["services"]["migrate"]["command"])
    assert migrate.returncode == 0, migrate.stderr
    assert "Storage ready" in migrate.stdout
    # ...and passes after the migrate role.
    assert run(init).returncode == 0
    cleanup = run(container(k8s_resource("CronJob", "upload-center-cleanup-uploads"))["command"])
    assert cleanup.returncode == 0, cleanup.stderr
    assert "0 cut-off uploads" in cleanup.stdout


def test_collectstatic_as_the_dockerfile_runs_it(tmp_path: Path) -> None:
    command = dockerfile_instruction("RUN", "collectstatic")
    static_root = tmp_path / "static"
    result = subprocess.run(
        ["sh", "-c", command],
        cwd=ROOT,
        env=image_env(STATIC_ROOT=str(static_root)),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    manifest = json.loads((static_root / "staticfiles.json").read_text())
    assert "admin/css/base.css" in manifest["paths"]


@pytest.mark.rabbitmq
def test_the_worker_role_connects_to_rabbitmq_and_answers_its_probe(
    compose: dict[str, Any], tmp_path: Path, transactional_db: None
) -> None:
    # A node name of its own, so that other workers on the same broker do not answer.
    node = f"deploy-{uuid.uuid4().hex[:12]}"
    log = tmp_path / "worker.log"
    env = image_env(**PRODUCTION, ALLOWED_HOSTS="localhost", DATABASE_URL=database_url())
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*compose["services"]["worker"]["command"], "-n", f"celery@{node}"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:

        def ready() -> bool:
            assert process.poll() is None, f"worker exited with {process.returncode}:\n{log.read_text()}"
            return re.search(rf"celery@{node} ready\.", log.read_text()) is not None

        wait_for(ready, what="the worker to be ready", seconds=60, explain=log.read_text)
        text = log.read_text()
        assert f"celery@{node} ready." in text, text
        assert "Connected to amqp://" in text
        probe = container(k8s_resource("Deployment", "upload-center-worker"))["livenessProbe"]["exec"][
            "command"
        ]
        # Kubernetes sets HOSTNAME to the pod's name, which is the worker's default node name.
        result = subprocess.run(
            probe, cwd=ROOT, env={**env, "HOSTNAME": node}, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "pong" in result.stdout
    finally:
        process.terminate()
        process.wait(timeout=30)
