"""A server process's start and stop: gunicorn's worker hooks (config/gunicorn.py) and
the ASGI lifespan (uvicorn ``--lifespan on``) run the same two functions.

- Public download counts are batched in the process's memory (upload_center.counting):
  turned on at start, so that code importing the application in another process (a
  test talking to it directly) keeps writing each count at once; written at stop,
  which uvicorn sends after the last request has finished (a SIGTERM then ends the
  process by the signal itself, so no ``atexit`` hook would run).
- The S3 client is built at start (upload_center.storage.storage_connect), not by the
  first request that needs it.
- Then what is loaded is frozen out of the cyclic collector's reach
  (config.memory.loaded_heap_freeze).
"""

from __future__ import annotations

import asyncio
from typing import Any

from config.memory import loaded_heap_freeze
from upload_center.counting import download_counts_batch, download_counts_write
from upload_center.storage import storage_connect


def process_start() -> None:
    """Once the application is loaded, before the process answers its first request."""
    download_counts_batch()
    storage_connect()
    loaded_heap_freeze()


def process_stop() -> None:
    """After the process's last request."""
    download_counts_write()


async def lifespan(scope: dict[str, Any], receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            process_start()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await asyncio.get_running_loop().run_in_executor(None, process_stop)
            await send({"type": "lifespan.shutdown.complete"})
            return
