from __future__ import annotations

import pytest
from django.test import Client

from account.models import Account, User

GiB = 1024**3


@pytest.fixture
def admin_client_(db: None) -> Client:
    admin = User.objects.create_superuser(username="root", password="x-secret-9")
    client = Client()
    client.force_login(admin)
    return client


def test_tier_list_shows_human_sizes_and_user_counts(admin_client_: Client) -> None:
    tier = Account.objects.create(title="School", storage=5 * GiB, max_file_transfer=512 * 1048576)
    for name in ("a", "b", "c"):
        User.objects.create_user(account=tier, username=name, password="x-secret-1")
    page = admin_client_.get("/admin/account/account/").content.decode()
    assert "School" in page
    assert "5.0\xa0GB" in page
    assert "512.0\xa0MB" in page
    assert '<td class="field-user_count">3</td>' in page


def test_user_list_shows_used_of_total(admin_client_: Client) -> None:
    tier = Account.objects.create(title="School", storage=5 * GiB, max_file_transfer=GiB)
    user = User.objects.create_user(account=tier, username="teacher", password="x-secret-1")
    User.objects.filter(pk=user.pk).update(used_storage=3 * GiB)
    page = admin_client_.get("/admin/account/user/").content.decode()
    assert "teacher" in page
    assert "3.0\xa0GB / 5.0\xa0GB" in page


def test_user_change_and_add_pages_render(admin_client_: Client) -> None:
    user = User.objects.create_user(username="teacher", password="x-secret-1")
    change = admin_client_.get(f"/admin/account/user/{user.pk}/change/")
    add = admin_client_.get("/admin/account/user/add/")
    assert change.status_code == 200
    assert "used_storage" in change.content.decode()
    assert add.status_code == 200
    # The default tier is preselected when adding a user by hand.
    free = Account.objects.get(title="Free")
    assert f'<option value="{free.pk}" selected>' in add.content.decode()
