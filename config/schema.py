"""The OpenAPI document at /docs/json: one group per API, and the plain Django
views (probes, the OAuth round trip) that drf-spectacular cannot see."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema

from upload_center.errors import file_missing_text

# OpenAPI schema of DRF's validation answers: each field's name with its messages
# (a nested object for nested fields), `non_field_errors`, or `detail` for a body
# that could not be parsed.
FIELD_ERRORS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": 'DRF\'s validation errors: `{"<field>": ["<message>"]}`, or `{"detail": "<message>"}`.',
}

UPLOAD_CENTER, DRIVE, EXPORT, OPERATIONS = "upload center", "drive", "export", "operations"

TAGS = [
    {"name": UPLOAD_CENTER, "description": "The LMS upload center at `/fm/` (token or session auth)."},
    {"name": DRIVE, "description": "The web drive's JSON API (session cookie from `/core.login`)."},
    {
        "name": EXPORT,
        "description": "Cloud export: the gallery's `/cloud_archive`, the drive's export, OAuth.",
    },
    {"name": OPERATIONS, "description": "Probes for load balancers and orchestrators."},
]


def path_tag(path: str) -> str:
    if path.startswith("/fm/"):
        return UPLOAD_CENTER
    if path.startswith(("/cloud_archive", "/cloud_export")):
        return EXPORT
    if path in {"/healthz", "/readyz"}:
        return OPERATIONS
    return DRIVE


class ProjectAutoSchema(AutoSchema):
    def get_tags(self) -> list[str]:
        # drf-spectacular's default, the path's first part, gives each drive path its own group.
        return [path_tag(self.path)]

    def _get_request_body(self, direction: str = "request") -> Any:
        body = self._request_body(direction)
        if body and path_tag(self.path) == DRIVE:
            # The drive refuses a state-changing call without a JSON body or X-Upload-Id
            # (config.security.form_post_refuse), so its bodies are never optional.
            body["required"] = True
        return body

    def _request_body(self, direction: str) -> Any:
        # drf-spectacular describes bodies of POST, PUT and PATCH only; DELETE /fm/manager/ takes one.
        if self.method != "DELETE":
            return super()._get_request_body(direction)
        self.method = "POST"
        try:
            return super()._get_request_body(direction)
        finally:
            self.method = "DELETE"


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_TEXT = {"content": {"text/plain": {"schema": {"type": "string"}}}}
_BINARY = {"content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}}
_REDIRECT = {"description": "", "headers": {"Location": {"schema": {"type": "string"}, "required": True}}}
_STATUS = {"type": "string", "enum": ["ok"]}
_STATUS_OK = {"type": "object", "properties": {"status": _STATUS}, "required": ["status"]}
_READY = {
    "type": "object",
    "properties": {"status": _STATUS, "checks": {"type": "array", "items": {"type": "string"}}},
    "required": ["status", "checks"],
}

PLAIN_VIEWS: dict[str, dict[str, Any]] = {
    # A plain Django view (upload_center/views.py), as DRF documented it before.
    "/fm/download/{username}/{filename}": {
        "get": {
            "operationId": "fm_download_retrieve",
            "description": "Public: links are pasted into class pages. Range, ETag and 304 supported.",
            "parameters": [
                {"in": "path", "name": name, "schema": {"type": "string"}, "required": True}
                for name in ("filename", "username")
            ],
            "responses": {
                "200": {**_BINARY, "description": "The file; its type guessed from its name."},
                "206": {**_BINARY, "description": "The byte range a `Range` header asked for."},
                "302": {"description": "With `DOWNLOAD_OFFLOAD=s3-redirect`: to a short-lived S3 link."},
                "304": {"description": "Not modified since `If-None-Match` / `If-Modified-Since`."},
                "404": {
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Detail"}}},
                    "description": f"`{file_missing_text('<filename>')}`",
                },
                "416": {"description": "The `Range` lies outside the file."},
            },
        }
    },
    "/healthz": {
        "get": {
            "operationId": "healthz",
            "description": "200 while the process lives.",
            "responses": {"200": _json(_STATUS_OK, "alive")},
        }
    },
    "/readyz": {
        "get": {
            "operationId": "readyz",
            "description": "200 only when the database, channel layer, broker and storage are reachable.",
            "responses": {
                "200": _json(_READY, "ready"),
                "503": _json(
                    {
                        "type": "object",
                        "properties": {
                            "status": {"type": "string", "enum": ["unavailable"]},
                            "failing": {"type": "object", "additionalProperties": {"type": "string"}},
                        },
                        "required": ["status", "failing"],
                    },
                    "the failing parts, each with its error",
                ),
            },
        }
    },
    "/cloud_archive/start/{token}": {
        "get": {
            "operationId": "cloud_archive_start",
            "description": (
                "The single-use `redirect_to` link of `POST /cloud_archive`: on to the cloud's consent page, "
                "or to `redirect_fail_link` when the link was used or has expired."
            ),
            "parameters": [{"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {
                "302": {**_REDIRECT, "description": "to the consent page, or to the fail link"},
                "400": {**_TEXT, "description": "`This export link is not valid.` (an unknown link)"},
            },
        }
    },
    "/cloud_archive/callback": {
        "get": {
            "operationId": "cloud_archive_callback",
            "description": (
                "Where the cloud's OAuth consent returns: the export is queued and the browser sent to "
                "`redirect_success_link`, or to `redirect_fail_link`. Register this URL with both OAuth apps."
            ),
            "parameters": [
                {
                    "name": name,
                    "in": "query",
                    "required": False,
                    "schema": {"type": "string"},
                    "description": text,
                }
                for name, text in (
                    ("state", "the export request's secret, as sent to the consent page"),
                    ("code", "the authorization code"),
                    ("error", "set when consent was refused"),
                )
            ],
            "responses": {
                "302": {**_REDIRECT, "description": "to the success or the fail link"},
                "400": {**_TEXT, "description": "`This export link is not valid.` (no request matches)"},
            },
        }
    },
}


def add_plain_views_and_tags(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """POSTPROCESSING_HOOKS entry: the Django views without a DRF schema (no auth
    needed), and the groups in the order Swagger UI shows them."""
    result["tags"] = TAGS
    for path, operations in PLAIN_VIEWS.items():
        result["paths"][path] = {
            method: {**operation, "tags": [path_tag(path)], "security": [{}]}
            for method, operation in operations.items()
        }
    result["paths"] = dict(sorted(result["paths"].items()))
    return result
