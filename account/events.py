"""Moved to config.events; kept only for drive/services.py until the merge updates its import."""

from __future__ import annotations

from config.events import user_event_send, user_group

__all__ = ["user_event_send", "user_group"]
