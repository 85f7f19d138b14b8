"""PyLTI1p3 fitted to this tool: django-lti's registrations without its automatic
deployments, nonces bound to their state and used once, and the launch rejections of
CONTRACT section 8 each named."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import jwt
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from lti_tool.models import LtiDeployment, LtiRegistration
from lti_tool.utils import DjangoToolConfig
from pylti1p3.contrib.django.message_launch import DjangoMessageLaunch
from pylti1p3.contrib.django.oidc_login import DjangoOIDCLogin
from pylti1p3.contrib.django.request import DjangoRequest
from pylti1p3.contrib.django.session import DjangoSessionService
from pylti1p3.deployment import Deployment
from pylti1p3.exception import LtiException, OIDCException
from pylti1p3.registration import Registration

from lti.errors import LaunchRejected
from lti.models import LaunchState

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
MESSAGE_TYPES = ("LtiResourceLinkRequest", "LtiDeepLinkingRequest")
# A login must come back within this time; platforms answer in seconds.
STATE_LIFETIME = timedelta(minutes=10)
# The platform's clock and this one's may differ by this much (exp and iat).
CLOCK_LEEWAY_SECONDS = 60
LOGIN_PARAMS = ("iss", "login_hint", "target_link_uri", "lti_message_hint", "client_id", "lti_deployment_id")


class ToolConfig(DjangoToolConfig):
    """django-lti's lookups, but a deployment is found only when registered and active:
    django-lti's own creates any deployment id a launch names."""

    def find_registration_by_params(self, iss: str, client_id: str | None, *args: Any, **kwargs: Any) -> Any:
        if client_id:
            return super().find_registration_by_params(iss, client_id, *args, **kwargs)
        # client_id is optional in a login initiation: enough when the issuer has one registration.
        registrations = list(LtiRegistration.objects.active().filter(issuer=iss)[:2])
        if len(registrations) != 1:
            return None
        self.registration = registrations[0]
        return self.registration.to_registration()

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str, *args: Any, **kwargs: Any
    ) -> Deployment | None:
        self.deployment = (
            LtiDeployment.objects.active()
            .filter(
                registration__issuer=iss,
                registration__client_id=client_id,
                registration__is_active=True,
                deployment_id=deployment_id,
            )
            .first()
        )
        if self.deployment is None:
            return None
        return Deployment().set_deployment_id(deployment_id)


class StateStore(DjangoSessionService):
    """Keeps each login's nonce in the database with its state, not in the Django session:
    the login comes before any session, and any process may receive the launch."""

    _nonce = ""

    def save_nonce(self, nonce: str) -> None:
        self._nonce = nonce

    def save_state_params(self, state: str, params: dict[str, object]) -> None:
        registration = LtiRegistration.objects.get(pk=params.pop("registration_pk"))
        # States past their lifetime are refused anyway; dropping them keeps the table small.
        LaunchState.objects.filter(created_at__lt=timezone.now() - 2 * STATE_LIFETIME).delete()
        LaunchState.objects.create(
            registration=registration, state=state, nonce=self._nonce, login_params=params
        )

    def save_launch_data(self, key: str, jwt_body: Any) -> None:
        # The launch's facts go into the signed-in session by the launch service instead.
        pass

    def set_state_valid(self, state: str, id_token_hash: str) -> None:
        pass


class Login(DjangoOIDCLogin):
    def __init__(self, request: HttpRequest) -> None:
        super().__init__(request, ToolConfig(), session_service=StateStore(DjangoRequest(request)))

    def redirect_to_platform(self, *, launch_url: str) -> Any:
        """The 302 to the platform's authorization URL, with the state cookie set."""
        try:
            self._registration = self.validate_oidc_login()
        except OIDCException as e:
            raise LaunchRejected(_login_failure(str(e))) from e
        params: dict[str, object] = {key: self._get_request_param(key) for key in LOGIN_PARAMS}
        params["registration_pk"] = self._tool_config.registration.pk
        return self.pass_params_to_launch({k: v for k, v in params.items() if v}).redirect(launch_url)


def _login_failure(message: str) -> str:
    if message == "Could not find issuer":
        return "The login initiation has no iss parameter."
    if message == "Could not find login hint":
        return "The login initiation has no login_hint parameter."
    return (
        "No platform is registered with this iss and client_id. Register it in the admin or with "
        "manage.py lti_platform_add."
    )


class Launch(DjangoMessageLaunch):
    """One id_token from a platform, checked in the order that names the first failure."""

    _state: LaunchState | None = None

    def __init__(self, request: HttpRequest) -> None:
        super().__init__(request, ToolConfig(), session_service=StateStore(DjangoRequest(request)))

    def validate(self) -> Launch:
        self._validated = True
        try:
            self.validate_state()
            self._step(self.validate_jwt_format)
            self._step(self.validate_registration, "No registration for this iss and aud (client id).")
            self.validate_audience()
            self._step(self.validate_jwt_signature)
            self.validate_deployment()
            self.validate_message()
            self.validate_nonce()
        except Exception:
            self._validated = False
            raise
        return self

    def _step(self, step: Any, what: str = "") -> None:
        try:
            step()
        except LtiException as e:
            raise LaunchRejected(what or f"The id_token is not valid: {e}.") from e

    def retry_url(self) -> str:
        """A new login initiation with this launch's parameters, for a new window."""
        if self._state is None:
            return ""
        return reverse("lti:login") + "?" + urlencode(self._state.login_params)

    def validate_state(self) -> Launch:
        state = self._get_request_param("state")
        if not state:
            raise LaunchRejected("The launch has no state parameter.")
        self._state = LaunchState.objects.filter(state=state).first()
        if self._cookie_service.get_cookie(state) != state:
            raise LaunchRejected(
                "The state does not match the one this browser was given: the launch came back to a "
                "different browser, or the browser blocked this tool's cookie inside the course page.",
                retry_url=self.retry_url(),
            )
        if self._state is None or self._state.created_at < timezone.now() - STATE_LIFETIME:
            raise LaunchRejected("The state is unknown or its login started too long ago.")
        return self

    def get_client_id(self) -> str:
        # With several audiences, azp names the one this token is for (OIDC Core 3.1.3.7).
        body = self._get_jwt_body()
        aud = body.get("aud")
        if isinstance(aud, list):
            azp = body.get("azp")
            return str(azp if azp in aud else aud[0] if aud else "")
        return str(aud or "")

    def validate_audience(self) -> None:
        body = self._get_jwt_body()
        aud = body.get("aud")
        client_id = self._registration.get_client_id() if self._registration else None
        if isinstance(aud, list) and len(aud) > 1 and body.get("azp") != client_id:
            raise LaunchRejected(
                "The id_token's aud has several values and its azp is not this tool's client id."
            )

    def validate_jwt_signature(self) -> Launch:
        try:
            public_key, _alg = self.get_public_key()
        except LtiException as e:
            kid = self._jwt.get("header", {}).get("kid")
            raise LaunchRejected(
                f"No key with the id_token's kid \"{kid}\" and alg in the platform's key set "
                f"({self._registration.get_key_set_url() if self._registration else ''})."
            ) from e
        try:
            jwt.decode(
                self._get_id_token(),
                public_key,
                algorithms=["RS256"],  # the contract's only algorithm, whatever the header says
                options={"verify_aud": False, "require": ["exp", "iat"]},
                leeway=CLOCK_LEEWAY_SECONDS,
            )
        except jwt.ExpiredSignatureError as e:
            raise LaunchRejected("The id_token has expired (exp).") from e
        except jwt.ImmatureSignatureError as e:
            raise LaunchRejected("The id_token was issued in the future (iat).") from e
        except jwt.MissingRequiredClaimError as e:
            raise LaunchRejected(f"The id_token has no {e.claim} claim.") from e
        except jwt.InvalidSignatureError as e:
            raise LaunchRejected("The id_token's signature does not match the platform's key.") from e
        except jwt.InvalidTokenError as e:
            raise LaunchRejected(f"The id_token is not valid: {e}.") from e
        return self

    def validate_deployment(self) -> Launch:
        deployment_id = self._get_jwt_body().get(CLAIM + "deployment_id")
        if not deployment_id or not self._tool_config.find_deployment_by_params(
            self.get_iss(), deployment_id, self.get_client_id()
        ):
            raise LaunchRejected(f'The deployment "{deployment_id}" is not registered for this platform.')
        return self

    def validate_message(self) -> Launch:
        body = self._get_jwt_body()
        version = body.get(CLAIM + "version")
        if version != "1.3.0":
            raise LaunchRejected(f'The version claim is "{version}"; this tool speaks LTI 1.3.0.')
        message_type = body.get(CLAIM + "message_type")
        if message_type not in MESSAGE_TYPES:
            raise LaunchRejected(
                f'The message type "{message_type}" is not one this tool handles '
                f"({' or '.join(MESSAGE_TYPES)})."
            )
        self._step(super().validate_message)
        return self

    def validate_nonce(self) -> Launch:
        nonce = self._get_jwt_body().get("nonce")
        if not nonce:
            raise LaunchRejected("The id_token has no nonce.")
        assert self._state is not None
        # Conditional update, its row count checked: two posts of one id_token (a replay
        # racing the real launch) cannot both use the nonce.
        used = LaunchState.objects.filter(
            pk=self._state.pk, registration=self.lti_registration, nonce=nonce, used_at__isnull=True
        ).update(used_at=timezone.now())
        if used != 1:
            raise LaunchRejected("The nonce is not the one sent with this login, or it was already used.")
        return self

    @property
    def registration(self) -> Registration:
        assert self._registration is not None
        return self._registration

    @property
    def deployment(self) -> LtiDeployment:
        return self._tool_config.deployment

    @property
    def lti_registration(self) -> LtiRegistration:
        return self._tool_config.registration
