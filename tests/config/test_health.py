from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client


def test_healthz_answers_while_the_process_lives(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_is_200_when_every_part_answers(client: Client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"] == ["broker", "channel_layer", "database", "storage"]


def test_readyz_is_503_naming_the_database_when_it_is_unreachable(
    start_server: Callable[..., object],
) -> None:
    # Port 9 on loopback: nothing listens, so the connection is refused at once.
    server = start_server(DATABASE_URL="postgres://nobody@127.0.0.1:9/none")
    response = server.get("/readyz")  # type: ignore[attr-defined]
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert list(body["failing"]) == ["database"]
    assert server.get("/healthz").status_code == 200  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_readyz_is_503_naming_the_storage_when_its_folder_or_bucket_is_missing(
    client: Client, settings: Any, tmp_path: Path
) -> None:
    default = settings.STORAGES["default"]
    if settings.S3_BUCKET:
        options = {**default["OPTIONS"], "bucket_name": "no-such-bucket-for-readyz"}
    else:
        options = {**default["OPTIONS"], "location": str(tmp_path / "gone")}
    settings.STORAGES = {**settings.STORAGES, "default": {**default, "OPTIONS": options}}
    response = client.get("/readyz")
    assert response.status_code == 503
    assert list(response.json()["failing"]) == ["storage"]
