"""Django's middlewares, run on the event loop under ASGI instead of a thread.

Under ASGI, Django's ``MiddlewareMixin`` runs each ``process_request`` and
``process_response`` through ``sync_to_async``: two thread hops per middleware
and request, and a sync-only middleware (WhiteNoise) turns the whole chain
around it sync. With a dozen middlewares that was most of a small request's
cost (``bench/class_load.py``). The hooks below only read and set attributes,
cookies and headers, so they run where they are called; the few steps that can
touch the database or the disk (a session to save, messages to store, a static
file to find, a form body to read) still run in the request's thread, as before.
Under WSGI every class behaves exactly as Django's own.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware
from django.middleware.csrf import CsrfViewMiddleware
from django.middleware.security import SecurityMiddleware
from whitenoise.middleware import WhiteNoiseMiddleware

from config.middleware import RESPONSE_IN_THREAD, hooks_on_loop


def _session_saved(request: HttpRequest) -> bool:
    """The session is read lazily; only saving it goes to the database."""
    return request.session.modified or settings.SESSION_SAVE_EVERY_REQUEST


def _messages_stored(request: HttpRequest) -> bool:
    """Messages are stored (in the session, maybe) only once read or added."""
    storage = getattr(request, "_messages", None)
    return bool(storage is not None and (storage.used or storage.added_new))


# Django's security checks look for these classes by their own paths in MIDDLEWARE,
# so they stay there and are given the loop's __acall__ instead of subclassed.
_ON_LOOP: dict[type, Callable[[HttpRequest], bool] | None] = {
    SecurityMiddleware: None,
    SessionMiddleware: _session_saved,
    CommonMiddleware: None,
    CsrfViewMiddleware: None,
    AuthenticationMiddleware: None,  # request.user stays lazy: loaded only by a view that asks
    MessageMiddleware: _messages_stored,
    XFrameOptionsMiddleware: None,
}


def loop_hooks_install() -> None:
    """Run the hooks of Django's middlewares above on the event loop under ASGI (called by
    config.asgi; under WSGI and the test clients they run in sync mode, untouched)."""
    for cls, in_thread in _ON_LOOP.items():
        cls.__acall__ = hooks_on_loop  # type: ignore[attr-defined]
        if in_thread is not None:
            RESPONSE_IN_THREAD[cls] = in_thread


def csrf_view_check_install(view_middleware: list[Any]) -> None:
    """Puts csrf_view_check in place of Django's thread hop around CsrfViewMiddleware's
    process_view, in a handler's ``_view_middleware`` (adapted by sync_to_async)."""
    for i, adapted in enumerate(view_middleware):
        method: Any = getattr(adapted, "func", None)
        if isinstance(getattr(method, "__self__", None), CsrfViewMiddleware):
            view_middleware[i] = functools.partial(csrf_view_check, method)


async def csrf_view_check(
    check: Callable[..., HttpResponseBase | None],
    request: HttpRequest,
    callback: Any,
    callback_args: Any,
    callback_kwargs: Any,
) -> HttpResponseBase | None:
    """CsrfViewMiddleware.process_view under ASGI: the check of an unsafe method reads
    the form body, in the request's thread; safe methods and exempt views are accepted
    on the loop (config.streaming puts it in place of Django's thread hop)."""
    if (
        getattr(request, "csrf_processing_done", False)
        or getattr(callback, "csrf_exempt", False)
        or request.method in ("GET", "HEAD", "OPTIONS", "TRACE")
    ):
        return check(request, callback, callback_args, callback_kwargs)
    return await sync_to_async(check, thread_sensitive=True)(
        request, callback, callback_args, callback_kwargs
    )


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise, which is sync only: under ASGI a path that cannot be a static
    file goes on without a thread hop; finding and opening a file take one."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Any, settings: Any = settings) -> None:
        super().__init__(get_response, settings)
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.async_mode:
            return self._serve_async(request)
        return super().__call__(request)

    def _may_be_static(self, path: str) -> bool:
        return path.startswith(self.static_prefix) or any(path.startswith(p) for _, p in self.directories)

    async def _serve_async(self, request: HttpRequest) -> HttpResponseBase:
        path = request.path_info
        if self.autorefresh:  # development: looks on the disk each time
            found = await sync_to_async(self.find_file)(path) if self._may_be_static(path) else None
        else:
            found = self.files.get(path)
        if found is None:
            return await self.get_response(request)
        return await sync_to_async(self.serve)(found, request)
