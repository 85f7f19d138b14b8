"""uvicorn's httptools protocol, handing request body chunks to the app as httptools made them.

uvicorn appends each body chunk to a bytearray and copies that into a new bytes object for the
ASGI message: two more copies of every uploaded byte, on the event loop and holding the GIL
(about a third of the GIL's time under 32 uploads at once, py-spy --gil; bench/class_load.py).
Every deployment's command names this class (``--http config.http:HttpToolsProtocol``).
"""

from __future__ import annotations

from uvicorn.protocols.http.flow_control import HIGH_WATER_LIMIT
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as UvicornHttpToolsProtocol


class HttpToolsProtocol(UvicornHttpToolsProtocol):
    def on_body(self, body: bytes) -> None:
        cycle = self.cycle
        if cycle.body or cycle.response_complete or self.parser.should_upgrade():
            # The app has not taken what came before (or the body is not the app's):
            # uvicorn's own handling, on its bytearray.
            if isinstance(cycle.body, bytes):
                cycle.body = bytearray(cycle.body)
            super().on_body(body)
            return
        # Nothing is waiting: the chunk itself is the next message's body (uvicorn's
        # receive() makes it bytes(), which is the same object for bytes).
        cycle.body = body  # type: ignore[assignment]
        if len(body) > HIGH_WATER_LIMIT:
            self.flow.pause_reading()
        cycle.message_event.set()
