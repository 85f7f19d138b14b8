"""The consent step of an export: the single-use start link, then the provider's answer.

The OAuth state is the export request's own secret (``ExportRequest.oauth_state``); the
answer that carries it is accepted once, from the browser that opened the start link,
within the consent window, and it turns the request into a queued job.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, NoReturn

import requests
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, QueryDict
from django.utils import timezone
from social_core.backends.oauth import BaseOAuth2
from social_core.exceptions import SocialAuthBaseException

from cloud_export.crypto import token_encrypt
from cloud_export.exceptions import ExportLinkInvalid
from cloud_export.models import ExportJob, ExportRequest
from cloud_export.oauth import oauth_backend
from cloud_export.services import export_job_queue
from cloud_export.tokens import token_expiry

logger = logging.getLogger(__name__)


def export_request_start(*, token: str, request: HttpRequest, redirect_uri: str) -> tuple[ExportRequest, str]:
    """Use the single-use start link: the export request and the provider's consent URL."""
    now = timezone.now()
    # Conditional update: of two clicks on one link, exactly one gets the row.
    started = ExportRequest.objects.filter(
        start_token=token, started_at__isnull=True, expires_at__gt=now
    ).update(started_at=now)
    export = ExportRequest.objects.filter(start_token=token).first()
    if export is None:
        raise ExportLinkInvalid("unknown start link")
    if not started:
        ExportRequest.objects.filter(pk=export.pk, finished_at__isnull=True).update(finished_at=now)
        raise ExportLinkInvalid("start link used or expired", fail_link=export.redirect_fail_link)
    backend = oauth_backend(
        cloud_type=export.cloud_type, request=request, redirect_uri=redirect_uri, state=export.oauth_state
    )
    return export, backend.auth_url()


def export_request_complete(
    *, request: HttpRequest, redirect_uri: str, browser_request_id: int | None
) -> str:
    """The provider's answer: exchange the code, queue the job; the link to send the browser to."""
    export = _request_finish(request.GET.get("state") or "-", browser_request_id)
    backend = oauth_backend(
        cloud_type=export.cloud_type, request=request, redirect_uri=redirect_uri, state=export.oauth_state
    )
    tokens, access_token = _tokens_exchange(backend, export, request.GET)
    account = _account_name(backend, export, access_token)
    with transaction.atomic():
        job = ExportJob.objects.create(
            export_request=export,
            access_token_encrypted=token_encrypt(access_token),
            refresh_token_encrypted=token_encrypt(str(tokens.get("refresh_token") or "")),
            token_expires_at=token_expiry(tokens),
            cloud_account=account[:255],
        )
        export_job_queue(job=job)
    return export.redirect_success_link


def _request_finish(oauth_state: str, browser_request_id: int | None) -> ExportRequest:
    """The request this answer belongs to, marked finished; refused when the answer may not complete it."""
    now = timezone.now()
    export = ExportRequest.objects.filter(oauth_state=oauth_state).first()
    if export is None:
        _forged_state_refuse(browser_request_id, now)
    # Conditional update: of a replayed or raced callback, only the first finishes the request.
    finished = ExportRequest.objects.filter(
        pk=export.pk, finished_at__isnull=True, started_at__isnull=False
    ).update(finished_at=now)
    if not finished:
        raise ExportLinkInvalid("OAuth state already used", fail_link=export.redirect_fail_link)
    if export.pk != browser_request_id:
        # Consent given in one browser must not be completed from another (login CSRF).
        raise ExportLinkInvalid("OAuth state from another browser", fail_link=export.redirect_fail_link)
    if now - (export.started_at or now) > timedelta(seconds=settings.CLOUD_ARCHIVE_LINK_TTL_SECONDS):
        raise ExportLinkInvalid("consent took too long", fail_link=export.redirect_fail_link)
    return export


def _forged_state_refuse(browser_request_id: int | None, now: datetime) -> NoReturn:
    """A forged state: the request this browser started is spent, so it cannot be completed later."""
    own = ExportRequest.objects.filter(pk=browser_request_id).first() if browser_request_id else None
    if own is None:
        raise ExportLinkInvalid("unknown OAuth state")
    ExportRequest.objects.filter(pk=own.pk, finished_at__isnull=True).update(finished_at=now)
    raise ExportLinkInvalid("forged OAuth state", fail_link=own.redirect_fail_link)


def _tokens_exchange(
    backend: BaseOAuth2, export: ExportRequest, data: QueryDict
) -> tuple[dict[str, Any], str]:
    """The provider's token answer for the authorization code, and the access token in it."""
    try:
        backend.process_error(data)
        if not data.get("code"):
            raise ExportLinkInvalid("no authorization code", fail_link=export.redirect_fail_link)
        tokens = backend.request_access_token(
            backend.access_token_url(),
            data=backend.auth_complete_params(export.oauth_state),
            headers=backend.auth_headers(),
            auth=backend.auth_complete_credentials(),
            method=backend.ACCESS_TOKEN_METHOD,
        )
        return tokens, backend.get_access_token(tokens)
    except (SocialAuthBaseException, requests.RequestException) as e:
        logger.info("export %s: consent or token exchange failed: %s", export.pk, e)
        raise ExportLinkInvalid(f"OAuth failed: {e}", fail_link=export.redirect_fail_link) from e


def _account_name(backend: BaseOAuth2, export: ExportRequest, access_token: str) -> str:
    """The cloud account's e-mail or login, or "" when the provider does not say."""
    try:
        info = backend.user_data(access_token) or {}
    except (SocialAuthBaseException, requests.RequestException) as e:
        # Only shown in the admin; the export does not need it.
        logger.info("export %s: user info unavailable: %s", export.pk, e)
        return ""
    return str(info.get("email") or info.get("default_email") or info.get("login") or "")
