"""A public download under ASGI takes one thread hop (config/one_hop.py), where Django's
handler took four through asgiref, each waking one of up to 64 request threads.
Requests go through the handler in this process; nothing is timed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import SyncToAsync
from django.db import connections

from config.one_hop import OneHopHandler
from config.streaming import RequestThread, StreamingASGIHandler
from tests.config.test_asgi_request_cost import answer


class OneThread(OneHopHandler):
    threads = 1  # closing its connection at the end reaches the only thread


@pytest.fixture
def handler(transactional_db: None) -> Iterator[OneHopHandler]:
    handler = OneThread(StreamingASGIHandler())
    yield handler
    handler.pool.submit(connections.close_all).result()
    handler.pool.shutdown()


def test_a_public_download_takes_one_hop_and_no_asgiref_one(
    handler: OneHopHandler, monkeypatch: pytest.MonkeyPatch
) -> None:
    hops: list[str] = []
    submit, to_async = RequestThread.submit, SyncToAsync.__call__

    def counted(self: RequestThread, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        hops.append(getattr(fn, "__name__", repr(fn)))
        return submit(self, fn, *args, **kwargs)

    def counted_async(self: SyncToAsync, *args: Any, **kwargs: Any) -> Any:
        hops.append(repr(self.func))
        return to_async(self, *args, **kwargs)

    monkeypatch.setattr(RequestThread, "submit", counted)
    monkeypatch.setattr(SyncToAsync, "__call__", counted_async)
    status, body = answer(handler, "GET", "/fm/download/kian/lesson.pdf")
    assert (status, body) == (404, b'{"detail": "lesson.pdf hasn\'t existed!"}')
    assert hops == []


def test_another_method_still_goes_through_djangos_handler(handler: OneHopHandler) -> None:
    assert answer(handler, "POST", "/fm/download/kian/lesson.pdf")[0] == 405
    assert answer(handler, "GET", "/healthz") == (200, b'{"status": "ok"}')
