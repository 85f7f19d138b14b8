"""Settings of server processes started by tests that log hundreds of users in: the
default PBKDF2 hasher spends most of a second of CPU on every login."""

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
