"""The deployment files, loaded once for the tests of this folder."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.helpers import ROOT


@pytest.fixture(scope="session")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())
