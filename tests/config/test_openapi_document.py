"""/docs/json says what the API does (schemathesis checks it live in test_schema_fuzzing.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

GROUPS = ["upload center", "drive", "export", "operations"]


@pytest.fixture
def document() -> dict[str, Any]:
    return Client().get("/docs/json").json()


def schema_of(document: dict[str, Any], reference: str) -> dict[str, Any]:
    return document["components"]["schemas"][reference.rsplit("/", 1)[-1]]


def test_swagger_ui_groups_operations_by_api(document: dict[str, Any]) -> None:
    assert [tag["name"] for tag in document["tags"]] == GROUPS
    tags = {
        (path, method): op["tags"] for path, item in document["paths"].items() for method, op in item.items()
    }
    assert all(len(found) == 1 and found[0] in GROUPS for found in tags.values()), tags
    assert tags["/files.list", "get"] == ["drive"] and tags["/core.login", "post"] == ["drive"]
    assert tags["/fm/upload/", "put"] == ["upload center"]
    assert tags["/cloud_archive", "post"] == ["export"] and tags["/healthz", "get"] == ["operations"]


def test_probes_and_the_oauth_round_trip_are_documented_without_auth(document: dict[str, Any]) -> None:
    for path in ("/healthz", "/readyz", "/cloud_archive/start/{token}", "/cloud_archive/callback"):
        assert document["paths"][path]["get"]["security"] == [{}], path
    assert set(document["paths"]["/readyz"]["get"]["responses"]) == {"200", "503"}


def test_manager_megabytes_are_numbers_and_required(document: dict[str, Any]) -> None:
    ok = document["paths"]["/fm/manager/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    manager = schema_of(document, ok["$ref"])
    assert manager["properties"]["Storage"]["type"] == "number"
    assert manager["properties"]["Used"]["type"] == "number"
    assert set(manager["required"]) == {"Account", "Storage", "Used", "Files"}


def test_fm_login_needs_no_auth_and_documents_its_400_and_429(document: dict[str, Any]) -> None:
    login = document["paths"]["/fm/login/"]["post"]
    assert login.get("security", []) in ([], [{}])
    assert set(login["responses"]) == {"200", "400", "429"}


def test_every_protected_fm_operation_documents_401(document: dict[str, Any]) -> None:
    for path, method in [("/fm/upload/", "put"), ("/fm/manager/", "get"), ("/fm/manager/", "delete")]:
        assert {"400", "401"} & set(document["paths"][path][method]["responses"]) >= {"401"}, (path, method)


def test_delete_manager_documents_its_file_name_body(document: dict[str, Any]) -> None:
    body = document["paths"]["/fm/manager/"]["delete"]["requestBody"]
    assert body["required"] is True
    for media_type in ("application/x-www-form-urlencoded", "multipart/form-data", "application/json"):
        form = schema_of(document, body["content"][media_type]["schema"]["$ref"])
        assert form["required"] == ["file_name"] and form["properties"]["file_name"]["minLength"] == 1


def test_uploads_are_non_empty_binary_files(document: dict[str, Any]) -> None:
    upload = document["paths"]["/fm/upload/"]["put"]["requestBody"]["content"]["multipart/form-data"]
    field = schema_of(document, upload["schema"]["$ref"])["properties"]["file_field"]
    assert field["minItems"] == 1
    assert field["items"] == {"type": "string", "format": "binary", "minLength": 1}


def test_downloads_are_any_type_with_ranges_and_conditional_answers(document: dict[str, Any]) -> None:
    responses = document["paths"]["/fm/download/{username}/{filename}"]["get"]["responses"]
    assert set(responses) >= {"200", "206", "304", "404", "416"}
    assert list(responses["200"]["content"]) == ["*/*"]
    assert list(responses["404"]["content"]) == ["application/json"]


def test_drive_answers_a_wrong_method_405_in_its_envelope(client: Client) -> None:
    response = client.put("/core.login")
    assert response.status_code == 405
    assert response["Allow"] == "POST, OPTIONS"
    assert response.json() == {
        "status": "method_not_allowed",
        "message": 'Method "PUT" not allowed.',
        "data": {},
    }


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/cloud_archive/start/x", "/cloud_archive/callback"])
def test_plain_views_answer_a_wrong_method_405(path: str) -> None:
    # With the CSRF check on, as a server runs: it must not answer 403 first.
    client = Client(enforce_csrf_checks=True)
    assert client.generic("QUERY", path).status_code == 405
    assert client.post(path).status_code == 405
