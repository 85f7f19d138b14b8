"""Events to a user's open WebSockets, through the channel layer.

Each user's sockets join the group ``user_group(user_id)``; anything that
happens to the user's files or exports is sent there, from any process (with the
Redis layer) and never to another user.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def user_event_send(*, user_id: int, event: dict[str, Any]) -> None:
    """Send one JSON event (with an upper-case ``kind``) to every socket of the user.

    Call from sync code (views, upload handlers, Celery tasks)."""
    async_to_sync(get_channel_layer().group_send)(user_group(user_id), {"type": "user.event", "event": event})
