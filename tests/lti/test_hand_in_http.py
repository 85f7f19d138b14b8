"""A learner hands in to a placed file request from the launch, the score goes to the
platform's line item (retried when it answers 503), the owner sees who has not handed in."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import requests

from tests.helpers import ServerProcess
from tests.lti.fake_platform import CLAIM, INSTRUCTOR, LEARNER, SCORE_SCOPE, FakePlatform
from tests.lti.flow import form_fields, launched

AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"


def _placed_request(tool: ServerProcess, platform: FakePlatform) -> dict[str, str]:
    """An instructor creates a request in the picker and places it; the item's custom values."""
    import jwt

    teacher = requests.Session()
    picker_url = (
        tool.url + launched(tool, platform, teacher, body=platform.deep_linking_claims).headers["Location"]
    )
    fields = form_fields(teacher.get(picker_url, timeout=30).text)
    csrf = fields["csrfmiddlewaretoken"]
    made = teacher.post(
        picker_url + "request/",
        data={"csrfmiddlewaretoken": csrf, "title": "Lab report", "deadline": "2099-01-01T12:00"},
        timeout=30,
    )
    request_id = re.search(r'name="file_request" value="(\d+)"', made.text)[1]  # type: ignore[index]
    placed = teacher.post(
        tool.url + "/lti/deep_link/",
        data={
            "csrfmiddlewaretoken": csrf,
            "launch": picker_url.rstrip("/").rsplit("/", 1)[1],
            "file_request": request_id,
        },
        timeout=30,
    )
    claims = jwt.decode(form_fields(placed.text)["JWT"], options={"verify_signature": False})
    return claims["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"][0]["custom"]


def _hand_in(
    tool: ServerProcess, learner: requests.Session, item_url: str, name: str, data: bytes
) -> requests.Response:
    csrf = html.unescape(re.search(r'data-csrf="([^"]+)"', learner.get(item_url, timeout=30).text)[1])  # type: ignore[index]
    return learner.put(
        item_url + "hand_in/", files={"file": (name, data)}, headers={"X-CSRFToken": csrf}, timeout=30
    )


def test_a_learner_hands_in_the_score_is_posted_and_the_owner_sees_who_has_not(
    tool: ServerProcess, platform: FakePlatform, store: Callable[..., None]
) -> None:
    custom = _placed_request(tool, platform)
    assert "file_request" in custom
    platform.members = [
        {"user_id": "learner-1", "name": "Ada Lovelace", "status": "Active", "roles": [LEARNER]},
        {"user_id": "learner-2", "name": "Grace Hopper", "status": "Active", "roles": [LEARNER]},
        {"user_id": "teacher-1", "name": "Teacher", "status": "Active", "roles": [INSTRUCTOR]},
        {"user_id": "learner-3", "name": "Alan Turing", "status": "Active", "roles": [LEARNER]},
        {"user_id": "learner-4", "name": "Gone Student", "status": "Inactive", "roles": [LEARNER]},
    ]
    ags = {"scope": [SCORE_SCOPE], "lineitem": platform.server.url + "/lineitems/1"}
    nrps = {"context_memberships_url": platform.server.url + "/memberships", "service_versions": ["2.0"]}
    platform.server.fail("POST", r"/lineitems/1/scores", 503)

    learner = requests.Session()
    item_url = (
        tool.url
        + launched(tool, platform, learner, **{CLAIM + "custom": custom, AGS: ags}).headers["Location"]
    )
    answer = _hand_in(tool, learner, item_url, "report.pdf", b"my report")
    assert answer.status_code == 200, answer.text
    assert answer.json()["files"] == ["report.pdf"]
    # The platform answered 503 first; the score came through on the retry.
    assert platform.server.requests_to("POST", r"/lineitems/1/scores") == 2
    [score] = platform.scores
    assert {k: score[k] for k in ("userId", "activityProgress", "gradingProgress")} == {
        "userId": "learner-1",
        "activityProgress": "Submitted",
        "gradingProgress": "PendingManual",
    }
    assert score["timestamp"]
    assert "report.pdf" in learner.get(item_url, timeout=30).text

    assert _hand_in(tool, learner, item_url, "appendix.pdf", b"more").status_code == 200
    assert len(platform.scores) == 2
    assert platform.token_requests == 1, "the access token is cached until it expires"
    platform.tokens.clear()  # the platform forgot its tokens (a restart): the next one is renewed once
    assert _hand_in(tool, learner, item_url, "late.pdf", b"late").status_code == 200
    assert len(platform.scores) == 3 and platform.token_requests == 2

    teacher = requests.Session()
    owner_claims = {CLAIM + "custom": custom, NRPS: nrps, CLAIM + "roles": [INSTRUCTOR]}
    owner_url = (
        tool.url + launched(tool, platform, teacher, sub="teacher-1", **owner_claims).headers["Location"]
    )
    page = teacher.get(owner_url, timeout=30).text
    handed_in = re.search(r'<ul class="lti-list" id="submissions">(.*?)</ul>', page, re.S)[1]  # type: ignore[index]
    missing = re.search(r'<ul class="lti-list" id="missing">(.*?)</ul>', page, re.S)[1]  # type: ignore[index]
    assert "Ada Lovelace" in handed_in and "report.pdf" in handed_in and "late.pdf" in handed_in
    # Three pages of the roster (Link: rel="next"); learners only, active only.
    assert re.findall(r"<li>([^<]+)</li>", missing) == ["Grace Hopper", "Alan Turing"]
