"""uvicorn's httptools protocol, handing request bodies to the app in fewer, larger messages.

uvicorn appends each body chunk (one socket read, 256 KiB at most) to a bytearray,
copies that into a new bytes object for the ASGI message, and wakes the app for
each: two more copies of every uploaded byte, on the event loop and holding the
GIL (about a third of the GIL's time under 32 uploads at once, py-spy --gil;
bench/class_load.py). Here the chunks are held until close to ``JOIN_SIZE`` bytes
came (or the body ended) and handed over joined, one copy (none for a lone chunk):
every step after the socket (the app's wake-up, the multipart parser, the upload
handler, the storage pipeline) then runs about once per MiB instead of once per read.
Every deployment's command names this class (``--http config.http:HttpToolsProtocol``).

A connection lost mid-body loses none of the bytes read from it: the held reads are
handed over, and the app gets every body byte before it hears of the disconnect
(``_Cycle``), so a cut tus PATCH keeps all that reached the server (tus resumes there).
"""

from __future__ import annotations

from uvicorn._types import ASGIReceiveEvent
from uvicorn.protocols.http.flow_control import HIGH_WATER_LIMIT
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as UvicornHttpToolsProtocol
from uvicorn.protocols.http.httptools_impl import RequestResponseCycle

# A body message holds at most JOIN_SIZE bytes while the app keeps up: reads are handed
# over once one more (uvloop reads 256 KiB at most) could pass it. Readers that ask for
# JOIN_SIZE at a time (tus) so get whole messages, never split and copied again.
JOIN_SIZE = 1024 * 1024
SOCKET_READ_MAX = 256 * 1024


class _Cycle(RequestResponseCycle):
    """uvicorn's request cycle, whose ``receive`` hands out the body bytes left when
    the connection was lost before it reports the disconnect.

    uvicorn's ``receive`` answers ``http.disconnect`` as soon as the connection is
    gone, dropping the bytes read that the app had not taken yet (a read, or a joined
    message here): bytes that reached the server, which tus keeps when a PATCH is cut."""

    async def receive(self) -> ASGIReceiveEvent:
        message = await super().receive()
        # uvicorn's says disconnect and leaves the body where it is: the app gets it first.
        if message["type"] == "http.disconnect" and self.body and not self.response_complete:
            body, self.body = bytes(self.body), bytearray()
            # more_body as uvicorn has it: a body that ended before the loss is whole.
            return {"type": "http.request", "body": body, "more_body": self.more_body}
        return message


class HttpToolsProtocol(UvicornHttpToolsProtocol):
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._held: list[bytes] = []
        self._held_size = 0

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        # uvicorn makes the cycle there by its module's name for the class: taking
        # over its class, before its task first runs (receive is looked up then),
        # spares a copy of that whole method to change one name.
        if self.cycle is not None and type(self.cycle) is RequestResponseCycle:
            self.cycle.__class__ = _Cycle

    def connection_lost(self, exc: Exception | None) -> None:
        # What was read is the app's even if the rest never comes (_Cycle.receive).
        if self.cycle is not None and not self._body_ignored():
            self._held_hand_over()
        super().connection_lost(exc)

    def _body_ignored(self) -> bool:
        # As uvicorn's: an upgrade's bytes, or a body after the app answered, are not the app's.
        return (self.parser.should_upgrade() and self._should_upgrade()) or self.cycle.response_complete

    def on_body(self, body: bytes) -> None:
        if self._body_ignored():
            return
        self._held.append(body)
        self._held_size += len(body)
        if self._held_size > JOIN_SIZE - SOCKET_READ_MAX:
            self._held_hand_over()

    def on_message_complete(self) -> None:
        if self._body_ignored():
            self._held, self._held_size = [], 0  # not the app's: nothing to keep
        else:
            self._held_hand_over()
        super().on_message_complete()

    def _held_hand_over(self) -> None:
        held, self._held, self._held_size = self._held, [], 0
        if not held:
            return
        data = held[0] if len(held) == 1 else b"".join(held)
        cycle = self.cycle
        if cycle.body:
            # The app has not taken the last message: uvicorn's bytearray, added to.
            if isinstance(cycle.body, bytes):
                cycle.body = bytearray(cycle.body)
            cycle.body += data
        else:
            # uvicorn's receive() makes it bytes(), which is the same object for bytes.
            cycle.body = data  # type: ignore[assignment]
        if len(cycle.body) > HIGH_WATER_LIMIT:
            self.flow.pause_reading()
        cycle.message_event.set()
