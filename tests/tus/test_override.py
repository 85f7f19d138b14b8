"""X-HTTP-Method-Override over real HTTP (tus 1.0.0 core): a client behind a proxy that
passes only GET and POST sends POST with the method it means; the checks of that POST
(token or session, CSRF) still apply."""

from __future__ import annotations

import os

import pytest
import requests

from tests.drive.clients import session_cookie
from tests.tus.helpers import MiB, TusSide
from upload_center.models import StoredFile

pytestmark = pytest.mark.django_db(transaction=True)
STREAM = "application/offset+octet-stream"


def post_as(side: TusSide, url: str, method: str, body: bytes = b"", **extra: str) -> requests.Response:
    headers = side.headers(**{"X-HTTP-Method-Override": method, **extra})
    return requests.post(url, data=body, headers=headers, timeout=60)


def test_posts_that_say_patch_head_and_delete_are_taken_as_those(tus_side: TusSide) -> None:
    data = os.urandom(MiB + 7)
    url = tus_side.location(len(data), "lecture.mp4")

    first = post_as(tus_side, url, "PATCH", data[:MiB], **{"Upload-Offset": "0", "Content-Type": STREAM})
    assert (first.status_code, first.headers["Upload-Offset"]) == (204, str(MiB))
    head = post_as(tus_side, url, "head")  # the method's case does not matter
    assert (head.status_code, head.headers["Upload-Offset"], head.content) == (200, str(MiB), b"")
    assert head.headers["Upload-Length"] == str(len(data))
    last = post_as(tus_side, url, "PATCH", data[MiB:], **{"Upload-Offset": str(MiB), "Content-Type": STREAM})
    assert last.status_code == 204
    assert tus_side.server.get("/fm/download/kian/lecture.mp4").content == data

    other = tus_side.location(10, "draft.txt")
    assert post_as(tus_side, other, "DELETE").status_code == 204
    assert tus_side.head(other).status_code == 404
    assert list(StoredFile.objects.values_list("name", flat=True)) == ["lecture.mp4"]


def test_an_override_gets_no_further_than_its_post_would_without_login_or_csrf(
    tus_side: TusSide,
) -> None:
    url = tus_side.location(10)
    anonymous = {"Tus-Resumable": "1.0.0", "X-HTTP-Method-Override": "HEAD"}
    assert requests.post(url, headers=anonymous, timeout=30).status_code == 401
    anonymous["X-HTTP-Method-Override"] = "DELETE"
    assert requests.post(url, headers=anonymous, timeout=30).status_code == 401

    browser = requests.Session()
    browser.cookies.set("sessionid", session_cookie(tus_side.server.url, "kian", "ak18-secret"))
    assert browser.get(tus_side.server.url + "/", timeout=30).status_code == 200  # the csrftoken cookie
    session_url = post_create(browser, tus_side)
    for method in ("HEAD", "DELETE", "PATCH"):
        # A cross-site form can POST; it cannot send the CSRF header.
        override = {"Tus-Resumable": "1.0.0", "X-HTTP-Method-Override": method}
        refused = browser.post(session_url, headers=override, timeout=30)
        assert refused.status_code == 403, method
    csrf = {"Tus-Resumable": "1.0.0", "X-CSRFToken": browser.cookies["csrftoken"]}
    deleted = browser.post(session_url, headers={**csrf, "X-HTTP-Method-Override": "DELETE"}, timeout=30)
    assert deleted.status_code == 204


def post_create(browser: requests.Session, side: TusSide) -> str:
    headers = {
        "Tus-Resumable": "1.0.0",
        "Upload-Length": "10",
        "Upload-Metadata": "filename bm90ZXMudHh0",
        "X-CSRFToken": browser.cookies["csrftoken"],
    }
    created = browser.post(side.url, headers=headers, timeout=30)
    assert created.status_code == 201, created.text
    return side.server.url + created.headers["Location"]


@pytest.mark.parametrize("method", ["PUT", "GET", "TRACE", "PATCH, DELETE", ""])
def test_an_override_that_is_no_tus_method_is_a_clear_400(tus_side: TusSide, method: str) -> None:
    url = tus_side.location(10)

    answer = post_as(tus_side, url, method, b"0123456789", **{"Upload-Offset": "0", "Content-Type": STREAM})

    assert answer.status_code == 400
    assert answer.json() == {
        "detail": "X-HTTP-Method-Override must be one of HEAD, PATCH, DELETE, POST, OPTIONS."
    }
    assert answer.headers["Tus-Resumable"] == "1.0.0"
    assert tus_side.head(url).headers["Upload-Offset"] == "0"


def test_an_override_on_another_method_than_post_is_refused(tus_side: TusSide) -> None:
    url = tus_side.location(10)
    # A GET is never CSRF-checked: it must not become a DELETE.
    answer = requests.get(url, headers=tus_side.headers(**{"X-HTTP-Method-Override": "DELETE"}), timeout=30)

    assert (answer.status_code, answer.json()) == (
        400,
        {"detail": "X-HTTP-Method-Override is taken on a POST only, not on a GET."},
    )
    assert tus_side.head(url).status_code == 200
