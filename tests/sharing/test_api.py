"""The sharing API (/fm/sharing/): links, expiry rules, private files, counts, ownership."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from tests.sharing.helpers import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def notes(alice: Any, store: Callable[..., Any]) -> Any:
    return store(alice, "notes 7B?#%.pdf", b"notes")


LINKS = "/fm/sharing/files/notes%207B%3F%23%25.pdf/links"


def test_a_link_is_created_listed_and_revoked(alice: Any, notes: Any) -> None:
    api = token_client(alice)
    made = api.post(LINKS, {"label": "7B", "password": "pw", "download_limit": 30}, format="json")
    assert made.status_code == 201, made.content
    link = made.json()
    assert link["url"].startswith("http://testserver/s/") and len(link["url"].rsplit("/", 1)[1]) == 43
    assert (link["label"], link["has_password"], link["download_limit"]) == ("7B", True, 30)
    assert (link["state"], link["download_count"], link["expires_at"]) == ("active", 0, None)
    assert "password" not in link
    second = api.post(LINKS, {}, format="json").json()

    listed = api.get(LINKS).json()["links"]
    assert [item["id"] for item in listed] == [second["id"], link["id"]]
    assert api.get("/fm/sharing/files").json()["files"][0]["live_links"] == 2

    revoked = api.delete(f"/fm/sharing/links/{link['id']}")
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    assert api.delete(f"/fm/sharing/links/{link['id']}").json()["revoked_at"] == revoked.json()["revoked_at"]
    assert Client().get(link["url"].removeprefix("http://testserver")).status_code == 404
    assert api.get("/fm/sharing/files").json()["files"][0]["live_links"] == 1


def test_the_tier_sets_the_default_and_the_longest_expiry(alice: Any, notes: Any) -> None:
    from sharing.models import SharePolicy

    SharePolicy.objects.create(account=alice.account, default_expiry_days=7, max_expiry_days=30)
    api = token_client(alice)
    default = api.post(LINKS, {}, format="json").json()
    assert abs(_datetime(default["expires_at"]) - (timezone.now() + timedelta(days=7))) < timedelta(minutes=1)

    later = (timezone.now() + timedelta(days=20)).isoformat()
    assert api.post(LINKS, {"expires_at": later}, format="json").status_code == 201
    too_late = (timezone.now() + timedelta(days=31)).isoformat()
    refused = api.post(LINKS, {"expires_at": too_late}, format="json")
    assert refused.status_code == 400
    assert refused.json() == {"expires_at": ["Links of your tier must expire within 30 days."]}
    assert api.post(LINKS, {"expires_at": None}, format="json").status_code == 400  # never: over the max
    past = (timezone.now() - timedelta(minutes=1)).isoformat()
    assert api.post(LINKS, {"expires_at": past}, format="json").json() == {
        "expires_at": ["The expiry must be in the future."]
    }


def test_without_tier_rules_a_link_never_expires_unless_asked(alice: Any, notes: Any) -> None:
    api = token_client(alice)
    assert api.post(LINKS, {}, format="json").json()["expires_at"] is None
    assert api.post(LINKS, {"expires_at": None}, format="json").json()["expires_at"] is None


def _datetime(text: str) -> Any:
    from django.utils.dateparse import parse_datetime

    return parse_datetime(text)


@pytest.mark.parametrize(
    "body",
    [
        {"download_limit": 0},
        {"download_limit": "5"},
        {"download_limit": 5.0},
        {"label": "x" * 101},
        {"label": 7},
        {"password": True},
        {"expires_at": "soon"},
        [],
    ],
)
def test_bad_link_options_are_400(alice: Any, notes: Any, body: dict[str, Any]) -> None:
    assert token_client(alice).post(LINKS, body, format="json").status_code == 400


def test_the_private_switch_and_the_counts_are_listed(alice: Any, notes: Any) -> None:
    api = token_client(alice)
    changed = api.patch("/fm/sharing/files/notes%207B%3F%23%25.pdf", {"private": True}, format="json")
    assert changed.status_code == 200
    assert changed.json() | {"created_at": None} == {
        "name": "notes 7B?#%.pdf",
        "size": 5,
        "created_at": None,
        "private": True,
        "download_count": 0,
        "live_links": 0,
        "file_request": None,
    }
    unchanged = api.patch("/fm/sharing/files/notes%207B%3F%23%25.pdf", {}, format="json")
    assert unchanged.status_code == 200 and unchanged.json()["private"] is True
    for bad in ({"private": 1}, {"private": "yes"}, {"private": None}, []):
        assert api.patch("/fm/sharing/files/notes%207B%3F%23%25.pdf", bad, format="json").status_code == 400
    assert api.get("/fm/sharing/files").json()["files"][0]["private"] is True


def test_everything_needs_a_login() -> None:
    anonymous = APIClient()
    assert anonymous.get("/fm/sharing/files").status_code == 401
    assert anonymous.get("/fm/sharing/files/a/links").status_code == 401
    assert anonymous.post("/fm/sharing/files/a/links", {}, format="json").status_code == 401
    assert anonymous.patch("/fm/sharing/files/a", {"private": True}, format="json").status_code == 401
    assert anonymous.delete("/fm/sharing/links/1").status_code == 401
    assert anonymous.get("/fm/sharing/files/a/download").status_code == 401


def test_alice_cannot_reach_bobs_files_or_links(
    alice: Any, bob: Any, store: Callable[..., Any], link_make: Callable[..., Any]
) -> None:
    bobs = store(bob, "answers.pdf", b"answers")
    bobs_link = link_make(bobs)
    api = token_client(alice)

    assert api.get("/fm/sharing/files").json() == {"files": []}
    assert api.get("/fm/sharing/files/answers.pdf/links").status_code == 404
    assert api.post("/fm/sharing/files/answers.pdf/links", {}, format="json").status_code == 404
    assert api.patch("/fm/sharing/files/answers.pdf", {"private": True}, format="json").status_code == 404
    assert api.get("/fm/sharing/files/answers.pdf/download").status_code == 404
    assert api.delete(f"/fm/sharing/links/{bobs_link.pk}").status_code == 404
    bobs.refresh_from_db()
    bobs_link.refresh_from_db()
    assert (bobs.private, bobs_link.revoked_at, bobs.share_links.count()) == (False, None, 1)


def test_a_name_or_id_that_cannot_be_is_a_json_404(alice: Any) -> None:
    api = token_client(alice)
    assert api.get("/fm/sharing/files/a%00b/links").json() == {"detail": "a\x00b hasn't existed!"}
    for link_id in ("null,null", "9" * 30, "-1", "0"):
        assert api.delete(f"/fm/sharing/links/{link_id}").json() == {"detail": "No such link."}


def test_the_drive_session_works_with_its_csrf_cookie(alice: Any, notes: Any) -> None:
    browser = Client(enforce_csrf_checks=True)
    login = browser.post(
        "/core.login", {"username": "alice", "password": "alice-secret-1"}, content_type="application/json"
    )
    assert login.status_code == 200
    assert browser.get("/fm/sharing/files").status_code == 200
    token = browser.cookies["csrftoken"].value
    assert browser.post(LINKS, {}, content_type="application/json").status_code == 403  # no token
    made = browser.post(LINKS, {}, content_type="application/json", headers={"X-CSRFToken": token})
    assert made.status_code == 201
