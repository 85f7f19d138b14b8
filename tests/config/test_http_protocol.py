"""The server's HTTP protocol (config/http.py) hands body chunks to the app joined into larger
messages, with one copy at most."""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.config import Config
from uvicorn.server import ServerState

from config.http import JOIN_SIZE, SOCKET_READ_MAX, HttpToolsProtocol
from dev import server_command

HEAD = b"PUT /fm/upload/ HTTP/1.1\r\nHost: testserver\r\nContent-Length: %d\r\n\r\n"


class Transport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.reading = True
        self.closing = False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 40000) if name in ("peername", "sockname") else default

    def is_closing(self) -> bool:
        return self.closing

    def pause_reading(self) -> None:
        self.reading = False

    def resume_reading(self) -> None:
        self.reading = True

    def write(self, data: Any) -> None:
        pass

    def close(self) -> None:
        self.closing = True


class Spy(HttpToolsProtocol):
    """Keeps every chunk httptools gave, to compare with what the app received."""

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)
        super().on_body(body)


async def bodies(packets: list[bytes], *, app_waits: bool) -> tuple[list[bytes], list[bytes]]:
    """(the chunks httptools made, the bodies the app received) for a request sent as
    ``packets``; with ``app_waits`` every packet arrives before the app reads at all."""
    received: list[bytes] = []
    go = asyncio.Event()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await go.wait()
        more = True
        while more:
            message = await receive()
            received.append(message["body"])
            more = message["more_body"]

    config = Config(app=app, lifespan="off", log_level="warning")
    config.load()
    protocol = Spy(config=config, server_state=ServerState(), app_state={})
    protocol.chunks = []
    protocol.connection_made(Transport())
    if not app_waits:
        go.set()
    for packet in packets:
        protocol.data_received(packet)
        for _ in range(10):  # the app takes what came before the next packet
            await asyncio.sleep(0)
    go.set()
    await asyncio.wait_for(asyncio.gather(*protocol.tasks), 5)
    return protocol.chunks, received


def test_a_body_that_came_in_one_chunk_reaches_the_app_as_the_same_object() -> None:
    body = b"a" * 300_000
    chunks, received = asyncio.run(bodies([HEAD % len(body) + body], app_waits=False))
    assert [got for got in received if got] == chunks
    assert received[0] is chunks[0]


def test_socket_reads_are_joined_into_messages_of_at_most_join_size() -> None:
    """The app (and the parser, the handler, the pipeline after it) wakes once per
    message, not once per socket read; a reader asking for JOIN_SIZE gets whole ones."""
    reads = [bytes([65 + i]) * SOCKET_READ_MAX for i in range(10)] + [b"end"]
    packets = [HEAD % sum(map(len, reads)) + reads[0], *reads[1:]]
    _, received = asyncio.run(bodies(packets, app_waits=False))
    assert b"".join(received) == b"".join(reads)
    messages = [body for body in received if body]
    assert all(len(body) <= JOIN_SIZE for body in messages)
    assert len(messages) <= len(reads) * SOCKET_READ_MAX // (JOIN_SIZE - SOCKET_READ_MAX) + 1


def test_chunks_that_arrive_before_the_app_reads_are_joined_in_order() -> None:
    parts = [b"x" * 1000, b"y" * 70_000, b"z" * 5]
    packets = [HEAD % sum(map(len, parts)) + parts[0], parts[1], parts[2]]
    _, received = asyncio.run(bodies(packets, app_waits=True))
    assert b"".join(received) == b"".join(parts)


def test_the_server_runs_this_protocol() -> None:
    command = server_command("127.0.0.1", "0")
    assert command[command.index("--http") + 1] == "config.http:HttpToolsProtocol"
