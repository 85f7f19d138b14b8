"""Login initiation and launch over real HTTP, against a fake platform (CONTRACT section 8)."""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from typing import Any

import requests

from tests.helpers import ServerProcess
from tests.lti.fake_platform import CLAIM, FakePlatform, rsa_key
from tests.lti.flow import launch, launched, login


def _rejections(platform: FakePlatform, other_key: Any) -> list[tuple[str, Callable[[str], str], str]]:
    """(case, id_token for a nonce, what the page must say)."""
    now = int(time.time())

    def signed(**claims: Any) -> Callable[[str], str]:
        return lambda nonce: platform.sign(platform.claims(nonce=nonce, **claims))

    def without_nonce(nonce: str) -> str:
        body = platform.claims(nonce=nonce)
        del body["nonce"]
        return platform.sign(body)

    return [
        (
            "bad signature",
            lambda n: platform.sign(platform.claims(nonce=n), key=other_key),
            "signature does not match",
        ),
        (
            "unknown kid",
            lambda n: platform.sign(platform.claims(nonce=n), kid="rotated-away"),
            'kid "rotated-away"',
        ),
        ("expired", signed(iat=now - 900, exp=now - 600), "has expired (exp)"),
        ("future iat", signed(iat=now + 600, exp=now + 900), "issued in the future (iat)"),
        ("wrong aud", signed(aud="someone-else"), "No registration for this iss and aud"),
        (
            "aud without azp",
            signed(aud=[platform.client_id, "other"]),
            "its azp is not this tool's client id",
        ),
        (
            "unknown deployment",
            signed(**{CLAIM + "deployment_id": "dep-9"}),
            'deployment "dep-9" is not registered',
        ),
        ("wrong version", signed(**{CLAIM + "version": "1.1.0"}), 'version claim is "1.1.0"'),
        (
            "unknown message type",
            signed(**{CLAIM + "message_type": "LtiSubmissionReviewRequest"}),
            'message type "LtiSubmissionReviewRequest" is not one this tool handles',
        ),
        ("missing nonce", without_nonce, "has no nonce"),
        ("nonce of another login", signed(), "nonce is not the one sent"),
    ]


def _refused(answer: requests.Response, says: str) -> str:
    """'' when the answer is a 4xx page naming the failure and starting no session."""
    if not 400 <= answer.status_code < 500:
        return f"status {answer.status_code}"
    if says not in html.unescape(answer.text):
        return f"page does not say {says!r}: {answer.text[:600]}"
    if "sessionid" in answer.cookies:
        return "a session was started"
    return ""


def test_login_initiation_and_each_rejection_of_a_launch_naming_what_failed_and_starting_no_session(
    tool: ServerProcess, platform: FakePlatform
) -> None:
    browser = requests.Session()
    sent = login(tool, platform, browser, lti_message_hint="resource-9")
    again = login(tool, platform, browser)

    assert {k: sent[k] for k in ("scope", "response_type", "response_mode", "prompt", "client_id")} == {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": platform.client_id,
    }
    assert sent["redirect_uri"] == tool.url + "/lti/launch/"
    assert sent["login_hint"] == "hint-1"
    assert sent["lti_message_hint"] == "resource-9"
    assert "lti_message_hint" not in again
    assert sent["state"] != again["state"] and sent["nonce"] != again["nonce"]
    # The state is bound to this browser by a cookie.
    assert browser.cookies.get("lti1p3-" + sent["state"]) == sent["state"]

    # An unknown iss or client_id is refused.
    for params in (
        {"iss": "https://unknown.example", "login_hint": "h", "client_id": platform.client_id},
        {"iss": platform.issuer, "login_hint": "h", "client_id": "other-client"},
    ):
        answer = requests.post(tool.url + "/lti/login/", data=params, allow_redirects=False, timeout=30)
        assert answer.status_code == 400
        assert "No platform is registered with this iss and client_id" in answer.text

    failures = []
    for case, id_token, says in _rejections(platform, rsa_key()):
        sent = login(tool, platform, browser)
        nonce = sent["nonce"] if case != "nonce of another login" else login(tool, platform, browser)["nonce"]
        if problem := _refused(launch(tool, browser, state=sent["state"], id_token=id_token(nonce)), says):
            failures.append(f"{case}: {problem}")
    assert not failures, "\n".join(failures)
    assert "sessionid" not in browser.cookies

    # A replay of a valid launch, and a state from another browser.
    sent = login(tool, platform, browser)
    id_token = platform.sign(platform.claims(nonce=sent["nonce"]))
    assert launch(tool, browser, state=sent["state"], id_token=id_token).status_code == 303

    replay = launch(tool, browser, state=sent["state"], id_token=id_token)
    assert not _refused(replay, "nonce is not the one sent with this login, or it was already used")

    sent = login(tool, platform, browser)
    other_browser = requests.Session()
    stolen = launch(
        tool, other_browser, state=sent["state"], id_token=platform.sign(platform.claims(nonce=sent["nonce"]))
    )
    assert not _refused(stolen, "does not match the one this browser was given")
    assert "sessionid" not in other_browser.cookies
    # Blocked third-party cookies look the same: the page offers a new window that starts again.
    assert 'target="_blank"' in stolen.text and "/lti/login/?iss=" in stolen.text


def test_a_valid_launch_signs_in_the_account_bound_to_iss_and_sub_on_each_platform(
    tool: ServerProcess, platform: FakePlatform
) -> None:
    first, second, other = requests.Session(), requests.Session(), requests.Session()
    launched(tool, platform, first)
    launched(tool, platform, second)
    launched(tool, platform, other, sub="learner-2")
    # Several audiences: azp names this tool.
    launched(
        tool, platform, requests.Session(), aud=["lms-internal", platform.client_id], azp=platform.client_id
    )

    names = [b.get(tool.url + "/core.current", timeout=30).json() for b in (first, second, other)]
    assert names[0] == names[1] != names[2]
    assert "ada-lovelace-" in str(names[0])

    # A second platform side by side: one sub on two platforms is two people.
    from lti.services import platform_register

    canvas = FakePlatform(client_id=platform.client_id, deployment_id="canvas-dep").start()
    try:
        canvas.tool_url = tool.url
        platform_register(**canvas.register_args())
        canvas_user = requests.Session()
        launched(tool, canvas, canvas_user)
        assert canvas_user.get(tool.url + "/core.current", timeout=30).json() != names[0]
        # A deployment of one platform is unknown to the other.
        sent = login(tool, canvas, canvas_user)
        body = canvas.claims(nonce=sent["nonce"], **{CLAIM + "deployment_id": platform.deployment_id})
        answer = launch(tool, canvas_user, state=sent["state"], id_token=canvas.sign(body))
        assert not _refused(answer, f'deployment "{platform.deployment_id}" is not registered')
        # A login begun for one platform cannot be finished by the other.
        sent = login(tool, platform, canvas_user)
        answer = launch(
            tool, canvas_user, state=sent["state"], id_token=canvas.sign(canvas.claims(nonce=sent["nonce"]))
        )
        assert not _refused(answer, "nonce is not the one sent with this login")
    finally:
        canvas.stop()
