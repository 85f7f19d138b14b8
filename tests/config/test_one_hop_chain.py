"""The lean chain of a public download (config/one_hop_chain.py): which requests take it,
which middlewares it runs, and that its URL patterns resolve as the whole URLconf.
Requests go through the handler in this process; nothing is timed."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.testing import ApplicationCommunicator
from django.conf import settings
from django.http import HttpRequest
from django.test import RequestFactory
from django.urls import get_resolver

from config.one_hop import OneHopHandler
from config.one_hop_chain import NOT_FOR_PUBLIC, LeanHandler, lean_middleware
from tests.config.test_asgi_request_cost import scope
from tests.config.test_one_hop import handler  # noqa: F401 - fixture

PATHS = [
    "/fm/download/kian/lesson.pdf",
    "/fm/download/kian/درس 1 50%25 done%3F%23.pdf",  # quoted for RequestFactory
    "/fm/download/kian/.hidden",
    "/fm/download/a/b",
]


def answer_with(
    app: OneHopHandler, path: str, headers: list[tuple[bytes, bytes]]
) -> tuple[int, dict[bytes, bytes]]:
    async def run() -> tuple[int, dict[bytes, bytes]]:
        request = scope("GET", path)
        request["headers"] = [*request["headers"], *headers]
        talk = ApplicationCommunicator(app, request)
        await talk.send_input({"type": "http.request", "body": b"", "more_body": False})
        start = await talk.receive_output(10)
        while (await talk.receive_output(10)).get("more_body"):
            pass
        await talk.wait(10)
        return start["status"], dict(start["headers"])

    return asyncio.run(run())


def chains_taken(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> tuple[OneHopHandler, list[str]]:
    """test_one_hop's handler, and the names of the chains its requests take."""
    app: OneHopHandler = request.getfixturevalue("handler")
    taken: list[str] = []
    for name, chain in (("lean", app.lean), ("whole", app.sync)):

        def counted(request: HttpRequest, name: str = name, chain: Any = chain) -> Any:
            taken.append(name)
            return type(chain).get_response(chain, request)

        monkeypatch.setattr(chain, "get_response", counted)
    return app, taken


def test_the_lean_chain_is_middleware_without_the_ones_a_public_download_skips() -> None:
    assert set(NOT_FOR_PUBLIC) <= set(settings.MIDDLEWARE)  # a renamed one would run again
    assert lean_middleware() == [path for path in settings.MIDDLEWARE if path not in NOT_FOR_PUBLIC]
    assert lean_middleware()[:2] == [
        "config.middleware.RequestIdMiddleware",
        "config.middleware.RequestSizeLimitMiddleware",
    ]


@pytest.mark.parametrize("path", PATHS)
def test_the_lean_patterns_resolve_as_the_whole_urlconf(path: str) -> None:
    assert LeanHandler().match(RequestFactory().get(path, HTTP_COOKIE="")) is None  # even an empty one
    request = RequestFactory().get(path)
    del request.META["HTTP_COOKIE"]
    lean, whole = LeanHandler().match(request), get_resolver().resolve(request.path_info)
    assert lean is not None
    fields = ("func", "args", "kwargs", "url_name", "route", "namespaces", "app_names", "captured_kwargs")
    assert [getattr(lean, name) for name in fields] == [getattr(whole, name) for name in fields]


@pytest.mark.parametrize("path", ["/fm/download/kian", "/fm/download/kian/a/b", "/fm/upload/", "/healthz"])
def test_other_paths_are_not_the_lean_chains(path: str) -> None:
    request = RequestFactory().get(path)
    del request.META["HTTP_COOKIE"]
    assert LeanHandler().match(request) is None


def test_a_download_without_cookies_takes_the_lean_chain_and_keeps_its_headers(
    transactional_db: None, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, taken = chains_taken(request, monkeypatch)
    status, headers = answer_with(app, "/fm/download/kian/lesson.pdf", [(b"x-request-id", b"class-7")])
    assert (status, taken) == (404, ["lean"])
    assert headers[b"X-Request-ID"] == b"class-7"  # RequestIdMiddleware
    assert headers[b"X-Frame-Options"] == b"DENY"  # XFrameOptionsMiddleware
    assert headers[b"Referrer-Policy"] == b"same-origin"  # SecurityMiddleware
    assert (
        headers[b"Content-Length"] == str(len(b'{"detail": "lesson.pdf hasn\'t existed!"}')).encode()
    )  # Common


def test_a_download_with_a_cookie_takes_the_whole_chain(
    transactional_db: None, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, taken = chains_taken(request, monkeypatch)
    # A session key too short to be one: SessionMiddleware deletes the cookie.
    status, headers = answer_with(app, "/fm/download/kian/lesson.pdf", [(b"cookie", b"sessionid=short")])
    assert (status, taken) == (404, ["whole"])
    assert headers[b"Set-Cookie"].startswith(b'sessionid=""; expires=')
    assert answer_with(app, "/fm/download/kian", [])[0] == 404
    assert taken == ["whole", "whole"]
