"""The ASGI lifespan of the server process: what must happen once it has stopped serving.

uvicorn sends lifespan.shutdown after the last request has finished, and a
SIGTERM then ends the process by the signal itself (uvicorn raises it again),
so no ``atexit`` hook would run.
"""

from __future__ import annotations

import asyncio
from typing import Any

from upload_center.counting import download_counts_write


async def lifespan(scope: dict[str, Any], receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            # Public download counts are batched in memory (upload_center.counting).
            await asyncio.get_running_loop().run_in_executor(None, download_counts_write)
            await send({"type": "lifespan.shutdown.complete"})
            return
