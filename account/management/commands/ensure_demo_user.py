"""Makes sure the demo user of the README exists and prints how to log in."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from account.models import Account, User


class Command(BaseCommand):
    help = "Create (or reset the password of) the demo user and print its credentials."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--username", default="demo")
        parser.add_argument("--password", default="demo-password")
        parser.add_argument("--tier", default="Pro")

    def handle(self, *args: Any, username: str, password: str, tier: str, **options: Any) -> None:
        account = Account.objects.get(title=tier)
        user, created = User.objects.get_or_create(username=username, defaults={"account": account})
        user.set_password(password)
        user.save(update_fields=["password"])
        verb = "created" if created else "ready"
        self.stdout.write(f"Demo user {verb}: username={username} password={password} (tier {account})")
