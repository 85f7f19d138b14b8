"""The admin: share links per user with revoke, and each tier's expiry rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(make_user: Callable[..., Any]) -> Client:
    from account.models import User

    client = Client()
    client.force_login(User.objects.create_superuser(username="root", password="x-secret-9"))
    return client


def test_links_are_listed_per_user_and_revoked_in_bulk(
    admin_client_: Client,
    alice: Any,
    bob: Any,
    store: Callable[..., Any],
    link_make: Callable[..., Any],
) -> None:
    alices = [
        link_make(store(alice, "notes.pdf", b"n"), label="Class 7B"),
        link_make(alice.files.get(), label="7C"),
    ]
    bobs = link_make(store(bob, "answers.pdf", b"a"), label="Bob's class")

    page = admin_client_.get(f"/admin/sharing/sharelink/?file__owner__id__exact={alice.pk}").content.decode()
    assert "Class 7B" in page and "7C" in page and "Bob&#x27;s class" not in page

    answer = admin_client_.post(
        "/admin/sharing/sharelink/",
        {"action": "revoke", "_selected_action": [link.pk for link in alices]},
        follow=True,
    )
    assert "2 link(s) revoked." in answer.content.decode()
    for link in [*alices, bobs]:
        link.refresh_from_db()
    assert [link.state() for link in alices] == ["revoked", "revoked"]
    assert bobs.state() == "active"
    dead = admin_client_.get("/admin/sharing/sharelink/?live=no").content.decode()
    assert "Class 7B" in dead and "Bob&#x27;s class" not in dead


def test_a_tiers_page_sets_its_share_link_rules(admin_client_: Client, tier: Any) -> None:
    from sharing.models import SharePolicy

    page = admin_client_.get(f"/admin/account/account/{tier.pk}/change/")
    assert page.status_code == 200 and "share link rules" in page.content.decode().lower()
    form = {
        "title": tier.title,
        "storage": tier.storage,
        "max_file_transfer": tier.max_file_transfer,
        "share_policy-TOTAL_FORMS": "1",
        "share_policy-INITIAL_FORMS": "0",
        "share_policy-MIN_NUM_FORMS": "0",
        "share_policy-MAX_NUM_FORMS": "1",
        "share_policy-0-default_expiry_days": "14",
        "share_policy-0-max_expiry_days": "7",
    }
    refused = admin_client_.post(f"/admin/account/account/{tier.pk}/change/", form)
    assert "The default may not exceed the maximum." in refused.content.decode()
    form["share_policy-0-max_expiry_days"] = "30"
    assert admin_client_.post(f"/admin/account/account/{tier.pk}/change/", form).status_code == 302
    policy = SharePolicy.objects.get(account=tier)
    assert (policy.default_expiry_days, policy.max_expiry_days) == (14, 30)


def test_file_requests_are_listed_per_user_and_closed_in_bulk(
    admin_client_: Client, alice: Any, bob: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from sharing.requests_services import file_request_create

    later = timezone.now() + timedelta(days=3)
    alices = [file_request_create(owner=alice, title=t, deadline=later) for t in ("Essay 7B", "Lab 7C")]
    bobs = file_request_create(owner=bob, title="Bob's homework", deadline=later)

    page = admin_client_.get(f"/admin/sharing/filerequest/?owner__id__exact={alice.pk}").content.decode()
    assert "Essay 7B" in page and "Lab 7C" in page and "Bob&#x27;s homework" not in page
    answer = admin_client_.post(
        "/admin/sharing/filerequest/",
        {"action": "close", "_selected_action": [r.pk for r in alices]},
        follow=True,
    )
    assert "2 request(s) closed." in answer.content.decode()
    for row in [*alices, bobs]:
        row.refresh_from_db()
    assert [r.state() for r in alices] == ["closed", "closed"]
    assert bobs.state() == "open"
    assert admin_client_.get(f"/admin/sharing/filerequest/{alices[0].pk}/change/").status_code == 200
