"""Text the database cannot hold, kept from every query by one rule.

PostgreSQL refuses a NUL byte in a text parameter, and a lone surrogate (which a JSON
``\\ud800`` escape or a file name read from disk can carry) cannot be encoded to send at
all: either was a 500 wherever client text reached a query. Since no stored text can
contain them, a lookup by such a value matches no row, and the lookups below answer
so without a query. Every ``filter(name=...)``, ``get(pk=...)`` or ``name__in`` on a
text column gets this: URL parts, query strings, bodies, cookies (a session key) and
logins (Django's ``ModelBackend``) alike, so each view answers its own "unknown"
(404, a failed login) as for any other missing thing. Raw SQL asks ``text_storable``
itself. Text that is to be stored is refused where it comes in instead: DRF's
``CharField`` validators, ``name_check`` for file names, tus metadata, and
``config.drf.JSONParser`` for lone surrogates (JSON is the one way they arrive).
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import CharField, TextField
from django.db.models.lookups import Exact, In
from django.db.models.sql.compiler import SQLCompiler

_SURROGATE = re.compile("[\ud800-\udfff]")


def text_encodable(value: str) -> bool:
    """Whether ``value`` is Unicode text that UTF-8 can encode: no lone surrogate."""
    return _SURROGATE.search(value) is None


def text_storable(value: str) -> bool:
    """Whether a text column can hold ``value``: encodable, and no NUL byte."""
    return "\x00" not in value and text_encodable(value)


def _unstorable(value: Any) -> bool:
    return isinstance(value, str) and not text_storable(value)


class StorableExact(Exact):
    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> Any:
        if _unstorable(self.rhs):
            raise EmptyResultSet  # Django then sends no query: the filter matches nothing
        return super().as_sql(compiler, connection)


class StorableIn(In):
    def get_prep_lookup(self) -> Any:
        values = super().get_prep_lookup()
        if not isinstance(values, list):  # a subquery or expressions: nothing from a client
            return values
        # As In drops None (never equal to anything); an empty list then matches nothing.
        return [value for value in values if not _unstorable(value)]


def text_lookups_register() -> None:
    for field in (CharField, TextField):
        field.register_lookup(StorableExact)
        field.register_lookup(StorableIn)
