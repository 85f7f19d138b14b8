"""The password-guess limit slides: no window of its length ever holds more failures
than the limit, also across what used to be a fixed window's boundary."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from sharing import throttling

LIMIT, WINDOW = 30, 60


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Clock:
    settings.SHARE_PASSWORD_FAILURES_PER_WINDOW = LIMIT
    settings.SHARE_PASSWORD_WINDOW_SECONDS = WINDOW
    fake = Clock(1_800_000_000 - 0.5)  # half a second before a multiple of the window
    monkeypatch.setattr(throttling, "time", fake)
    return fake


def _guesses_allowed(address: str, clock: Clock, *, at: float) -> int:
    clock.now = at
    allowed = 0
    while throttling.password_wait(link_id=7, address=address) == 0 and allowed < 2 * LIMIT:
        throttling.password_failure_count(link_id=7, address=address)
        allowed += 1
    return allowed


def test_a_guesser_gets_the_limit_once_across_a_window_boundary(clock: Clock) -> None:
    address, start = f"203.0.113.{uuid.uuid4().int % 250}-{uuid.uuid4().hex}", clock.now
    assert _guesses_allowed(address, clock, at=start) == LIMIT
    # A second later, in what a fixed window would call a new one: nothing more.
    assert _guesses_allowed(address, clock, at=start + 1) == 0
    clock.now = start + 1
    wait = throttling.password_wait(link_id=7, address=address)
    assert WINDOW - 1 - WINDOW / throttling.SLOTS <= wait <= WINDOW
    # Once the failures have left the window, the limit is whole again, and only the limit.
    assert _guesses_allowed(address, clock, at=start + 1 + wait) == LIMIT
    assert throttling.password_wait(link_id=7, address="198.51.100.7-" + uuid.uuid4().hex) == 0
