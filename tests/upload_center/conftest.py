"""Fixtures shared by the upload center tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def local_disk(settings: Any, upload_root: Path) -> Iterator[None]:
    """Files of this test on local disk, as DOWNLOAD_OFFLOAD=nginx needs (pass 2 sets S3)."""
    bucket = settings.S3_BUCKET
    settings.S3_BUCKET = None
    yield
    # upload_root empties the bucket after this, and must find its name again.
    settings.S3_BUCKET = bucket
