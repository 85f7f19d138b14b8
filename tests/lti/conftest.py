"""Fixtures of the LTI tests: a fake platform, the tool as a real WSGI server registered with it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.helpers import ServerProcess
from tests.lti.fake_platform import FakePlatform
from tests.sharing.helpers import token_client
from tests.upload_center.helpers import CONTENT_TYPE, multipart


@pytest.fixture
def platform() -> Iterator[FakePlatform]:
    fake = FakePlatform().start()
    yield fake
    fake.stop()


@pytest.fixture
def tool(
    transactional_db: None, start_wsgi_server: Callable[..., ServerProcess], platform: FakePlatform
) -> ServerProcess:
    """The tool served by gunicorn over config.wsgi (the shipped HTTP path), with ``platform`` registered."""
    from lti.services import platform_register

    platform_register(**platform.register_args())
    # Scores are posted by Celery; run in the server's process, with the retry policy's
    # delays shortened, they are done when the hand-in's answer arrives.
    server = start_wsgi_server(CELERY_TASK_ALWAYS_EAGER="true", EXPORT_RETRY_BASE_SECONDS="0.01")
    platform.tool_url = server.url
    platform.tool_jwks = server.get("/lti/jwks/").json()
    return server


@pytest.fixture
def store() -> Callable[..., Any]:
    """Stores a file for ``user`` through /fm/upload/."""

    def put(user: Any, name: str, data: bytes) -> None:
        answer = token_client(user).generic(
            "PUT", "/fm/upload/", multipart([(name, data)]), content_type=CONTENT_TYPE
        )
        assert answer.status_code == 200, answer.content

    return put
