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


@pytest.fixture
def tus_side(
    transactional_db: None,
    start_server: Callable[..., ServerProcess],
    make_user: Callable[..., Any],
    roomy_tier: Any,
) -> TusSide:
    user = make_user("kian", account=roomy_tier)
    return TusSide(server=start_server(), user=user, token=token_for(user))


@pytest.fixture
def tus_wsgi_side(
    transactional_db: None,
    start_wsgi_server: Callable[..., ServerProcess],
    make_user: Callable[..., Any],
    roomy_tier: Any,
) -> TusSide:
    user = make_user("kian", account=roomy_tier)
    return TusSide(server=start_wsgi_server(), user=user, token=token_for(user))
