"""Quota reservations: space held for an upload whose size is known before its bytes
arrive (a resumable upload's ``Upload-Length``), so parallel uploads cannot together
promise more than the tier holds."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from account.models import Refusal, User


def _owner_locked(owner_id: int) -> User:
    # The user's row lock orders every quota change of one user (any process):
    # two reservations, or a reservation and a settle, cannot spend the same free bytes.
    # of=("self",) leaves the shared tier row unlocked.
    return User.objects.select_for_update(of=("self",)).select_related("account").get(pk=owner_id)


def owner_locked(*, owner_id: int) -> User:
    """The user's row, locked until the caller's transaction ends; every change of
    ``used_storage`` or ``reserved_storage`` (settling, deleting, reserving) takes it."""
    return _owner_locked(owner_id)


def space_reserve(*, owner_id: int, size: int) -> Refusal | None:
    """Hold ``size`` bytes for an upload; the refusal when they are not free."""
    with transaction.atomic():
        refusal = _owner_locked(owner_id).upload_refusal(size)
        if refusal is None:
            User.objects.filter(pk=owner_id).update(reserved_storage=F("reserved_storage") + size)
    return refusal


def space_release(*, owner_id: int, size: int) -> None:
    """Give back a reservation (the upload was terminated or expired)."""
    with transaction.atomic():
        _owner_locked(owner_id)
        User.objects.filter(pk=owner_id).update(reserved_storage=F("reserved_storage") - size)


def reservation_charge(*, owner_id: int, reserved: int, size: int) -> None:
    """Turn a reservation into stored bytes, in the caller's transaction (which
    also marks the file stored), so the two never disagree."""
    with transaction.atomic():
        _owner_locked(owner_id)
        User.objects.filter(pk=owner_id).update(
            reserved_storage=F("reserved_storage") - reserved, used_storage=F("used_storage") + size
        )
