"""Moved to config.drf (and FIELD_ERRORS_SCHEMA to config.schema); kept only for
upload_center/apis.py until the merge updates its import."""

from __future__ import annotations

from config.drf import request_fields, request_user
from config.schema import FIELD_ERRORS_SCHEMA

__all__ = ["FIELD_ERRORS_SCHEMA", "request_fields", "request_user"]
