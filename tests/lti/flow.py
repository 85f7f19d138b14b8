"""The browser's side of an LTI launch, over real HTTP with requests."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from tests.helpers import ServerProcess
from tests.lti.fake_platform import FakePlatform


def login(
    tool: ServerProcess, platform: FakePlatform, browser: requests.Session, **extra: str
) -> dict[str, str]:
    """A login initiation; the parameters of the tool's redirect to the platform."""
    params = {
        "iss": platform.issuer,
        "login_hint": "hint-1",
        "target_link_uri": tool.url + "/lti/launch/",
        "client_id": platform.client_id,
        **extra,
    }
    answer = browser.get(tool.url + "/lti/login/", params=params, allow_redirects=False, timeout=30)
    assert answer.status_code == 302, answer.text
    location = answer.headers["Location"]
    assert location.startswith(platform.server.url + "/auth?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def launch(tool: ServerProcess, browser: requests.Session, *, state: str, id_token: str) -> requests.Response:
    return browser.post(
        tool.url + "/lti/launch/",
        data={"state": state, "id_token": id_token},
        allow_redirects=False,
        timeout=30,
    )


def launched(
    tool: ServerProcess, platform: FakePlatform, browser: requests.Session, body: Any = None, **claims: Any
) -> requests.Response:
    """Login and launch with a valid id_token (``claims`` changed); the launch's answer."""
    sent = login(tool, platform, browser)
    body = body(nonce=sent["nonce"]) if body else platform.claims(nonce=sent["nonce"], **claims)
    answer = launch(tool, browser, state=sent["state"], id_token=platform.sign(body))
    assert answer.status_code == 303, answer.text
    return answer


def form_fields(page: str) -> dict[str, str]:
    return dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page))
