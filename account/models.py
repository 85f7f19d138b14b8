"""Quota tiers and users (CONTRACT section 1)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.db import models
from django.utils.deconstruct import deconstructible

MB = 1048576


def megabytes(size: int) -> str:
    """Bytes as MB with exactly three decimals, the unit of every quota message."""
    return f"{size / MB:.3f}"


class Account(models.Model):
    """A quota tier. Sizes are bytes in 64-bit columns (the seed's small ints overflowed at 32 KiB)."""

    title = models.CharField(max_length=50, unique=True)
    storage = models.PositiveBigIntegerField(help_text="Total bytes a user of this tier may store.")
    max_file_transfer = models.PositiveBigIntegerField(help_text="Largest single file in bytes.")

    class Meta:
        ordering = ["storage", "title"]

    def __str__(self) -> str:
        return self.title

    def limit_message(self) -> str:
        return f"You can't upload files more than {megabytes(self.max_file_transfer)} Megabytes!"


NOT_ENOUGH_SPACE = "You don't have enough space to upload this file!"


@dataclass(frozen=True)
class Refusal:
    """Why a file may not be stored: its kind for code, its text for people
    (CONTRACT section 1), and the HTTP status every API answers it with."""

    kind: Literal["too_large", "no_space"]
    text: str
    status: int = 413

    @classmethod
    def too_large(cls, account: Account) -> Refusal:
        return cls("too_large", account.limit_message())

    @classmethod
    def no_space(cls) -> Refusal:
        return cls("no_space", NOT_ENOUGH_SPACE)


@deconstructible
class FolderNameValidator(UnicodeUsernameValidator):
    """Django's username rule (letters, digits and ``@.+-_``: no separators or control
    characters), and no leading dot: a username names the user's storage folder,
    and ``.``, ``..`` or a hidden name would put files outside it or where
    maintenance treats them as temporary."""

    regex = r"^(?!\.)[\w.@+-]+\Z"
    message = (
        "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ "
        "characters, and may not start with a dot."
    )


def default_account_id() -> int:
    """The default tier's id; created on first use so a fresh database always has one."""
    tier, _ = Account.objects.get_or_create(
        title=settings.ACCOUNT_DEFAULT_TIER,
        defaults={"storage": 500 * MB, "max_file_transfer": 50 * MB},
    )
    return tier.pk


def _username_check(username: str) -> None:
    # create_user runs no model validation: scripts and tests must not make a user
    # whose name cannot be a folder either.
    User.username_validator(username)


def _with_default_tier(extra_fields: dict[str, Any]) -> dict[str, Any]:
    # createsuperuser and scripts name no tier: they get the default one.
    if "account" not in extra_fields and "account_id" not in extra_fields:
        extra_fields["account_id"] = default_account_id()
    return extra_fields


class TierUserManager(UserManager["User"]):
    # The two public entry points rather than the private _create_user they share,
    # which the stubs do not declare.
    def create_user(
        self, username: str, email: str | None = None, password: str | None = None, **extra_fields: Any
    ) -> User:
        _username_check(username)
        return super().create_user(username, email, password, **_with_default_tier(extra_fields))

    def create_superuser(
        self, username: str, email: str | None = None, password: str | None = None, **extra_fields: Any
    ) -> User:
        _username_check(username)
        return super().create_superuser(username, email, password, **_with_default_tier(extra_fields))


class User(AbstractUser):
    username_validator = FolderNameValidator()
    # AbstractUser's field, with the validator above.
    username = models.CharField(
        "username",
        max_length=150,
        unique=True,
        help_text=(
            "Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only; not starting with a dot."
        ),
        validators=[username_validator],
        error_messages={"unique": "A user with that username already exists."},
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="users")
    used_storage = models.PositiveBigIntegerField(default=0, help_text="Bytes stored, all APIs together.")
    reserved_storage = models.PositiveBigIntegerField(
        default=0, help_text="Bytes held for unfinished uploads whose size is known (resumable uploads)."
    )

    objects: ClassVar[TierUserManager] = TierUserManager()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(used_storage__gte=0), name="used_storage_not_negative"),
            models.CheckConstraint(
                condition=models.Q(reserved_storage__gte=0), name="reserved_storage_not_negative"
            ),
        ]

    @property
    def storage_left(self) -> int:
        """Space a new file may take: what unfinished uploads reserve counts as used."""
        return max(self.account.storage - self.used_storage - self.reserved_storage, 0)

    def upload_refusal(self, size: int) -> Refusal | None:
        """The one quota decision: may a file of ``size`` bytes be stored now?
        Every API asks this and formats the answer; none compares texts."""
        if size > self.account.max_file_transfer:
            return Refusal.too_large(self.account)
        if size > self.storage_left:
            return Refusal.no_space()
        return None
