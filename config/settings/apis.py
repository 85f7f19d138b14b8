"""REST framework, the OpenAPI document, and CORS for the gallery's /cloud_archive."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from config.settings.env import env, web_url

# --- REST framework, OpenAPI, CORS ----------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "account.authentication.TierTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON without lone surrogates (config.drf.JSONParser); views that name their parsers use it too.
    "DEFAULT_PARSER_CLASSES": [
        "config.drf.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "config.schema.ProjectAutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Upload Center",
    "DESCRIPTION": "LMS upload center (/fm/), web drive and cloud export.",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
    # Request bodies get their own components, so uploads are binary there (not URLs).
    "COMPONENT_SPLIT_REQUEST": True,
    # The drive envelope's "status": "ok" on success, a code on errors.
    "ENUM_NAME_OVERRIDES": {
        "DriveOkStatusEnum": ["ok"],
        "DriveErrorStatusEnum": "drive.envelope.ERROR_STATUSES",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.schema.add_plain_views_and_tags",
        "tus.schema.add_tus_paths",
    ],
}

GALLERY_API_BASE = web_url("GALLERY_API_BASE", "https://app.litegallery.io")
CLOUD_ARCHIVE_ALLOWED_REDIRECT_HOSTS = env.list(
    "CLOUD_ARCHIVE_ALLOWED_REDIRECT_HOSTS", default=[urlsplit(GALLERY_API_BASE).hostname]
)
CORS_ALLOWED_ORIGIN_REGEXES = [
    r"^https?://" + re.escape(host) + r"(:\d+)?$" for host in CLOUD_ARCHIVE_ALLOWED_REDIRECT_HOSTS
]
CORS_URLS_REGEX = r"^/cloud_archive$"
