from __future__ import annotations

import pytest
from django.core.management import call_command

from account.models import Account, User

GiB = 1024**3


@pytest.mark.django_db
def test_migrate_creates_the_default_tiers() -> None:
    assert set(Account.objects.values_list("title", flat=True)) >= {"Free", "Pro", "Premium"}


@pytest.mark.django_db
def test_create_user_with_a_tier_as_the_contract_calls_it() -> None:
    tier = Account.objects.create(title="Gold", storage=5 * 1048576, max_file_transfer=1048576)
    user = User.objects.create_user(account=tier, username="kian", password="ak18")
    user.refresh_from_db()
    assert user.account == tier
    assert user.used_storage == 0
    assert user.check_password("ak18")


@pytest.mark.django_db
def test_a_user_created_without_a_tier_gets_the_default_tier() -> None:
    user = User.objects.create_user(username="nobody", password="x-secret-1")
    admin = User.objects.create_superuser(username="root", password="x-secret-2")
    assert user.account.title == "Free"
    assert admin.account.title == "Free"


@pytest.mark.django_db
def test_createsuperuser_command_gets_the_default_tier(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-secret-9")
    call_command("createsuperuser", "--no-input", username="boss", email="boss@example.com")
    assert User.objects.get(username="boss").account.title == "Free"


@pytest.mark.django_db
def test_byte_counts_above_2_gib_round_trip() -> None:
    tier = Account.objects.create(title="Huge", storage=5000 * GiB, max_file_transfer=64 * GiB)
    user = User.objects.create_user(account=tier, username="big", password="x-secret-3")
    User.objects.filter(pk=user.pk).update(used_storage=3 * GiB + 7)
    tier.refresh_from_db()
    user.refresh_from_db()
    assert tier.storage == 5000 * GiB
    assert tier.max_file_transfer == 64 * GiB
    assert user.used_storage == 3 * GiB + 7
    assert user.storage_left == 5000 * GiB - 3 * GiB - 7


def test_limit_message_shows_megabytes_with_three_decimals() -> None:
    assert (
        Account(max_file_transfer=1048576).limit_message()
        == "You can't upload files more than 1.000 Megabytes!"
    )
    assert (
        Account(max_file_transfer=1500000).limit_message()
        == "You can't upload files more than 1.431 Megabytes!"
    )


@pytest.mark.django_db
def test_ensure_demo_user_creates_and_resets_the_demo_user(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("ensure_demo_user", username="demo", password="first-pass-1")
    call_command("ensure_demo_user", username="demo", password="second-pass-2")
    user = User.objects.get(username="demo")
    assert user.check_password("second-pass-2")
    assert user.account.title == "Pro"
    assert "username=demo password=second-pass-2" in capsys.readouterr().out
