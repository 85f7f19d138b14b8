"""Writes of the LTI door: platforms registered, keys rotated, launches accepted, items placed."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

import requests
from django.contrib.auth import login
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import slugify
from lti_tool.models import Key, LtiContext, LtiDeployment, LtiLaunch, LtiRegistration, LtiUser
from lti_tool.utils import sync_data_from_launch
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.deep_link import DeepLink
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.exception import LtiServiceException
from pylti1p3.grade import Grade

from account.models import User
from cloud_export.retry import status_is_transient
from lti.clients import PlatformConnector
from lti.errors import LaunchRejected, ScoreNotPosted
from lti.models import FrameOrigin, Placement, ScorePost
from lti.tool import CLAIM, Launch
from sharing.models import FileRequest
from upload_center.models import StoredFile

SESSION_KEY = "lti_launches"
DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
OWNER_ROLES = frozenset(
    f"{LIS}{kind}#{role}"
    for kind in ("membership", "institution/person")
    for role in ("Instructor", "Administrator")
)
# What the tool signs (a Deep Linking response lives 10 minutes, a client assertion one)
# may still be checked this long after its key stopped signing; platforms also cache key sets.
KEY_RETIRE_AFTER = timedelta(hours=2)
# A browser session holds this many launches (one per LMS tab or iframe), the newest kept.
LAUNCHES_KEPT = 20


@dataclass
class LaunchFacts:
    """What a page after the launch needs to know of it, kept in the browser's session."""

    registration_pk: int
    deployment_id: str
    context_pk: int | None
    sub: str
    name: str
    is_owner: bool
    message_type: str
    deep_linking_settings: dict[str, Any] = field(default_factory=dict)
    placement_token: str = ""
    resource_link_id: str = ""
    memberships_url: str = ""
    ags_endpoint: dict[str, Any] = field(default_factory=dict)

    @property
    def is_deep_linking(self) -> bool:
        return self.message_type == "LtiDeepLinkingRequest"


def roles_are_owner(roles: list[str]) -> bool:
    """Instructor and Administrator (context or institution roles) act as owners; others as learners."""
    return any(role in OWNER_ROLES for role in roles)


def platform_register(
    *,
    issuer: str,
    client_id: str,
    auth_url: str,
    token_url: str,
    jwks_url: str,
    deployment_ids: list[str],
    name: str = "",
    frame_origins: list[str] | None = None,
) -> LtiRegistration:
    """Registers (or updates) a platform and its deployments; makes the tool's first key if it has none."""
    with transaction.atomic():
        registration, _ = LtiRegistration.objects.update_or_create(
            issuer=issuer,
            client_id=client_id,
            defaults={
                "name": name or issuer,
                "auth_url": auth_url,
                "token_url": token_url,
                "keyset_url": jwks_url,
                "is_active": True,
            },
        )
        for deployment_id in deployment_ids:
            LtiDeployment.objects.update_or_create(
                registration=registration, deployment_id=deployment_id, defaults={"is_active": True}
            )
        frame_origins_add(registration_pk=registration.pk, urls=frame_origins or [])
        if not Key.objects.active().exists():
            Key.objects.generate()
    return registration


def frame_origins_add(*, registration_pk: int, urls: list[str]) -> None:
    """Lets the origins of ``urls`` frame the tool for this platform."""
    # Imported here: selectors import this module's LaunchFacts.
    from lti.selectors import origin_of

    origins = {origin_of(url) for url in urls} - {""}
    FrameOrigin.objects.bulk_create(
        [FrameOrigin(registration_id=registration_pk, origin=origin) for origin in origins],
        ignore_conflicts=True,
    )


def keys_rotate(*, now: datetime | None = None) -> tuple[Key, int]:
    """A new signing key; keys that stopped signing more than KEY_RETIRE_AFTER ago leave the key set.
    Returns the new key and how many left."""
    now = now or timezone.now()
    with transaction.atomic():
        new_key = Key.objects.generate()
        # A key stopped signing when the next newer key was made.
        keys = list(Key.objects.active().order_by("datetime_created"))
        retired = [
            older.pk
            for older, newer in zip(keys, keys[1:], strict=False)
            if newer.datetime_created < now - KEY_RETIRE_AFTER
        ]
        Key.objects.filter(pk__in=retired).update(is_active=False)
    return new_key, len(retired)


def _safe_username(*, issuer: str, sub: str, name: str) -> str:
    # Letters of the name for people to read, a hash of (iss, sub) for uniqueness; both
    # fit the folder-safe username rule.
    digest = hashlib.sha256(f"{issuer}\0{sub}".encode()).hexdigest()[:12]
    readable = slugify(name)[:40] or "lti"
    return f"{readable}-{digest}"


def account_for_launch(*, lti_user: LtiUser, issuer: str, sub: str, name: str) -> User:
    """The account bound to (iss, sub); created on the first launch with the default tier."""
    if lti_user.auth_user_id is not None:
        return lti_user.auth_user
    # Another registration of the same issuer (a second client id) may have bound it already.
    bound = (
        LtiUser.objects.filter(registration__issuer=issuer, sub=sub, auth_user__isnull=False)
        .select_related("auth_user")
        .first()
    )
    username = _safe_username(issuer=issuer, sub=sub, name=name)
    user = bound.auth_user if bound else User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(username=username, first_name=name[:150])
    LtiUser.objects.filter(pk=lti_user.pk).update(auth_user=user)
    return user


def launch_accept(*, request: HttpRequest) -> tuple[str, LaunchFacts]:
    """Validates the platform's form post, signs the browser in as the bound account and
    keeps the launch's facts in its session. Raises LaunchRejected, leaving no session."""
    launch = Launch(request)
    launch.validate()
    body: dict[str, Any] = dict(launch.get_launch_data())
    lti_launch = LtiLaunch(launch)
    sync_data_from_launch(lti_launch)
    context = LtiContext.objects.filter(
        deployment=launch.deployment, id_on_platform=(body.get(CLAIM + "context") or {}).get("id", "")
    ).first()
    name = body.get("name") or " ".join(filter(None, [body.get("given_name"), body.get("family_name")]))
    user = account_for_launch(lti_user=lti_launch.user, issuer=body["iss"], sub=body["sub"], name=name)
    custom = body.get(CLAIM + "custom") or {}
    facts = LaunchFacts(
        registration_pk=launch.lti_registration.pk,
        deployment_id=launch.deployment.deployment_id,
        context_pk=context.pk if context else None,
        sub=body["sub"],
        name=name or body["sub"],
        is_owner=roles_are_owner(body.get(CLAIM + "roles") or []),
        message_type=body[CLAIM + "message_type"],
        deep_linking_settings=body.get(DL_CLAIM) or {},
        placement_token=str(custom.get("placement", "")),
        resource_link_id=(body.get(CLAIM + "resource_link") or {}).get("id", ""),
        memberships_url=(body.get(NRPS_CLAIM) or {}).get("context_memberships_url", ""),
        ags_endpoint=body.get(AGS_CLAIM) or {},
    )
    # The course page that framed this launch, where the platform sends its users back.
    return_urls = [(body.get(CLAIM + "launch_presentation") or {}).get("return_url", "")]
    return_urls.append(facts.deep_linking_settings.get("deep_link_return_url", ""))
    frame_origins_add(registration_pk=facts.registration_pk, urls=[url for url in return_urls if url])
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    launch_id = uuid.uuid4().hex
    launches = dict(request.session.get(SESSION_KEY, {}))
    launches[launch_id] = asdict(facts)
    request.session[SESSION_KEY] = dict(list(launches.items())[-LAUNCHES_KEPT:])
    return launch_id, facts


def launch_facts(*, request: HttpRequest, launch_id: str) -> LaunchFacts:
    """The facts of one launch of this browser session (with no id: its newest Deep Linking
    launch, as a picker's POST names none); LaunchRejected when it has none."""
    launches = request.session.get(SESSION_KEY, {})
    if not launch_id:
        deep_linking = [
            key for key, facts in launches.items() if facts["message_type"] == "LtiDeepLinkingRequest"
        ]
        launch_id = deep_linking[-1] if deep_linking else ""
    stored = launches.get(launch_id)
    if stored is None or not request.user.is_authenticated:
        raise LaunchRejected(
            "This page belongs to a launch this browser did not make; open it from the course again.",
            status=403,
        )
    return LaunchFacts(**stored)


def placement_create(
    *,
    facts: LaunchFacts,
    owner: User,
    file: StoredFile | None = None,
    file_request: FileRequest | None = None,
) -> Placement:
    """Places one of the owner's files or file requests in the launch's course."""
    title = file.name if file is not None else file_request.title if file_request is not None else ""
    return Placement.objects.create(
        registration_id=facts.registration_pk,
        owner=owner,
        context_id=facts.context_pk,
        file=file,
        file_request=file_request,
        title=title,
    )


def deep_link_response(*, facts: LaunchFacts, placement: Placement, launch_url: str) -> tuple[str, str]:
    """The signed LtiDeepLinkingResponse JWT placing ``placement`` and the URL it is posted to."""
    registration = LtiRegistration.objects.get(pk=facts.registration_pk).to_registration()
    custom = {"placement": placement.token}
    if placement.file is not None:
        custom["file"] = placement.file.name
    else:
        custom["file_request"] = str(placement.file_request_id)
    resource = DeepLinkResource().set_url(launch_url).set_title(placement.title).set_custom_params(custom)
    deep_link = DeepLink(registration, facts.deployment_id, facts.deep_linking_settings)  # type: ignore[arg-type]
    return deep_link.get_response_jwt([resource]), facts.deep_linking_settings["deep_link_return_url"]


def score_queue(*, facts: LaunchFacts) -> ScorePost | None:
    """Keeps a "Submitted / PendingManual" score for the launch's line item and posts it from
    Celery once committed; None when the launch carries no line item with the score scope."""
    endpoint = facts.ags_endpoint
    if not endpoint.get("lineitem") or SCORE_SCOPE not in endpoint.get("scope", []):
        return None
    score = ScorePost.objects.create(
        registration_id=facts.registration_pk, endpoint=endpoint, user_sub=facts.sub
    )
    from lti.tasks import score_post_task  # tasks import this module

    transaction.on_commit(lambda: score_post_task.delay(score.pk))
    return score


def score_send(*, score_id: int) -> None:
    """Posts one kept score with a client-credentials token; ScoreNotPosted says whether to retry."""
    score = ScorePost.objects.select_related("registration").get(pk=score_id)
    if score.posted_at is not None:
        return  # a redelivered task
    grade = (
        Grade()
        .set_user_id(score.user_sub)
        .set_activity_progress("Submitted")
        .set_grading_progress("PendingManual")
        .set_timestamp(score.timestamp.isoformat())
    )
    ScorePost.objects.filter(pk=score.pk).update(attempts=F("attempts") + 1)
    try:
        AssignmentsGradesService(PlatformConnector(score.registration), score.endpoint).put_grade(grade)
    except LtiServiceException as e:
        ScorePost.objects.filter(pk=score.pk).update(error=str(e)[:2000])
        raise ScoreNotPosted(str(e), retry=status_is_transient(e.response.status_code)) from e
    except requests.RequestException as e:
        ScorePost.objects.filter(pk=score.pk).update(error=repr(e)[:2000])
        raise ScoreNotPosted(repr(e), retry=True) from e
    ScorePost.objects.filter(pk=score.pk).update(posted_at=timezone.now(), error="")
