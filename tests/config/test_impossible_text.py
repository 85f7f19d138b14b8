"""Text no column can hold (a NUL byte, a lone surrogate) never reaches the database.

PostgreSQL refuses a NUL in a text parameter and nothing can encode a lone surrogate:
each was a 500. A lookup by such text matches no row without a query (config.text), so
every entry point answers its own "unknown"; JSON is the one way a lone surrogate gets
in, and its parser refuses it (config.drf.JSONParser). Both passes run these; the old
500s of a NUL showed only on PostgreSQL (pass 2).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import pytest
import requests
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework import parsers
from rest_framework.test import APIClient
from rest_framework.views import APIView

from config.drf import JSONParser
from upload_center.models import StoredFile

NUL = "a\x00b"
# Not part of the project's own API: Django's admin and DRF's log-in pages.
FOREIGN_PREFIXES = ("admin/", "api-auth/")


def _patterns(resolvers: list[Any], prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    """(route, pattern) of every URL pattern the project serves itself."""
    for entry in resolvers:
        route = prefix + str(entry.pattern)
        if route.startswith(FOREIGN_PREFIXES):
            continue
        if isinstance(entry, URLResolver):
            yield from _patterns(entry.url_patterns, route)
        else:
            yield route, entry


def _paths_with_nul() -> list[str]:
    """Each pattern that takes URL parts, with a NUL in every part (percent-encoded)."""
    routes = [route for route, _ in _patterns(get_resolver().url_patterns) if "<" in route]
    return ["/" + re.sub(r"<(\w+:)?\w+>", quote(NUL), route) for route in routes]


@pytest.fixture
def kian(make_user: Callable[..., Any]) -> Any:
    return make_user("kian")


@pytest.mark.django_db
def test_a_lookup_by_text_no_column_can_hold_matches_nothing_without_a_query(
    kian: Any, django_assert_num_queries: Any
) -> None:
    StoredFile.objects.create(owner=kian, name="a.txt", size=1, state=StoredFile.State.STORED)
    with django_assert_num_queries(0):
        assert list(StoredFile.objects.filter(name="a\x00.txt")) == []
        assert StoredFile.objects.filter(owner__username="ki\ud800an").update(size=2) == 0
    found = StoredFile.objects.filter(name__in=["a.txt", "a\x00.txt", "\udc80"])
    assert [row.name for row in found] == ["a.txt"]
    assert StoredFile.objects.exclude(name="a\x00.txt").count() == 1


def test_every_url_part_with_a_nul_byte_is_answered_without_a_server_error(kian: Any) -> None:
    """Every pattern is walked, a new one too: whatever it looks up by its URL parts must answer."""
    client = Client()
    client.force_login(kian)
    paths = _paths_with_nul()
    assert "/fm/download/a%00b/a%00b" in paths
    for path in paths:
        for method in ("get", "head", "post", "patch", "delete"):
            answer = getattr(client, method)(path, content_type="application/json")
            assert answer.status_code < 500, (path, method, answer.status_code)


def _views() -> Iterator[tuple[str, type[APIView]]]:
    for route, pattern in _patterns(get_resolver().url_patterns):
        view = getattr(pattern.callback, "cls", None)
        if isinstance(view, type) and issubclass(view, APIView):
            yield route, view


def test_every_api_parses_json_with_the_parser_that_refuses_lone_surrogates() -> None:
    plain = [
        route
        for route, view in _views()
        for parser in view().get_parsers()
        if isinstance(parser, parsers.JSONParser) and not isinstance(parser, JSONParser)
    ]
    assert plain == []


def _json(client: Client, method: str, path: str, body: str) -> Any:
    return getattr(client, method)(path, body, content_type="application/json")


# A JSON escape of a lone surrogate; json.loads turns it into text UTF-8 cannot encode.
SURROGATE = '"ki\\ud800an"'


@pytest.mark.django_db
def test_a_lone_surrogate_in_json_is_a_bad_request(kian: Any) -> None:
    drive = Client()
    login = _json(drive, "post", "/core.login", f'{{"username": {SURROGATE}, "password": "x"}}')
    assert (login.status_code, login.json()["status"]) == (400, "bad_request")
    drive.force_login(kian)
    delete = _json(drive, "post", "/files.delete", f'{{"key": {SURROGATE}}}')
    assert (delete.status_code, delete.json()["status"]) == (400, "bad_request")
    api = APIClient()
    api.force_authenticate(kian)
    assert _json(api, "delete", "/fm/manager/", f'{{"file_name": {SURROGATE}}}').status_code == 400
    login = _json(api, "post", "/fm/login/", f'{{"username": {SURROGATE}, "password": "x"}}')
    assert login.status_code == 400


@pytest.mark.django_db
def test_a_tus_metadata_value_with_a_nul_byte_is_a_bad_request(kian: Any) -> None:
    api = APIClient()
    api.force_authenticate(kian)
    filename, filetype = (base64.b64encode(text).decode() for text in (b"a.txt", b"text\0"))
    metadata = f"filename {filename},filetype {filetype}"
    answer = api.post(
        "/tus/", HTTP_TUS_RESUMABLE="1.0.0", HTTP_UPLOAD_LENGTH="5", HTTP_UPLOAD_METADATA=metadata
    )
    assert answer.status_code == 400
    assert not StoredFile.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_session_cookie_with_a_nul_byte_is_no_session_over_http(
    kian: Any, start_server: Callable[..., Any]
) -> None:
    server = start_server()
    # A quoted cookie value may carry octal escapes, which Django decodes: "\000" is a NUL.
    cookie = {"Cookie": 'sessionid="\\000abcdefghijklmnop"'}
    current = requests.get(server.url + "/core.current", headers=cookie, timeout=30)
    assert (current.status_code, current.json()["status"]) == (401, "unauthorized")
    assert requests.get(server.url + "/fm/manager/", headers=cookie, timeout=30).status_code == 401
