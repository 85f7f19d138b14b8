"""Session and CSRF cookies set by the LTI pages work inside a course page's iframe."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory


def _cookies(path: str, *, secure: bool) -> dict[str, str]:
    from lti.middleware import IframeCookiesMiddleware

    def page(request: HttpRequest) -> HttpResponse:
        response = HttpResponse()
        response.set_cookie("sessionid", "s", samesite="Lax")
        response.set_cookie("csrftoken", "c", samesite="Lax")
        response.set_cookie("other", "o", samesite="Lax")
        return response

    response = IframeCookiesMiddleware(page)(RequestFactory().get(path, secure=secure))
    return {name: morsel.OutputString() for name, morsel in response.cookies.items()}


def test_lti_pages_over_https_set_their_cookies_samesite_none_and_secure() -> None:
    cookies = _cookies("/lti/launch/", secure=True)
    assert "SameSite=None" in cookies["sessionid"] and "Secure" in cookies["sessionid"]
    assert "SameSite=None" in cookies["csrftoken"] and "Secure" in cookies["csrftoken"]
    assert "SameSite=Lax" in cookies["other"]


def test_other_pages_and_plain_http_keep_the_sites_cookie_setting() -> None:
    for path, secure in (("/fm/files", True), ("/lti/launch/", False)):
        cookies = _cookies(path, secure=secure)
        assert "SameSite=Lax" in cookies["sessionid"] and "Secure" not in cookies["sessionid"]
