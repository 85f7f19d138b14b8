"""A fake LTI 1.3 platform (an LMS) on 127.0.0.1: its RSA key and key set, the OIDC
authorization endpoint, a token endpoint that checks the tool's client assertion, a line
item that records scores and a memberships endpoint in pages (``Link: rel="next"``)."""

from __future__ import annotations

import html
import json
import re
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.cloud_export.fakes.server import FakeServer, Request, Response

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
MEMBERSHIP_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class FakePlatform:
    def __init__(self, *, client_id: str = "tool-client", deployment_id: str = "dep-1") -> None:
        self.server = FakeServer()
        self.client_id = client_id
        self.deployment_id = deployment_id
        self.key = rsa_key()
        self.kid = "platform-key-" + uuid.uuid4().hex[:8]
        self.tool_url = ""  # set by the test once the tool runs
        # The tool's key set, fetched ahead as platforms cache it: a fetch while the tool's
        # one worker waits for this token endpoint would wait for itself.
        self.tool_jwks: dict[str, Any] = {}
        # login_hint -> the claims the authorization endpoint signs for that user
        self.messages: dict[str, dict[str, Any]] = {}
        self.auth_requests: list[dict[str, str]] = []
        self.tokens: dict[str, float] = {}  # access token -> expiry
        self.token_requests = 0
        self.scores: list[dict[str, Any]] = []
        self.deep_link_returns: list[str] = []
        self.members: list[dict[str, Any]] = []
        self.page_size = 2
        self.server.route("GET", r"/jwks", self._jwks)
        self.server.route("GET", r"/auth", self._auth)
        self.server.route("POST", r"/token", self._token)
        self.server.route("POST", r"/lineitems/1/scores", self._score)
        self.server.route("GET", r"/memberships", self._memberships)
        self.server.route("POST", r"/deep_link_return", self._deep_link_return)
        self.server.route("GET", r"/course", self._course)

    def start(self) -> FakePlatform:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    @property
    def issuer(self) -> str:
        return self.server.url

    def register_args(self) -> dict[str, Any]:
        """The keyword arguments of lti.services.platform_register for this platform."""
        url = self.server.url
        return {
            "issuer": self.issuer,
            "client_id": self.client_id,
            "auth_url": url + "/auth",
            "token_url": url + "/token",
            "jwks_url": url + "/jwks",
            "deployment_ids": [self.deployment_id],
        }

    # --- what the platform signs -------------------------------------------------------

    def claims(
        self, *, nonce: str, sub: str = "learner-1", roles: list[str] | None = None, **extra: Any
    ) -> dict:
        now = int(time.time())
        body: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.client_id,
            "sub": sub,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "name": "Ada Lovelace" if sub == "learner-1" else f"User {sub}",
            CLAIM + "version": "1.3.0",
            CLAIM + "message_type": "LtiResourceLinkRequest",
            CLAIM + "deployment_id": self.deployment_id,
            CLAIM + "target_link_uri": self.tool_url + "/lti/launch/",
            CLAIM + "resource_link": {"id": "link-1", "title": "Week 1"},
            CLAIM + "roles": roles if roles is not None else [LEARNER],
            CLAIM + "context": {"id": "course-1", "title": "Physics 101"},
        }
        body.update(extra)
        return body

    def deep_linking_claims(self, *, nonce: str, sub: str = "teacher-1") -> dict[str, Any]:
        body = self.claims(nonce=nonce, sub=sub, roles=[INSTRUCTOR])
        del body[CLAIM + "resource_link"]
        body[CLAIM + "message_type"] = "LtiDeepLinkingRequest"
        body["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"] = {
            "deep_link_return_url": self.server.url + "/deep_link_return",
            "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe", "window"],
            "data": "opaque-platform-data",
        }
        return body

    def sign(self, body: dict[str, Any], *, key: Any = None, kid: str | None = None) -> str:
        return jwt.encode(body, key or self.key, algorithm="RS256", headers={"kid": kid or self.kid})

    # --- endpoints ----------------------------------------------------------------------

    def _jwks(self, request: Request, match: re.Match[str]) -> Response:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return Response.json({"keys": [{**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}]})

    def _auth(self, request: Request, match: re.Match[str]) -> Response:
        """The authorization endpoint: the signed message for ``login_hint``, auto-posted to the tool."""
        q = request.query
        self.auth_requests.append(q)
        claims = dict(self.messages.get(q.get("login_hint", ""), {}))
        claims["nonce"] = q.get("nonce", "")
        token = self.sign(claims)
        page = (
            f'<form id="f" method="post" action="{html.escape(q.get("redirect_uri", ""))}">'
            f'<input type="hidden" name="id_token" value="{token}">'
            f'<input type="hidden" name="state" value="{html.escape(q.get("state", ""))}"></form>'
            "<script>document.getElementById('f').submit()</script>"
        )
        return Response(200, page.encode(), {"Content-Type": "text/html"})

    def _token(self, request: Request, match: re.Match[str]) -> Response:
        form = request.form()
        self.token_requests += 1
        assertion = form.get("client_assertion", "")
        try:
            kid = jwt.get_unverified_header(assertion)["kid"]
            keys = self.tool_jwks["keys"]
            key = RSAAlgorithm.from_jwk(json.dumps(next(k for k in keys if k["kid"] == kid)))
            claims = jwt.decode(assertion, key, algorithms=["RS256"], audience=self.server.url + "/token")  # type: ignore[arg-type]
        except Exception as e:
            return Response.json({"error": "invalid_client", "detail": repr(e)}, 401)
        if (
            form.get("grant_type") != "client_credentials"
            or form.get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
            or claims["iss"] != self.client_id
            or claims["sub"] != self.client_id
        ):
            return Response.json({"error": "invalid_request"}, 400)
        token = "access-" + uuid.uuid4().hex
        self.tokens[token] = time.time() + 3600
        return Response.json(
            {"access_token": token, "token_type": "Bearer", "expires_in": 3600, "scope": form["scope"]}
        )

    def _authorized(self, request: Request) -> bool:
        _, _, token = request.headers.get("authorization", "").partition(" ")
        return self.tokens.get(token, 0) > time.time()

    def _score(self, request: Request, match: re.Match[str]) -> Response:
        if not self._authorized(request):
            return Response.json({"error": "unauthorized"}, 401)
        if request.headers.get("content-type") != "application/vnd.ims.lis.v1.score+json":
            return Response.json({"error": "bad content type"}, 415)
        self.scores.append(request.json())
        return Response(204)

    def _memberships(self, request: Request, match: re.Match[str]) -> Response:
        if not self._authorized(request):
            return Response.json({"error": "unauthorized"}, 401)
        page = int(request.query.get("page", "0"))
        members = self.members[page * self.page_size : (page + 1) * self.page_size]
        headers = {}
        if (page + 1) * self.page_size < len(self.members):
            headers["Link"] = f'<{self.server.url}/memberships?page={page + 1}>; rel="next"'
        body = {"id": self.server.url + "/memberships", "context": {"id": "course-1"}, "members": members}
        return Response.json(body, **headers)

    def _deep_link_return(self, request: Request, match: re.Match[str]) -> Response:
        self.deep_link_returns.append(request.form().get("JWT", ""))
        return Response(200, b"<p id='placed'>Placed in the course.</p>", {"Content-Type": "text/html"})

    def _course(self, request: Request, match: re.Match[str]) -> Response:
        """A course page of the LMS: the tool in an iframe, launched for ``?hint=`` (a ``messages`` key)."""
        params = {
            "iss": self.issuer,
            "login_hint": request.query.get("hint", ""),
            "target_link_uri": self.tool_url + "/lti/launch/",
            "client_id": self.client_id,
            "lti_deployment_id": self.deployment_id,
        }
        src = html.escape(self.tool_url + "/lti/login/?" + urlencode(params))
        page = (
            '<!doctype html><meta name="viewport" content="width=device-width, initial-scale=1">'
            "<style>body{margin:0;font-family:sans-serif}iframe{width:100%;height:640px;border:0}</style>"
            f"<h1 style='margin:8px'>Physics 101</h1><iframe id='tool' src='{src}'></iframe>"
        )
        return Response(200, page.encode(), {"Content-Type": "text/html"})
