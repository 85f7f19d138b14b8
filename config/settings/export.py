"""Cloud export: OAuth clients and provider URLs, token encryption, and the runner's limits."""

from __future__ import annotations

import base64
import hashlib

from django.core.exceptions import ImproperlyConfigured

from config.settings.core import DEBUG, SECRET_KEY
from config.settings.env import env, web_url

# --- OAuth (social-auth-app-django) ---------------------------------------------
GOOGLE_OAUTH_CLIENT_ID = env.str("GOOGLE_OAUTH_CLIENT_ID", default="")
GOOGLE_OAUTH_CLIENT_SECRET = env.str("GOOGLE_OAUTH_CLIENT_SECRET", default="")
GOOGLE_OAUTH_AUTHORIZE_URL = web_url(
    "GOOGLE_OAUTH_AUTHORIZE_URL", "https://accounts.google.com/o/oauth2/v2/auth"
)
GOOGLE_OAUTH_TOKEN_URL = web_url("GOOGLE_OAUTH_TOKEN_URL", "https://oauth2.googleapis.com/token")
GOOGLE_OAUTH_USERINFO_URL = web_url(
    "GOOGLE_OAUTH_USERINFO_URL", "https://www.googleapis.com/oauth2/v3/userinfo"
)
GOOGLE_DRIVE_API_BASE = web_url("GOOGLE_DRIVE_API_BASE", "https://www.googleapis.com/drive/v3")
GOOGLE_DRIVE_UPLOAD_BASE = web_url("GOOGLE_DRIVE_UPLOAD_BASE", "https://www.googleapis.com/upload/drive/v3")
YANDEX_OAUTH_CLIENT_ID = env.str("YANDEX_OAUTH_CLIENT_ID", default="")
YANDEX_OAUTH_CLIENT_SECRET = env.str("YANDEX_OAUTH_CLIENT_SECRET", default="")
YANDEX_OAUTH_AUTHORIZE_URL = web_url("YANDEX_OAUTH_AUTHORIZE_URL", "https://oauth.yandex.ru/authorize")
YANDEX_OAUTH_TOKEN_URL = web_url("YANDEX_OAUTH_TOKEN_URL", "https://oauth.yandex.ru/token")
YANDEX_OAUTH_USERINFO_URL = web_url("YANDEX_OAUTH_USERINFO_URL", "https://login.yandex.ru/info")
YANDEX_DISK_API_BASE = web_url("YANDEX_DISK_API_BASE", "https://cloud-api.yandex.net/v1/disk")
SOCIAL_AUTH_GOOGLE_OAUTH2_KEY = GOOGLE_OAUTH_CLIENT_ID
SOCIAL_AUTH_GOOGLE_OAUTH2_SECRET = GOOGLE_OAUTH_CLIENT_SECRET
SOCIAL_AUTH_YANDEX_OAUTH2_KEY = YANDEX_OAUTH_CLIENT_ID
SOCIAL_AUTH_YANDEX_OAUTH2_SECRET = YANDEX_OAUTH_CLIENT_SECRET
SOCIAL_AUTH_JSONFIELD_ENABLED = True

FIELD_ENCRYPTION_KEY = env.str("FIELD_ENCRYPTION_KEY", default="")
if not FIELD_ENCRYPTION_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY must be set when DEBUG is off.")
    # Development only: a Fernet key derived from SECRET_KEY.
    FIELD_ENCRYPTION_KEY = base64.urlsafe_b64encode(
        hashlib.sha256(b"field-encryption:" + SECRET_KEY.encode()).digest()
    ).decode()
EXPORT_RETRY_BASE_SECONDS = env.float("EXPORT_RETRY_BASE_SECONDS", default=1.0)
EXPORT_PARALLEL_TRANSFERS = env.int("EXPORT_PARALLEL_TRANSFERS", default=4)
# cloud_export: how long a start link and a consent stay usable, per-request HTTP timeout,
# done-callback attempts, and a job's Celery time limit (a longer job continues in a new task).
CLOUD_ARCHIVE_LINK_TTL_SECONDS = env.int("CLOUD_ARCHIVE_LINK_TTL_SECONDS", default=900)
EXPORT_HTTP_TIMEOUT_SECONDS = env.float("EXPORT_HTTP_TIMEOUT_SECONDS", default=30.0)
EXPORT_CALLBACK_ATTEMPTS = env.int("EXPORT_CALLBACK_ATTEMPTS", default=5)
EXPORT_JOB_TIME_LIMIT_SECONDS = env.int("EXPORT_JOB_TIME_LIMIT_SECONDS", default=6 * 3600)
