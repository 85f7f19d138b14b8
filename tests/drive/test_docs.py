"""Swagger UI at /docs and the OpenAPI document at /docs/json."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

CONTRACT_PATHS = {
    "/fm/login/",
    "/fm/upload/",
    "/fm/manager/",
    "/fm/download/{username}/{filename}",
    "/core.login",
    "/core.logout",
    "/core.current",
    "/core.ws_connect",
    "/files.list",
    "/files.delete",
    "/files.upload",
    "/cloud_archive",
}


@pytest.mark.django_db
def test_the_openapi_document_covers_every_endpoint_of_the_contract() -> None:
    response = Client().get("/docs/json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) >= CONTRACT_PATHS
    upload = document["paths"]["/files.upload"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert {"200", "400", "401", "413"} <= set(upload["responses"])


def test_the_openapi_document_is_generated_without_warnings() -> None:
    # --fail-on-warn turns every warning of drf-spectacular into an error.
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=StringIO())


@pytest.mark.django_db
def test_swagger_ui_is_served_from_the_sidecar_and_reads_docs_json() -> None:
    response = Client().get("/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page
    assert "/docs/json" in page
    assert "drf_spectacular_sidecar/swagger-ui-dist" in page
