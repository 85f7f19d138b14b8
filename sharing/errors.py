"""Sharing's domain errors; apis.py maps them to HTTP."""

from __future__ import annotations


class ShareRefused(Exception):
    """Options a link may not have (an expiry the owner's tier does not allow); shown as it is."""
