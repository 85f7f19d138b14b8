"""Reads of the file index."""

from __future__ import annotations

import functools
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from account.models import User
from config.text import text_storable
from upload_center.models import StoredFile


def file_names(*, owner: User) -> list[str]:
    return sorted(StoredFile.objects.stored().filter(owner=owner).values_list("name", flat=True))


def files_newest_first(*, owner: User) -> QuerySet[StoredFile]:
    return StoredFile.objects.stored().filter(owner=owner).order_by("-created_at", "name")


@functools.cache
def _public_sql() -> str:
    """The statement of file_public, written once from the models' tables and columns.
    Compiling the same lookup through the ORM took about 1 ms of CPU per download,
    twenty times the query itself: most of what a whole class opening one link cost."""
    quote = connection.ops.quote_name
    files, users = StoredFile._meta, User._meta

    def column(alias: str, meta: Any, name: str) -> str:
        return f"{alias}.{quote(meta.get_field(name).column)}"

    fields = ("id", "owner", "name", "size", "sha256", "state", "s3_upload_id", "partial_name", "created_at")
    return (
        f"SELECT {', '.join(column('f', files, name) for name in fields)}"
        f" FROM {quote(files.db_table)} f INNER JOIN {quote(users.db_table)} u"
        f" ON {column('u', users, 'id')} = {column('f', files, 'owner')}"
        f" WHERE {column('u', users, 'username')} = %s"
        f" AND {column('f', files, 'name')} = %s AND {column('f', files, 'state')} = %s"
        f" AND {column('f', files, 'private')} = %s"
    )


def file_public(*, username: str, name: str) -> StoredFile | None:
    """A stored file by its public path; pending uploads, and private files (served
    only through their share links), are not visible. One query on
    the unique (owner, name) and username indexes; the owner comes with its username."""
    if not (text_storable(username) and text_storable(name)):  # raw SQL: no lookup to refuse them
        return None
    found = list(StoredFile.objects.raw(_public_sql(), [username, name, StoredFile.State.STORED, False]))
    if not found:
        return None
    row = found[0]
    # The rest of the owner is loaded only if read (the download needs its username alone).
    row.owner = User.from_db(row._state.db, ["id", "username"], [row.owner_id, username])
    return row
