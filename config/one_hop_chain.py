"""The lean chain of a public download: only the middlewares that have work to do.

Under a class's load, every answer of ``GET /fm/download/<user>/<name>`` ran all of
MIDDLEWARE and a resolution through every URL pattern of the site: with
DOWNLOAD_OFFLOAD=nginx that was most of the app's CPU per answer (bench/class_load.py
(f)). A request without cookies to a URL named in ``URL_NAMES`` gets the same
answer with the middlewares of ``NOT_FOR_PUBLIC`` left out (each does nothing for
it, see there), and resolved by the URL patterns on its way alone. A request with a
cookie (a session or CSRF cookie may have to be replaced), or another URL, goes
through the whole chain. The rest of MIDDLEWARE runs as for every request, in its
order: the rules stay in the middlewares and the view, one place each.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.exceptions import Resolver404
from django.urls.resolvers import ResolverMatch
from django.utils.module_loading import import_string

# The public download; its view reads neither a session nor a user.
URL_NAMES = frozenset({"fm-download"})

NOT_FOR_PUBLIC = {
    # Read a cookie the request does not send: nothing to load, replace or delete.
    "django.contrib.sessions.middleware.SessionMiddleware": "the session cookie",
    "django.middleware.csrf.CsrfViewMiddleware": "the CSRF cookie (the view is csrf_exempt)",
    "django.contrib.messages.middleware.MessageMiddleware": "messages: none read or added",
    "django.contrib.auth.middleware.AuthenticationMiddleware": "request.user: never read",
    "axes.middleware.AxesMiddleware": "lockouts: only a log-in sets one",
    "config.loop_middleware.StaticFilesMiddleware": "STATIC_URL paths only",
}


def lean_middleware() -> list[str]:
    return [path for path in settings.MIDDLEWARE if path not in NOT_FOR_PUBLIC]


class LeanHandler(BaseHandler):
    """Django's sync handler over ``lean_middleware()`` (built once), for the requests
    ``match`` accepts; ``resolve_request`` gives the match found there."""

    def __init__(self) -> None:
        super().__init__()
        self.resolver = _resolver_of(get_resolver(), URL_NAMES)
        self.load_middleware()

    def match(self, request: HttpRequest) -> ResolverMatch | None:
        """The URL match of a request the lean chain answers as the whole one, else None."""
        if "HTTP_COOKIE" in request.META or hasattr(request, "urlconf"):
            return None
        try:
            return self.resolver.resolve(request.path_info)
        except Resolver404:
            return None  # the whole URLconf's 404 (or another view): the usual way

    def resolve_request(self, request: HttpRequest) -> ResolverMatch:
        match = request.resolver_match
        assert match is not None  # set by the caller from match()
        return match

    def load_middleware(self, is_async: bool = False) -> None:
        """BaseHandler.load_middleware of sync middlewares, over the lean list."""
        self._view_middleware: list[Any] = []
        self._template_response_middleware: list[Any] = []
        self._exception_middleware: list[Any] = []
        handler = convert_exception_to_response(self._get_response)  # type: ignore[attr-defined]
        for path in reversed(lean_middleware()):
            try:
                middleware = import_string(path)(handler)
            except MiddlewareNotUsed:
                continue
            if hasattr(middleware, "process_view"):
                self._view_middleware.insert(0, middleware.process_view)
            if hasattr(middleware, "process_template_response"):
                self._template_response_middleware.append(middleware.process_template_response)
            if hasattr(middleware, "process_exception"):
                self._exception_middleware.append(middleware.process_exception)
            handler = convert_exception_to_response(middleware)
        self._middleware_chain = handler


def _resolver_of(resolver: URLResolver, names: frozenset[str]) -> URLResolver:
    """A copy of ``resolver`` with only the patterns named in ``names`` and the includes
    on their way, the same pattern objects in the same order: a path they match
    resolves to the same view, arguments and route as through the whole URLconf,
    provided no pattern before them matches it (tests/config/test_one_hop_chain.py)."""
    kept: list[URLPattern | URLResolver] = []
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLPattern) and pattern.name in names:
            kept.append(pattern)
        elif isinstance(pattern, URLResolver):
            inner = _resolver_of(pattern, names)
            if inner.url_patterns:
                kept.append(inner)
    return URLResolver(
        resolver.pattern,
        kept,
        resolver.default_kwargs,
        app_name=resolver.app_name,
        namespace=resolver.namespace,
    )
