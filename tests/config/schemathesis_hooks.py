"""Loaded by schemathesis (SCHEMATHESIS_HOOKS, set by test_schema_fuzzing.py)."""

import schemathesis

# tus (PATCH /tus/{upload_id}, creation-with-upload) sends raw bytes under its own media type.
schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")
