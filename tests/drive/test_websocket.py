"""The drive's WebSocket (/core.ws_connect), through the real ASGI application."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from config.asgi import application
from config.events import user_event_send
from tests.drive.helpers import MiB, upload

# Channels closes the test's connection between sync and async code; committed rows survive that.
pytestmark = pytest.mark.django_db(transaction=True)


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    async_to_sync(scenario)()


def socket(client: Client | None = None) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    if client is not None:
        headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    return WebsocketCommunicator(application, "/core.ws_connect", headers=headers)


async def frames_before_marker(communicator: WebsocketCommunicator, user_id: int) -> list[dict[str, Any]]:
    """Every frame the socket gets before a marker event sent to the user now.

    The channel layer hands a socket its events in the order they were sent, so once
    the marker arrives every event sent before it has arrived too: no wait decides
    that nothing more is coming (the timeout only bounds a failing test)."""
    marker = {"kind": "TEST_MARKER", "id": uuid.uuid4().hex}
    await sync_to_async(user_event_send)(user_id=user_id, event=marker)
    frames = []
    while (frame := await communicator.receive_json_from(timeout=10)) != marker:
        frames.append(frame)
    return frames


async def connected(client: Client) -> WebsocketCommunicator:
    communicator = socket(client)
    accepted, _ = await communicator.connect()
    assert accepted
    initial = await communicator.receive_json_from(timeout=5)
    assert initial["kind"] == "INITIAL"
    return communicator


def test_a_socket_without_a_session_is_closed_with_4401() -> None:
    async def scenario() -> None:
        communicator = socket()
        await communicator.connect()
        assert await communicator.receive_output(timeout=5) == {"type": "websocket.close", "code": 4401}
        await communicator.wait()

    run(scenario)


def test_a_socket_after_logout_is_closed_with_4401(drive_user: Any, login: Callable[..., Client]) -> None:
    client = login(drive_user)
    cookie = client.cookies["sessionid"].value
    client.post("/core.logout", content_type="application/json")

    async def scenario() -> None:
        communicator = WebsocketCommunicator(
            application,
            "/core.ws_connect",
            headers=[(b"origin", b"http://testserver"), (b"cookie", f"sessionid={cookie}".encode())],
        )
        await communicator.connect()
        assert (await communicator.receive_output(timeout=5))["code"] == 4401

    run(scenario)


def test_a_logged_in_socket_gets_initial_with_a_trace_id(
    drive_user: Any, login: Callable[..., Client]
) -> None:
    client = login(drive_user)

    async def scenario() -> None:
        communicator = socket(client)
        accepted, _ = await communicator.connect()
        assert accepted
        frame = await communicator.receive_from(timeout=5)
        message = json.loads(frame)
        assert message["kind"] == "INITIAL"
        assert isinstance(message["trace_id"], str) and message["trace_id"]
        await communicator.disconnect()

    run(scenario)


def test_every_tab_of_a_user_gets_the_users_events_and_nobody_else_does(
    drive_user: Any, make_user: Callable[..., Any], drive_tier: Any, login: Callable[..., Client]
) -> None:
    bob = make_user("bob", "bob-secret-1", account=drive_tier)
    alice_client, bob_client = login(drive_user), login(bob, "bob-secret-1")
    event = {"kind": "UPLOAD_FINISH", "upload_id": str(uuid.uuid4())}

    async def scenario() -> None:
        tab1, tab2, bobs = (
            await connected(alice_client),
            await connected(alice_client),
            await connected(bob_client),
        )
        await sync_to_async(user_event_send)(user_id=drive_user.pk, event=event)
        assert await tab1.receive_json_from(timeout=5) == event
        assert await tab2.receive_json_from(timeout=5) == event
        assert await frames_before_marker(bobs, bob.pk) == []
        for communicator in (tab1, tab2, bobs):
            await communicator.disconnect()

    run(scenario)


def test_an_upload_sends_progress_per_part_then_finish_before_the_answer(
    drive_user: Any, login: Callable[..., Client], settings: Any
) -> None:
    settings.UPLOAD_PART_SIZE = 5 * MiB
    client = login(drive_user)
    upload_id = str(uuid.uuid4())
    size = 12 * MiB

    async def scenario() -> None:
        communicator = await connected(client)
        response = await sync_to_async(upload)(client, "movie.bin", b"m" * size, upload_id)
        assert response.status_code == 200, response.content
        # That the events come before the answer is checked in test_finish_order.py.
        frames = await frames_before_marker(communicator, drive_user.pk)
        assert len(frames) == 4, frames
        progress, finish = frames[:3], frames[3]
        assert [f["kind"] for f in progress] == ["UPLOAD_PROGRESS"] * 3
        # One event per stored part, the last one included: on local disk at the
        # chunk that crosses the part's end, and at the file's end.
        first, second, last = (f["uploaded_size"] for f in progress)
        assert 5 * MiB <= first < 6 * MiB and 10 * MiB <= second < 11 * MiB and last == size
        assert all(f["upload_id"] == upload_id and f["total_size"] == size for f in progress)
        assert finish == {"kind": "UPLOAD_FINISH", "upload_id": upload_id}
        await communicator.disconnect()

    run(scenario)


def test_a_refused_upload_sends_no_finish(drive_user: Any, login: Callable[..., Client]) -> None:
    client = login(drive_user)

    async def scenario() -> None:
        communicator = await connected(client)
        response = await sync_to_async(upload)(client, "big.bin", b"x" * (20 * MiB + 1))
        assert response.status_code == 413
        frames = await frames_before_marker(communicator, drive_user.pk)
        assert "UPLOAD_FINISH" not in [f["kind"] for f in frames]
        await communicator.disconnect()

    run(scenario)
