"""API tokens: the user comes with the tier every upload asks for its limits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.test import APIRequestFactory

from account.authentication import TierTokenAuthentication


def _authenticate(key: str) -> Any:
    request = APIRequestFactory().get("/fm/list/", HTTP_AUTHORIZATION=f"Token {key}")
    return TierTokenAuthentication().authenticate(request)


def test_a_token_gives_its_user_with_the_tier_in_one_query(
    make_user: Callable[..., Any], django_assert_num_queries: Any
) -> None:
    user = make_user()
    token = Token.objects.create(user=user)
    with django_assert_num_queries(1):
        found, found_token = _authenticate(token.key)
        limit = found.account.max_file_transfer
    assert (found, found_token) == (user, token)
    assert limit == user.account.max_file_transfer


@pytest.mark.django_db
def test_an_unknown_token_is_refused() -> None:
    with pytest.raises(AuthenticationFailed, match="Invalid token"):
        _authenticate("0" * 40)


def test_an_inactive_users_token_is_refused(make_user: Callable[..., Any]) -> None:
    user = make_user()
    user.is_active = False
    user.save()
    with pytest.raises(AuthenticationFailed, match="inactive"):
        _authenticate(Token.objects.create(user=user).key)
