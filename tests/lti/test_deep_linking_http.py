"""Deep Linking over real HTTP: the instructor's picker, the signed response, and course members
opening the placed file from their launch (CONTRACT section 8)."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from typing import Any

import jwt
import requests
from jwt.algorithms import RSAAlgorithm

from tests.helpers import ServerProcess
from tests.lti.fake_platform import CLAIM, FakePlatform
from tests.lti.flow import form_fields, launch, launched, login

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"


def _teacher() -> Any:
    from lti_tool.models import LtiUser

    return LtiUser.objects.get(sub="teacher-1").auth_user


def _verified(tool: ServerProcess, token: str, platform: FakePlatform) -> dict[str, Any]:
    keys = {k["kid"]: k for k in tool.get("/lti/jwks/").json()["keys"]}
    key = keys[jwt.get_unverified_header(token)["kid"]]
    assert {key["kty"], key["alg"], key["use"]} == {"RSA", "RS256", "sig"} and key["n"] and key["e"]
    public = RSAAlgorithm.from_jwk(json.dumps(key))
    return jwt.decode(token, public, algorithms=["RS256"], audience=platform.issuer)  # type: ignore[arg-type]


def test_an_instructor_places_a_file_and_course_members_open_it(
    tool: ServerProcess, platform: FakePlatform, store: Callable[..., None]
) -> None:
    teacher = requests.Session()
    # Canvas serves course pages from the school's domain, not from its issuer's.
    course_page = {CLAIM + "launch_presentation": {"return_url": "https://school.lms.example/courses/1"}}
    dl_launch = launched(
        tool,
        platform,
        teacher,
        body=lambda nonce: {**platform.deep_linking_claims(nonce=nonce), **course_page},
    )
    picker_url = tool.url + dl_launch.headers["Location"]
    store(_teacher(), "diagram.png", b"\x89PNG week one")

    picker = teacher.get(picker_url, timeout=30)
    assert picker.status_code == 200 and "diagram.png" in picker.text
    # Framable by the registered platform only.
    assert "X-Frame-Options" not in picker.headers
    csp = picker.headers["Content-Security-Policy"]
    assert f"frame-ancestors 'self' {platform.server.url} https://school.lms.example" in csp

    fields = form_fields(picker.text)
    made = teacher.post(
        picker_url + "request/",
        data={
            "csrfmiddlewaretoken": fields["csrfmiddlewaretoken"],
            "title": "Lab report",
            "deadline": "2099-01-01T12:00",
        },
        timeout=30,
    )
    assert made.status_code == 200 and "Lab report" in made.text

    # The contract's form fields: the launch is the session's (the picker's form also names it).
    placed = teacher.post(
        tool.url + "/lti/deep_link/",
        data={
            "csrfmiddlewaretoken": fields["csrfmiddlewaretoken"],
            "file": "diagram.png",
        },
        timeout=30,
    )
    assert placed.status_code == 200
    action = html.unescape(
        re.search(r'<form id="lti-autopost" method="post" action="([^"]+)"', placed.text)[1]
    )
    assert action == platform.server.url + "/deep_link_return"
    claims = _verified(tool, form_fields(placed.text)["JWT"], platform)
    assert claims["iss"] == platform.client_id
    assert claims["exp"] > claims["iat"] and claims["nonce"]
    assert claims[CLAIM + "message_type"] == "LtiDeepLinkingResponse"
    assert claims[CLAIM + "version"] == "1.3.0"
    assert claims[CLAIM + "deployment_id"] == platform.deployment_id
    assert claims[DL + "data"] == "opaque-platform-data"
    [item] = claims[DL + "content_items"]
    assert item["type"] == "ltiResourceLink" and item["title"] == "diagram.png"
    assert item["url"] == tool.url + "/lti/launch/"
    assert item["custom"]["file"] == "diagram.png"

    # A learner of the course opens it from the link the platform made of the item.
    learner = requests.Session()
    item_url = (
        tool.url + launched(tool, platform, learner, **{CLAIM + "custom": item["custom"]}).headers["Location"]
    )
    page = learner.get(item_url, timeout=30).text
    assert "diagram.png" in page and f'id="preview" src="{item_url.removeprefix(tool.url)}download/"' in page
    assert learner.get(item_url + "download/", timeout=30).content == b"\x89PNG week one"
    # A copied course: a new context and resource link id, the same custom values.
    copy = requests.Session()
    copied = {CLAIM + "custom": item["custom"], CLAIM + "context": {"id": "course-1-copy"}}
    copy_url = tool.url + launched(tool, platform, copy, sub="learner-7", **copied).headers["Location"]
    assert copy.get(copy_url + "download/", timeout=30).content == b"\x89PNG week one"
    # Someone without that launch gets nothing: not the learner's link, not a guessed token.
    assert requests.get(item_url + "download/", timeout=30).status_code == 403
    guess = requests.Session()
    guessed = (
        tool.url
        + launched(tool, platform, guess, **{CLAIM + "custom": {"placement": "x"}}).headers["Location"]
    )
    assert guess.get(guessed + "download/", timeout=30).status_code == 404

    # A learner's Deep Linking launch opens no picker.
    learner = requests.Session()
    sent = login(tool, platform, learner)
    body = platform.deep_linking_claims(nonce=sent["nonce"], sub="learner-1")
    body[CLAIM + "roles"] = ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]
    answer = launch(tool, learner, state=sent["state"], id_token=platform.sign(body))
    assert answer.status_code == 403
    assert "Only an instructor or administrator of the course can place items." in answer.text
