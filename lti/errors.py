"""The LTI door's errors; views.py turns each into a page that names what failed."""

from __future__ import annotations


class LaunchRejected(Exception):
    """A login initiation, launch or deep-link choice that is refused; ``what`` is shown as it is,
    so a platform's administrator can fix their side."""

    def __init__(self, what: str, *, status: int = 400, retry_url: str = "") -> None:
        super().__init__(what)
        self.what = what
        self.status = status
        # A fresh login initiation to open in a new window, when the browser kept no cookie.
        self.retry_url = retry_url


class ScoreNotPosted(Exception):
    """The platform did not take a score; ``retry`` when asking again may succeed
    (cloud_export.retry's rule: 408, 409, 429, 5xx, timeouts, dropped connections)."""

    def __init__(self, what: str, *, retry: bool) -> None:
        super().__init__(what)
        self.retry = retry
