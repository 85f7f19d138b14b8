"""The ASGI lifespan of a server process (uvicorn ``--lifespan on``).

Public download counts are batched in the server's memory (upload_center.counting):
turned on at startup, so that code importing config.asgi in another process (a test
talking to the application directly) keeps writing each count at once; written at
shutdown, which uvicorn sends after the last request has finished. The loaded
application is frozen out of the cyclic collector's reach at startup, as in each
gunicorn worker (config.memory.loaded_heap_freeze). A SIGTERM then
ends the process by the signal itself (uvicorn raises it again), so no ``atexit``
hook would run.
"""

from __future__ import annotations

import asyncio
from typing import Any

from config.memory import loaded_heap_freeze
from upload_center.counting import download_counts_batch, download_counts_write


async def lifespan(scope: dict[str, Any], receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            download_counts_batch()
            loaded_heap_freeze()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await asyncio.get_running_loop().run_in_executor(None, download_counts_write)
            await send({"type": "lifespan.shutdown.complete"})
            return
