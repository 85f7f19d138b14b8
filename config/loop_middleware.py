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

from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware as DjangoMessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.middleware.clickjacking import XFrameOptionsMiddleware as DjangoXFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware as DjangoCommonMiddleware
from django.middleware.csrf import CsrfViewMiddleware as DjangoCsrfViewMiddleware
from django.middleware.security import SecurityMiddleware as DjangoSecurityMiddleware
from whitenoise.middleware import WhiteNoiseMiddleware

from config.middleware import LoopHooks


class SecurityMiddleware(LoopHooks, DjangoSecurityMiddleware):
    pass


class CommonMiddleware(LoopHooks, DjangoCommonMiddleware):
    pass


class AuthenticationMiddleware(LoopHooks, DjangoAuthenticationMiddleware):
    """``request.user`` stays lazy: the user is loaded only by a view that asks."""


class XFrameOptionsMiddleware(LoopHooks, DjangoXFrameOptionsMiddleware):
    pass


class SessionMiddleware(LoopHooks, DjangoSessionMiddleware):
    """The session is read lazily; only saving it goes to the database."""

    def response_needs_thread(self, request: HttpRequest) -> bool:
        return request.session.modified or settings.SESSION_SAVE_EVERY_REQUEST


class MessageMiddleware(LoopHooks, DjangoMessageMiddleware):
    """Messages are stored (in the session, maybe) only once read or added."""

    def response_needs_thread(self, request: HttpRequest) -> bool:
        storage = getattr(request, "_messages", None)
        return bool(storage is not None and (storage.used or storage.added_new))


class CsrfViewMiddleware(LoopHooks, DjangoCsrfViewMiddleware):
    """The check of an unsafe method reads the form body, in the request's thread;
    safe methods and exempt views are accepted on the loop."""

    def __init__(self, get_response: Any) -> None:
        super().__init__(get_response)
        if self.async_mode:
            # Django adapts process_view by what it is: a coroutine function runs as is.
            self.process_view = self._process_view_async  # type: ignore[method-assign,assignment]

    async def _process_view_async(
        self, request: HttpRequest, callback: Any, callback_args: Any, callback_kwargs: Any
    ) -> HttpResponseBase | None:
        check = DjangoCsrfViewMiddleware.process_view
        if (
            getattr(request, "csrf_processing_done", False)
            or getattr(callback, "csrf_exempt", False)
            or request.method in ("GET", "HEAD", "OPTIONS", "TRACE")
        ):
            return check(self, request, callback, callback_args, callback_kwargs)
        return await sync_to_async(check, thread_sensitive=True)(
            self, request, callback, callback_args, callback_kwargs
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
