"""The one quota decision and the reservations resumable uploads hold."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from account.models import MB, NOT_ENOUGH_SPACE, Account, User
from account.services import reservation_charge, space_release, space_reserve


@pytest.fixture
def small_user(make_user: Callable[..., Any]) -> User:
    tier = Account.objects.create(title="Small", storage=10 * MB, max_file_transfer=4 * MB)
    user: User = make_user(username="ava", account=tier)
    return user


def _fresh(user: User) -> User:
    return User.objects.select_related("account").get(pk=user.pk)


def test_it_refuses_a_file_over_the_tier_limit_with_the_contract_text(small_user: User) -> None:
    refusal = small_user.upload_refusal(4 * MB + 1)
    assert refusal is not None
    assert (refusal.kind, refusal.status) == ("too_large", 413)
    assert refusal.text == "You can't upload files more than 4.000 Megabytes!"
    assert small_user.upload_refusal(4 * MB) is None


def test_it_refuses_a_file_that_does_not_fit_in_the_space_left(small_user: User) -> None:
    User.objects.filter(pk=small_user.pk).update(used_storage=7 * MB)
    refusal = _fresh(small_user).upload_refusal(3 * MB + 1)
    assert refusal is not None
    assert (refusal.kind, refusal.text, refusal.status) == ("no_space", NOT_ENOUGH_SPACE, 413)
    assert _fresh(small_user).upload_refusal(3 * MB) is None


def test_reserved_space_counts_as_used_for_new_uploads(small_user: User) -> None:
    assert space_reserve(owner_id=small_user.pk, size=4 * MB) is None
    assert space_reserve(owner_id=small_user.pk, size=4 * MB) is None
    refusal = space_reserve(owner_id=small_user.pk, size=2 * MB + 1)
    assert refusal is not None and refusal.kind == "no_space"
    user = _fresh(small_user)
    assert (user.reserved_storage, user.used_storage, user.storage_left) == (8 * MB, 0, 2 * MB)


def test_a_refused_reservation_holds_nothing(small_user: User) -> None:
    refusal = space_reserve(owner_id=small_user.pk, size=5 * MB)
    assert refusal is not None and refusal.kind == "too_large"
    assert _fresh(small_user).reserved_storage == 0


def test_releasing_and_charging_a_reservation(small_user: User) -> None:
    space_reserve(owner_id=small_user.pk, size=4 * MB)
    space_reserve(owner_id=small_user.pk, size=3 * MB)
    space_release(owner_id=small_user.pk, size=3 * MB)
    reservation_charge(owner_id=small_user.pk, reserved=4 * MB, size=4 * MB)
    user = _fresh(small_user)
    assert (user.reserved_storage, user.used_storage, user.storage_left) == (0, 4 * MB, 6 * MB)
