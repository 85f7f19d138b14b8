"""Platform registration with manage.py and the tool's key rotation."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone


@pytest.mark.django_db
def test_lti_platform_add_registers_a_platform_with_several_deployments() -> None:
    from lti_tool.models import Key, LtiRegistration

    out = StringIO()
    moodle = "https://moodle.school.example/mod/lti/"
    args = [
        "--issuer", "https://moodle.school.example", "--client-id", "abc",
        "--auth-url", moodle + "auth.php", "--token-url", moodle + "token.php",
        "--jwks-url", moodle + "certs.php",
        "--deployment-id", "1", "--deployment-id", "2",
    ]  # fmt: skip
    call_command("lti_platform_add", *args, stdout=out)
    call_command("lti_platform_add", *args, stdout=out)

    registration = LtiRegistration.objects.get()
    assert registration.keyset_url == "https://moodle.school.example/mod/lti/certs.php"
    assert sorted(
        registration.deployments.filter(is_active=True).values_list("deployment_id", flat=True)
    ) == ["1", "2"]
    assert Key.objects.count() == 1


@pytest.mark.django_db
def test_a_rotated_key_stays_published_until_nothing_it_signed_can_be_in_use() -> None:
    from lti_tool.models import Key

    from lti.services import KEY_RETIRE_AFTER, keys_rotate

    def published() -> list[str]:
        return [key["kid"] for key in Client().get("/lti/jwks/").json()["keys"]]

    call_command("lti_keys_rotate", stdout=StringIO())
    first = Key.objects.get()
    now = timezone.now()
    second, retired = keys_rotate(now=now)
    assert retired == 0
    assert sorted(published()) == sorted([str(first), str(second)])
    # The newest key signs.
    assert Key.objects.active().latest() == second

    # The first key signed until the second was made, a little less than KEY_RETIRE_AFTER ago.
    Key.objects.filter(pk=first.pk).update(datetime_created=now - 2 * KEY_RETIRE_AFTER)
    Key.objects.filter(pk=second.pk).update(datetime_created=now - KEY_RETIRE_AFTER + timedelta(minutes=1))
    third, retired = keys_rotate(now=now)
    assert retired == 0, "the first key stopped signing less than KEY_RETIRE_AFTER ago"

    _, retired = keys_rotate(now=now + timedelta(minutes=2))
    assert retired == 1
    assert str(first) not in published() and str(second) in published() and str(third) in published()


@pytest.mark.django_db
def test_the_admin_lists_platforms_keys_placements_states_scores_and_frame_origins(
    admin_client: Client,
) -> None:
    from lti.services import platform_register

    platform_register(
        issuer="https://lms.example", client_id="c", auth_url="https://lms.example/auth",
        token_url="https://lms.example/token", jwks_url="https://lms.example/jwks", deployment_ids=["1"],
        frame_origins=["https://school.lms.example/courses/1"],
    )  # fmt: skip
    for page in (
        "lti_tool/ltiregistration",
        "lti_tool/key",
        "lti/placement",
        "lti/launchstate",
        "lti/scorepost",
    ):
        assert admin_client.get(f"/admin/{page}/").status_code == 200, page
    answer = admin_client.get("/admin/lti/frameorigin/")
    assert answer.status_code == 200 and "https://school.lms.example" in answer.text
