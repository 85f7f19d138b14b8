"""The README's server, started as a real process, answers over a real socket."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.authtoken.models import Token


@pytest.mark.django_db(transaction=True)
def test_the_real_server_serves_healthz_and_a_working_token(
    start_server: Callable[..., Any], make_user: Callable[..., Any]
) -> None:
    user = make_user(username="kian", password="ak18-secret")
    server = start_server()

    assert server.get("/healthz").status_code == 200
    form = server.post("/fm/login/", data={"username": "kian", "password": "ak18-secret"})
    as_json = server.post("/fm/login/", json={"username": "kian", "password": "ak18-secret"})
    wrong = server.post("/fm/login/", data={"username": "kian", "password": "nope"})

    assert form.status_code == 200
    assert as_json.json() == form.json()
    assert Token.objects.get(user=user).key == form.json()["token"]
    assert wrong.status_code == 400
