from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from lti.services import KEY_RETIRE_AFTER, keys_rotate


class Command(BaseCommand):
    help = (
        "Makes a new signing key for LTI. Older keys stay in /lti/jwks/ until "
        f"{KEY_RETIRE_AFTER} after they stopped signing; run it again later to drop them."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        key, retired = keys_rotate()
        self.stdout.write(f"New key {key}; {retired} retired key(s) left the key set.")
