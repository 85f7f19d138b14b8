"""File names in a user's space: kept as sent, refused when they could escape it."""

from __future__ import annotations

import html
import os
import re
import secrets
import string
import unicodedata

from upload_center.errors import InvalidFileName

MAX_NAME_BYTES = 255
SUFFIX_ALPHABET = string.ascii_letters + string.digits
SUFFIX_LENGTH = 7


def name_from_client(sent: str) -> str | None:
    """The file name to use for a name a client sent in a multipart body, or None
    when nothing is left (the part is then skipped, as a browser's empty file
    input is).

    As Django's parser does: HTML entities decoded, only the last path
    component kept (browsers on Windows send full paths), non-printable
    characters dropped. ``name_check`` judges what is left: unlike Django's
    parser, ``.`` and ``..`` are kept so that they get a refusal in the answer
    instead of vanishing from it.
    """
    name = html.unescape(sent).rsplit("/")[-1].rsplit("\\")[-1]
    name = "".join(char for char in name if char.isprintable())
    return name or None


def name_check(name: str) -> str:
    """Return ``name`` unchanged if it is safe as one path component, else raise.

    Unicode (Persian, Cyrillic, emoji) is fine; separators, NUL, control
    characters, dot-only names and names over 255 UTF-8 bytes (the limit of
    every common filesystem and of the index column) are not.
    """
    if not name or not name.strip():
        raise InvalidFileName("File name is empty.")
    if set(name) <= {"."}:
        raise InvalidFileName(f"{name} is not a valid file name.")
    if "/" in name or "\\" in name:
        raise InvalidFileName(f"{name} is not a valid file name: it contains a path separator.")
    if any(unicodedata.category(char) == "Cc" for char in name):
        raise InvalidFileName("File name contains control characters.")
    if len(name.encode()) > MAX_NAME_BYTES:
        raise InvalidFileName(f"File name is longer than {MAX_NAME_BYTES} bytes.")
    return name


def name_with_suffix(name: str) -> str:
    """``report.pdf`` -> ``report_k3J9aQ2.pdf``: a random suffix at the end of the stem."""
    stem, ext = _stem_fitting(name)
    return stem + "_" + "".join(secrets.choice(SUFFIX_ALPHABET) for _ in range(SUFFIX_LENGTH)) + ext


def name_is_suffixed(name: str, *, of: str) -> bool:
    """Whether ``name`` is a name that name_with_suffix makes of ``of``: ``report_k3J9aQ2.pdf``
    of ``report.pdf``, the name a re-upload is stored under when ``of`` is taken."""
    stem, ext = _stem_fitting(of)
    suffix = f"_[{re.escape(SUFFIX_ALPHABET)}]{{{SUFFIX_LENGTH}}}"
    return re.fullmatch(re.escape(stem) + suffix + re.escape(ext), name) is not None


def _stem_fitting(name: str) -> tuple[str, str]:
    """The stem and extension of ``name``, the stem trimmed by characters (never splitting
    one) until a suffix fits in MAX_NAME_BYTES with them."""
    stem, ext = os.path.splitext(name)
    room = MAX_NAME_BYTES - len(ext.encode()) - 1 - SUFFIX_LENGTH  # the suffix: "_" and ASCII letters
    while len(stem.encode()) > room:
        stem = stem[:-1]
    return stem, ext
