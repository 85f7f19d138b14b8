"""A small threaded HTTP server on 127.0.0.1 with switches to fail chosen requests."""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    complete: bool

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, data: Any, status: int = 200, **headers: str) -> Response:
        return cls(status, json.dumps(data).encode(), {"Content-Type": "application/json", **headers})


@dataclass
class Fault:
    method: str
    path: re.Pattern[str]
    action: int | str  # an HTTP status, "timeout" or "drop"
    times: int
    skip: int
    body: Any = None


@dataclass
class Hold:
    """Requests that are served (their effect happens) but whose answers wait for ``release``.

    A test sees how many answers wait in ``held`` and can stop the client (kill a worker)
    at exactly that point: the server has done the work, the client never heard of it.
    """

    method: str
    path: re.Pattern[str]
    skip: int
    held: int = 0
    release: threading.Event = field(default_factory=threading.Event)


Route = Callable[[Request, re.Match[str]], Response]


class FakeServer:
    """Routes are (method, path regex) -> handler; faults fire before the handler on matching requests."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern[str], Route]] = []
        self.faults: list[Fault] = []
        self.holds: list[Hold] = []
        self.log: list[tuple[str, str, int | str]] = []
        self.delay = 0.0  # seconds added to every request
        self.timeout_sleep = 3.0
        self.lock = threading.RLock()
        self._httpd: ThreadingHTTPServer | None = None

    # --- set-up ---------------------------------------------------------------------

    def route(self, method: str, pattern: str, handler: Route) -> None:
        self.routes.append((method, re.compile(pattern + r"\Z"), handler))

    def fail(
        self, method: str, path: str, action: int | str, *, times: int = 1, skip: int = 0, body: Any = None
    ) -> None:
        """Fail the next ``times`` requests matching ``method`` and the ``path`` regex, after ``skip``."""
        with self.lock:
            self.faults.append(Fault(method, re.compile(path), action, times, skip, body))

    def hold(self, method: str, path: str, *, skip: int = 0) -> Hold:
        """Serve requests matching ``method`` and the ``path`` regex after ``skip`` of them,
        but keep their answers until ``hold.release`` is set."""
        hold = Hold(method, re.compile(path), skip)
        with self.lock:
            self.holds.append(hold)
        return hold

    def start(self) -> FakeServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; without this, each answer waits for a delayed ACK.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _any(self) -> None:
                server._serve(self)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _any

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()

    @property
    def url(self) -> str:
        assert self._httpd
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def requests_to(self, method: str, path: str) -> int:
        pattern = re.compile(path)
        return sum(1 for m, p, _ in self.log if m == method and pattern.search(p))

    # --- serving --------------------------------------------------------------------

    def _fault_for(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.times > 0 and fault.method == method and fault.path.search(path):
                    if fault.skip > 0:
                        fault.skip -= 1
                        return None
                    fault.times -= 1
                    return fault
        return None

    def _hold_for(self, method: str, path: str) -> Hold | None:
        with self.lock:
            for hold in self.holds:
                if not hold.release.is_set() and hold.method == method and hold.path.search(path):
                    if hold.skip > 0:
                        hold.skip -= 1
                        return None
                    hold.held += 1
                    return hold
        return None

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        if self.delay:
            time.sleep(self.delay)
        parts = urlsplit(handler.path)
        method, path = handler.command, parts.path
        fault = self._fault_for(method, path)
        length = int(handler.headers.get("Content-Length") or 0)
        if fault is not None and fault.action in {"drop", "timeout"}:
            with self.lock:
                self.log.append((method, path, fault.action))
            if fault.action == "timeout":
                time.sleep(self.timeout_sleep)
            # Gone without an answer, as a crashed proxy or a reset connection would be.
            handler.close_connection = True
            with contextlib.suppress(OSError):
                handler.connection.shutdown(socket.SHUT_RDWR)
            return
        body = handler.rfile.read(length) if length else b""
        request = Request(
            method=method,
            path=path,
            query={k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()},
            headers={k.lower(): v for k, v in handler.headers.items()},
            body=body,
            complete=len(body) == length,
        )
        if not request.complete:
            # The client broke off mid-body: nothing is stored, nobody is answered.
            with self.lock:
                self.log.append((method, path, "incomplete"))
            handler.close_connection = True
            return
        if fault is not None:
            response = Response.json(
                fault.body or {"error": {"code": fault.action, "message": "injected"}}, int(fault.action)
            )
        else:
            response = self._dispatch(request)
        with self.lock:
            self.log.append((method, path, response.status))
        if hold := self._hold_for(method, path):
            hold.release.wait()
            # The client a hold was for is usually gone (killed) by now.
            with contextlib.suppress(OSError):
                self._answer(handler, method, response)
            handler.close_connection = True
            return
        self._answer(handler, method, response)

    def _answer(self, handler: BaseHTTPRequestHandler, method: str, response: Response) -> None:
        handler.send_response(response.status)
        for name, value in response.headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(response.body)))
        handler.end_headers()
        if method != "HEAD":
            handler.wfile.write(response.body)

    def _dispatch(self, request: Request) -> Response:
        for method, pattern, route in self.routes:
            if method == request.method and (match := pattern.match(request.path)):
                try:
                    return route(request, match)
                except Exception as e:  # a bug in a fake must show up as a failing test, not a hang
                    return Response.json({"error": f"fake crashed: {e!r}"}, 599)
        return Response.json({"error": "not found"}, 404)


class FakeOAuth:
    """An OAuth 2 provider's consent page, token endpoint and user info, with switches."""

    def __init__(self, server: FakeServer, *, client_id: str, client_secret: str, prefix: str = "") -> None:
        self.server = server
        self.client_id = client_id
        self.client_secret = client_secret
        self.codes: dict[str, str] = {}  # code -> redirect_uri
        self.access: dict[str, int] = {}  # token -> uses left
        self.refresh_tokens: set[str] = set()
        self.access_token_uses = 10**9
        self.refresh_fails = False
        self.exchange_fails = False
        self.refreshes = 0
        self.scopes_seen: list[str] = []
        self._n = 0
        server.route("GET", prefix + "/authorize", self._authorize)
        server.route("POST", prefix + "/token", self._token)
        server.route("GET", prefix + "/userinfo", self._userinfo)

    def _next(self, kind: str) -> str:
        with self.server.lock:
            self._n += 1
            return f"{kind}-{self._n}"

    def _authorize(self, request: Request, match: re.Match[str]) -> Response:
        q = request.query
        if q.get("client_id") != self.client_id or q.get("response_type") != "code":
            return Response(400, b"bad client")
        self.scopes_seen.append(q.get("scope", ""))
        code = self._next("code")
        self.codes[code] = q["redirect_uri"]
        sep = "&" if "?" in q["redirect_uri"] else "?"
        state = q.get("state", "")
        allow = f"{q['redirect_uri']}{sep}code={code}&state={state}"
        deny = f"{q['redirect_uri']}{sep}error=access_denied&state={state}"
        page = f'<html><body><a id="allow" href="{allow}">Allow</a> <a id="deny" href="{deny}">Deny</a>'
        return Response(200, page.encode(), {"Content-Type": "text/html"})

    def _issue(self) -> dict[str, Any]:
        access = self._next("access")
        self.access[access] = self.access_token_uses
        return {"access_token": access, "token_type": "Bearer", "expires_in": 3600}

    def _token(self, request: Request, match: re.Match[str]) -> Response:
        form = request.form()
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return Response.json({"error": "invalid_client"}, 401)
        if form.get("grant_type") == "authorization_code":
            redirect_uri = self.codes.pop(form.get("code", ""), None)
            if self.exchange_fails or redirect_uri is None or redirect_uri != form.get("redirect_uri"):
                return Response.json({"error": "invalid_grant"}, 400)
            refresh = self._next("refresh")
            self.refresh_tokens.add(refresh)
            return Response.json({**self._issue(), "refresh_token": refresh})
        if form.get("grant_type") == "refresh_token":
            self.refreshes += 1
            if self.refresh_fails or form.get("refresh_token") not in self.refresh_tokens:
                return Response.json({"error": "invalid_grant"}, 400)
            return Response.json(self._issue())
        return Response.json({"error": "unsupported_grant_type"}, 400)

    def _userinfo(self, request: Request, match: re.Match[str]) -> Response:
        if not self.authorized(request):
            return Response.json({"error": "unauthorized"}, 401)
        return Response.json({"sub": "42", "email": "photographer@example.com", "login": "photographer"})

    def authorized(self, request: Request) -> bool:
        """True when the request carries a live access token (each use counts)."""
        _, _, token = request.headers.get("authorization", "").partition(" ")
        with self.server.lock:
            left = self.access.get(token, 0)
            if left <= 0:
                return False
            self.access[token] = left - 1
            return True
