"""Every URL of the project, every unsafe method, sent the way a page of another site
can send it (form-encoded, its Origin, the victim's session cookie): all refused, and
nothing changes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RoutePattern

from account.models import User
from cloud_export.models import ExportRequest
from upload_center.models import StoredFile

UNSAFE = ["POST", "PUT", "PATCH", "DELETE"]
FORM = "username=kian&password=ak18-secret&key=notes.txt&file_name=notes.txt&cloud_type=google_drive"


def _route_sample(route: str) -> str:
    return re.sub(r"<(?:(\w+):)?\w+>", lambda m: "1" if m.group(1) == "int" else "x", route)


def _regex_sample(regex: str) -> str:
    # Admin patterns: a named group of alternatives (app labels) takes the first, any other "1".
    def group(m: re.Match[str]) -> str:
        body = m.group(1)
        return body.split("|")[0] if re.fullmatch(r"[\w|]+", body) else "1"

    sample = re.sub(r"\(\?P<\w+>((?:[^()]|\([^()]*\))*)\)", group, regex)
    return sample.replace("^", "").replace("$", "").replace("\\Z", "").replace("\\", "")


def url_patterns(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    """(a path that reaches it, the pattern) for every pattern of the project, nested ones included."""
    for entry in (resolver or get_resolver()).url_patterns:
        part = entry.pattern
        sample = _route_sample(str(part)) if isinstance(part, RoutePattern) else _regex_sample(str(part))
        if isinstance(entry, URLResolver):
            yield from url_patterns(entry, prefix + sample)
        else:
            yield "/" + prefix + sample, entry


ALL = list(url_patterns())


def test_the_sweep_reaches_every_pattern() -> None:
    assert len(ALL) > 40  # the admin alone has dozens
    missed = [path for path, pattern in ALL if resolve(path).func != pattern.callback]
    assert not missed


@pytest.fixture
def victim(settings: Any, make_user: Any) -> Client:
    from rest_framework.authtoken.models import Token

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = make_user("kian", "ak18-secret")
    user.is_staff = user.is_superuser = True
    user.save()
    Token.objects.create(user=user)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def _state() -> tuple[int, ...]:
    from rest_framework.authtoken.models import Token

    return (
        User.objects.count(),
        StoredFile.objects.count(),
        ExportRequest.objects.count(),
        Token.objects.count(),
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "pattern"), ALL, ids=[path for path, _ in ALL])
def test_a_cross_site_form_is_refused(victim: Client, path: str, pattern: URLPattern) -> None:
    before = _state()
    answers = {
        method: victim.generic(
            method,
            path,
            FORM,
            content_type="application/x-www-form-urlencoded",
            headers={"Origin": "https://evil.example"},
        )
        for method in UNSAFE
    }

    accepted = {m: (a.status_code, a.content[:200]) for m, a in answers.items() if a.status_code < 400}
    assert not accepted
    assert {a.status_code for a in answers.values()} <= {400, 403, 405, 415}
    assert _state() == before
    assert victim.get("/core.current").status_code == 200  # still logged in


@pytest.mark.django_db
def test_a_token_call_is_not_cross_site_prone_and_still_works(victim: Client) -> None:
    from rest_framework.authtoken.models import Token

    key = Token.objects.get(user__username="kian").key
    # A fresh client: no session cookie, only the token a page of another site cannot know.
    answer = Client(enforce_csrf_checks=True).delete(
        "/fm/manager/",
        "file_name=notes.txt",
        content_type="application/x-www-form-urlencoded",
        headers={"Authorization": f"Token {key}", "Origin": "https://evil.example"},
    )

    assert answer.status_code == 404
    assert answer.json() == {"detail": "notes.txt hasn't existed!"}
