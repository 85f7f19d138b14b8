"""An upload in flight holds at most its read-ahead (and one message) of body
bytes: the ones queued by the pump and the ones the view took and has not yet
finished with, counted together. Nothing is timed: the view lets the event
loop run as far as it will before it finishes with a batch."""

from __future__ import annotations

import asyncio
from typing import Any

from config.streaming import StreamingBody, _Receive

MESSAGE = 64 * 1024
TOTAL = 24 * 1024 * 1024


async def slow_view() -> list[int]:
    delivered = 0

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        delivered += MESSAGE
        return {"type": "http.request", "body": b"x" * MESSAGE, "more_body": delivered < TOTAL}

    body = _Receive(receive, has_body=True)
    held: list[int] = []  # bytes received and not yet done with, at each step of the view
    done_with = 0
    more = True
    while more:
        taken, more = await body.pull(StreamingBody.pull_size)
        for _ in range(100):  # the pump reads ahead as far as it is let
            await asyncio.sleep(0)
        held.append(delivered - done_with)
        done_with += sum(len(chunk) for chunk in taken)
    await body.close()
    assert done_with == TOTAL
    return held


def test_an_upload_holds_no_more_than_its_read_ahead() -> None:
    held = asyncio.run(slow_view())
    assert max(held) <= _Receive.read_ahead + MESSAGE
