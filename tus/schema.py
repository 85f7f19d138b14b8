"""The /tus/ operations in the OpenAPI document (/docs/json), written by hand: tus speaks
in headers, which the views' code does not show drf-spectacular, and drf-spectacular
leaves HEAD and OPTIONS out. Added by the POSTPROCESSING_HOOKS entry below."""

from __future__ import annotations

from typing import Any

from config.schema import UPLOAD_CENTER
from tus.headers import OFFSET_STREAM, VERSION

# Grouped with /fm/: one more way to put files into the same space (the groups are fixed).
TAG = UPLOAD_CENTER
_AUTH: list[dict[str, list[str]]] = [{"tokenAuth": []}, {"cookieAuth": []}]


def _header(name: str, schema: dict[str, Any], description: str, *, required: bool = True) -> dict[str, Any]:
    return {"name": name, "in": "header", "required": required, "schema": schema, "description": description}


_VERSION = _header("Tus-Resumable", {"type": "string", "enum": [VERSION]}, "The protocol version.")
_SIZE = {"type": "integer", "minimum": 0, "maximum": 2**63 - 1}
_UPLOAD_ID = {"name": "upload_id", "in": "path", "required": True, "schema": {"type": "string"}}
_OUT = {"schema": {"type": "string"}}
_DETAIL = {
    "content": {
        "application/json": {
            "schema": {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]}
        }
    }
}


def _answer(description: str, *, body: bool = True, **headers: bool) -> dict[str, Any]:
    """A response with a ``{"detail"}`` body (unless ``body`` is off) and the named headers
    (``Upload_Offset=True``: required)."""
    answer: dict[str, Any] = {
        "description": description,
        "headers": {
            "Tus-Resumable": {**_OUT, "required": True},
            **{name.replace("_", "-"): {**_OUT, "required": needed} for name, needed in headers.items()},
        },
    }
    return {**answer, **_DETAIL} if body else answer


def _errors(*statuses: int, body: bool = True) -> dict[str, Any]:
    texts = {
        400: "A header is missing or malformed, the file name is refused, or the body is too long.",
        401: "Not logged in: no token or session, or a wrong one.",
        404: "No such upload of the caller's: unknown, another user's, or expired.",
        409: "Upload-Offset is not the upload's offset, or another request is writing to it.",
        412: "Tus-Resumable is missing or not 1.0.0 (the answer's Tus-Version lists what is).",
        413: "Over the tier's file limit, or not enough space left (the quota's texts).",
        415: f"The body is not sent as {OFFSET_STREAM}.",
        460: "The body does not match its Upload-Checksum; nothing was appended.",
        503: "Storage is unavailable; nothing was stored.",
    }
    return {str(status): _answer(texts[status], body=body) for status in statuses}


_OPTIONS = {
    "operationId": "tus_options",
    "description": "What the server supports (no auth).",
    "security": [{}],
    "responses": {
        "204": _answer(
            "tus capabilities",
            body=False,
            Tus_Version=True,
            Tus_Extension=True,
            Tus_Checksum_Algorithm=True,
            Tus_Max_Size=True,
        )
    },
}
_CREATE = {
    "operationId": "tus_create",
    "description": (
        "Create an upload of `Upload-Length` bytes; `Upload-Metadata` carries `filename` (base64) and may "
        f"carry `filetype`. A body sent as `{OFFSET_STREAM}` holds its first bytes (creation-with-upload)."
    ),
    "parameters": [
        _VERSION,
        _header("Upload-Length", _SIZE, "The file's size in bytes."),
        _header(
            "Upload-Metadata", {"type": "string"}, "`filename <base64>`, optionally `,filetype <base64>`."
        ),
    ],
    "requestBody": {
        "required": False,
        "content": {OFFSET_STREAM: {"schema": {"type": "string", "format": "binary"}}},
    },
    "responses": {
        "201": _answer("created", body=False, Location=True, Upload_Expires=True, Upload_Offset=False),
        **_errors(400, 401, 412, 413, 503),
    },
}
_HEAD = {
    "operationId": "tus_offset",
    "description": "The upload's offset and length.",
    "parameters": [_UPLOAD_ID, _VERSION],
    "responses": {
        "200": _answer(
            "the upload's state",
            body=False,
            Upload_Offset=True,
            Upload_Length=True,
            Cache_Control=True,
            Upload_Expires=False,
        ),
        **_errors(401, 404, 412, body=False),
    },
}
_PATCH = {
    "operationId": "tus_append",
    "description": "Append the body at `Upload-Offset`; the last byte stores the file as `/fm/upload/` does.",
    "parameters": [
        _UPLOAD_ID,
        _VERSION,
        _header("Upload-Offset", _SIZE, "Where the body goes: the upload's current offset."),
        _header(
            "Upload-Checksum", {"type": "string"}, "`<sha1|md5|sha256> <base64 digest>`.", required=False
        ),
    ],
    "requestBody": {
        "required": True,
        "content": {OFFSET_STREAM: {"schema": {"type": "string", "format": "binary"}}},
    },
    "responses": {
        "204": _answer("appended", body=False, Upload_Offset=True, Upload_Expires=False),
        **_errors(400, 401, 404, 409, 412, 415, 460, 503),
    },
}
_DELETE = {
    "operationId": "tus_terminate",
    "description": "Terminate the upload: its bytes and its quota reservation go.",
    "parameters": [_UPLOAD_ID, _VERSION],
    "responses": {"204": _answer("terminated", body=False), **_errors(401, 404, 409, 412)},
}


def add_tus_paths(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """POSTPROCESSING_HOOKS entry (after the project's own, which sorts the paths)."""
    tagged = {"tags": [TAG]}
    result["paths"]["/tus/"] = {
        "options": {**_OPTIONS, **tagged},
        "post": {**_CREATE, **tagged, "security": _AUTH},
    }
    result["paths"]["/tus/{upload_id}"] = {
        method: {**operation, **tagged, "security": _AUTH}
        for method, operation in (("head", _HEAD), ("patch", _PATCH), ("delete", _DELETE))
    }
    return result
