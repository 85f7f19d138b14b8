"""A real server (the README's uvicorn command, or gunicorn over WSGI) and a user with a
token, for tus clients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.helpers import ServerProcess
from tests.tus.helpers import MiB, TusSide, token_for


@pytest.fixture
def roomy_tier(db: None) -> Any:
    from account.models import Account

    return Account.objects.create(title="Roomy", storage=64 * MiB, max_file_transfer=32 * MiB)


def _side(server: ServerProcess, make_user: Callable[..., Any], tier: Any) -> TusSide:
    user = make_user("kian", account=tier)
    return TusSide(server=server, user=user, token=token_for(user))


@pytest.fixture
def tus_side(
    transactional_db: None,
    start_server: Callable[..., ServerProcess],
    make_user: Callable[..., Any],
    roomy_tier: Any,
) -> TusSide:
    return _side(start_server(), make_user, roomy_tier)


@pytest.fixture(params=["uvicorn", "gunicorn"])
def tus_side_any(
    request: pytest.FixtureRequest, transactional_db: None, make_user: Callable[..., Any], roomy_tier: Any
) -> TusSide:
    """A tus side under the README's server, then under gunicorn over config.wsgi."""
    starter = request.getfixturevalue("start_server" if request.param == "uvicorn" else "start_wsgi_server")
    return _side(starter(), make_user, roomy_tier)
