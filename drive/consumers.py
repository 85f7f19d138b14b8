"""The drive's WebSocket: one user's events, to every tab of that user."""

from __future__ import annotations

import uuid
from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from config.events import user_group

NOT_LOGGED_IN = 4401


class DriveConsumer(AsyncJsonWebsocketConsumer):
    group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            # Accepted first, so that the browser sees the 4401 code, not a failed handshake.
            await self.accept()
            await self.close(code=NOT_LOGGED_IN)
            return
        self.group = user_group(user.pk)
        # Joined before INITIAL: any event sent after the client sees INITIAL reaches it.
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"kind": "INITIAL", "trace_id": uuid.uuid4().hex})

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """Clients have nothing to say; frames from them are ignored."""

    async def user_event(self, message: dict[str, Any]) -> None:
        await self.send_json(message["event"])
