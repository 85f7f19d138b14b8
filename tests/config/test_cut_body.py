"""A connection lost mid-body: every byte the server read reaches the app before the
disconnect does, at each layer (the protocol's held reads, uvicorn's cycle, the body pump)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import RequestAborted
from uvicorn.config import Config
from uvicorn.server import ServerState

from config.http import HttpToolsProtocol
from config.streaming import StreamingBody, _Receive
from tests.config.test_http_protocol import HEAD, Transport


async def cut_off(packets: list[bytes], *, app_waits: bool) -> tuple[bytes, list[str]]:
    """(the body the app received, the types of its messages) for a request sent as
    ``packets`` whose connection is then lost; with ``app_waits`` the app reads only
    after the loss."""
    body = bytearray()
    types: list[str] = []
    go = asyncio.Event()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await go.wait()
        while True:
            message = await receive()
            types.append(message["type"])
            if message["type"] == "http.disconnect":
                return
            body.extend(message["body"])

    config = Config(app=app, lifespan="off", log_level="warning")
    config.load()
    protocol = HttpToolsProtocol(config=config, server_state=ServerState(), app_state={})
    protocol.connection_made(Transport())
    if not app_waits:
        go.set()
    for packet in packets:
        protocol.data_received(packet)
        for _ in range(10):  # the app takes what it was handed before the next packet
            await asyncio.sleep(0)
    protocol.connection_lost(None)
    go.set()
    await asyncio.wait_for(asyncio.gather(*protocol.tasks), 5)
    return bytes(body), types


def test_reads_held_to_be_joined_reach_the_app_when_the_connection_is_lost() -> None:
    parts = [b"a" * 100_000, b"b" * 50_000]  # together below what is handed over unjoined
    packets = [HEAD % 1_000_000 + parts[0], parts[1]]
    body, types = asyncio.run(cut_off(packets, app_waits=False))
    assert body == b"".join(parts)
    assert types[-1] == "http.disconnect"


def test_a_body_the_app_had_not_taken_reaches_it_before_the_disconnect() -> None:
    parts = [b"a" * 700_000, b"b" * 700_000, b"c" * 123]  # handed over, then held
    packets = [HEAD % 3_000_000 + parts[0], parts[1], parts[2]]
    body, types = asyncio.run(cut_off(packets, app_waits=True))
    assert body == b"".join(parts)
    assert types == ["http.request", "http.disconnect"]


def body_then_disconnect(chunks: list[bytes]) -> _Receive:
    messages: Iterator[dict[str, Any]] = iter(
        [
            *({"type": "http.request", "body": chunk, "more_body": True} for chunk in chunks),
            {"type": "http.disconnect"},
        ]
    )

    async def receive() -> dict[str, Any]:
        return next(messages)

    return _Receive(receive, has_body=True)


def test_the_pump_hands_out_what_came_before_the_disconnect_then_aborts() -> None:
    chunks = [b"a" * 1000, b"b" * 10]

    async def view() -> None:
        body = body_then_disconnect(chunks)
        # More than came: the pump reaches the disconnect before handing anything out.
        taken, more = await body.pull(10 * len(b"".join(chunks)))
        assert (taken, more) == (chunks, True)
        with pytest.raises(RequestAborted):
            await body.pull(1)
        assert (await body()) == {"type": "http.disconnect"}
        await body.close()

    asyncio.run(view())


def test_a_streaming_body_reads_to_the_cut_then_raises() -> None:
    chunks = [b"a" * 1000, b"b" * 10]

    async def view() -> bytes:
        stream = StreamingBody(body_then_disconnect(chunks))
        read = bytearray()

        def reads() -> None:
            with pytest.raises(RequestAborted):
                while chunk := stream.read(StreamingBody.pull_size):
                    read.extend(chunk)

        await asyncio.to_thread(reads)
        return bytes(read)

    assert asyncio.run(view()) == b"".join(chunks)
