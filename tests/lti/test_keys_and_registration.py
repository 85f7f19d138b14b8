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
