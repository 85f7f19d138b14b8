"""Reads of the file index."""

from __future__ import annotations

import functools
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import QuerySet

from account.models import User
from config.text import text_storable
from upload_center.models import StoredFile


def file_names(*, owner: User) -> list[str]:
    return sorted(StoredFile.objects.stored().filter(owner=owner).values_list("name", flat=True))


def files_newest_first(*, owner: User) -> QuerySet[StoredFile]:
    return StoredFile.objects.stored().filter(owner=owner).order_by("-created_at", "name")


def file_owned(*, owner: User, name: str) -> StoredFile | None:
    """The owner's stored file of that name, public or private (the owner reaches both)."""
    return StoredFile.objects.stored().select_related("owner").filter(owner=owner, name=name).first()


# In the model's field order: Model.from_db takes the values of a partial row so.
_PUBLIC_FIELDS = (
    *("id", "owner", "name", "size", "sha256"),
    *("state", "s3_upload_id", "partial_name", "created_at", "storage_name"),
)


@functools.cache
def _public_sql() -> str:
    """The statement of file_public, written once from the models' tables and columns.
    Compiling the same lookup through the ORM took about 1 ms of CPU per download,
    twenty times the query itself: most of what a whole class opening one link cost."""
    quote = connection.ops.quote_name
    files, users = StoredFile._meta, User._meta

    def column(alias: str, meta: Any, name: str) -> str:
        return f"{alias}.{quote(meta.get_field(name).column)}"

    return (
        f"SELECT {', '.join(column('f', files, name) for name in _PUBLIC_FIELDS)}"
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
    db = connections[DEFAULT_DB_ALIAS]  # looked up once: each use of the proxy looks again
    with db.cursor() as cursor:
        cursor.execute(_public_sql(), [username, name, StoredFile.State.STORED, False])
        found = cursor.fetchone()
    if found is None:
        return None
    # Converted as the ORM converts them (a datetime from SQLite's text, say), without a
    # RawQuerySet: building one cost more CPU than the query (bench/class_load.py (f)).
    attnames, converted = _public_columns(db.alias)
    values = list(found)
    for i, expression, converters in converted:
        for convert in converters:
            values[i] = convert(values[i], expression, db)
    row = StoredFile.from_db(db.alias, attnames, values)
    # The rest of the owner is loaded only if read (the download needs its username alone).
    row.owner = User.from_db(db.alias, ["id", "username"], [row.owner_id, username])
    return row


@functools.cache
def _public_columns(alias: str) -> tuple[list[str], list[tuple[int, Any, list[Any]]]]:
    """The attribute names of file_public's columns, and the position, expression and
    converters of each column that has any on the database ``alias`` (as the ORM finds
    them for its own queries). Kept once per alias, though found on one thread's
    connection: a converter is given the connection to use, and only reads settings
    from its own (the time zone)."""
    db = connections[alias]
    fields: list[Any] = [StoredFile._meta.get_field(name) for name in _PUBLIC_FIELDS]
    converted = []
    for i, field in enumerate(fields):
        col = field.get_col(StoredFile._meta.db_table)
        if converters := db.ops.get_db_converters(col) + col.get_db_converters(db):
            converted.append((i, col, converters))
    return [field.attname for field in fields], converted
