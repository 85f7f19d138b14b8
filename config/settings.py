"""Settings, read once from the environment (CONTRACT section 5).

Every default runs on one machine with no server: SQLite, files on local disk,
the in-process channel layer and kombu's filesystem broker. Production sets the
same variables to PostgreSQL, Redis, RabbitMQ and S3; a bad value stops start-up
with ImproperlyConfigured.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Literal, overload
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

from config.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()


def _url(name: str, value: str, schemes: set[str]) -> str:
    """Refuse a URL whose scheme is not one we can talk to."""
    parts = urlsplit(value)
    needs_host = parts.scheme in {"http", "https", "amqp", "amqps", "pyamqp", "redis", "rediss"}
    if parts.scheme not in schemes or (needs_host and not parts.hostname):
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a valid URL; expected one of the schemes {sorted(schemes)}"
        )
    return value


@overload
def _env_url(name: str, default: str, schemes: set[str], *, required: Literal[True]) -> str: ...
@overload
def _env_url(
    name: str, default: str | None, schemes: set[str], *, required: Literal[False] = False
) -> str | None: ...
def _env_url(name: str, default: str | None, schemes: set[str], *, required: bool = False) -> str | None:
    """The URL in variable ``name``; empty means none, unless ``required`` (the app cannot work
    without it), where an empty value is refused like a malformed one."""
    value = env.str(name, default=default) or None
    if value or required:
        return _url(name, value or "", schemes)
    return None


DEBUG = env.bool("DEBUG", default=True)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["*"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "channels",
    "social_django",
    "axes",
    "account",
    "upload_center",
    "drive",
    "cloud_export",
    "tus",
]

MIDDLEWARE = [
    "config.middleware.RequestIdMiddleware",
    "config.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so it sees the answer of every login view and turns a lockout into 429.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------
_database_url = _env_url(
    "DATABASE_URL",
    f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
    {"sqlite", "postgres", "postgresql", "pgsql", "psql", "postgis"},
)
DATABASES = {"default": env.db_url_config(_database_url)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so two quota transactions queue
    # instead of failing with "database is locked" when both try to upgrade.
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 30}
    # A file, not memory, so that server processes started by the tests share it.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(DATABASES["default"]["NAME"]).with_suffix(".test.sqlite3"))
    }
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "account.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: refuses a throttled login before any password is checked (account/throttling.py).
    "account.throttling.LoginThrottleBackend",
    "social_core.backends.google.GoogleOAuth2",
    "social_core.backends.yandex.YandexOAuth2",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "/admin/login/"

# The tier a user gets when created without one (createsuperuser, admin form).
ACCOUNT_DEFAULT_TIER = env.str("ACCOUNT_DEFAULT_TIER", default="Free")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
WHITENOISE_USE_FINDERS = DEBUG

# --- file storage ---------------------------------------------------------------
UPLOAD_ROOT = Path(env.str("UPLOAD_ROOT", default=str(BASE_DIR / ".uploaded_files")))
if not UPLOAD_ROOT.is_absolute():
    UPLOAD_ROOT = BASE_DIR / UPLOAD_ROOT
S3_BUCKET = env.str("S3_BUCKET", default="") or None
S3_ENDPOINT_URL = _env_url("S3_ENDPOINT_URL", None, {"http", "https"})
S3_REGION = env.str("S3_REGION", default="us-east-1")
if S3_BUCKET:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": S3_ENDPOINT_URL,
            "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
            "region_name": S3_REGION,
            "file_overwrite": True,  # names are chosen by the file index, never by S3
            "default_acl": None,
            "querystring_auth": False,
        },
    }
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(UPLOAD_ROOT), "base_url": None},
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Who sends a download's bytes (CONTRACT section 5): the app itself, nginx in front
# of it (X-Accel-Redirect onto an `internal` location aliased to UPLOAD_ROOT), or
# S3 through a short-lived presigned URL. Checked here so a bad value stops start-up.
DOWNLOAD_OFFLOAD = env.str("DOWNLOAD_OFFLOAD", default="none")
DOWNLOAD_OFFLOAD_PREFIX = env.str("DOWNLOAD_OFFLOAD_PREFIX", default="/_protected/")
DOWNLOAD_OFFLOAD_URL_SECONDS = env.int("DOWNLOAD_OFFLOAD_URL_SECONDS", default=300)
if DOWNLOAD_OFFLOAD not in {"none", "nginx", "s3-redirect"}:
    raise ImproperlyConfigured("DOWNLOAD_OFFLOAD must be one of none, nginx, s3-redirect.")
if DOWNLOAD_OFFLOAD == "nginx" and S3_BUCKET:
    raise ImproperlyConfigured("DOWNLOAD_OFFLOAD=nginx serves UPLOAD_ROOT; with S3 use s3-redirect.")
if DOWNLOAD_OFFLOAD == "s3-redirect" and not S3_BUCKET:
    raise ImproperlyConfigured("DOWNLOAD_OFFLOAD=s3-redirect needs S3 storage (set S3_BUCKET).")
if not (DOWNLOAD_OFFLOAD_PREFIX.startswith("/") and DOWNLOAD_OFFLOAD_PREFIX.endswith("/")):
    raise ImproperlyConfigured("DOWNLOAD_OFFLOAD_PREFIX must start and end with '/'.")
# django-sendfile2 builds the X-Accel-Redirect answer from these.
SENDFILE_BACKEND = "django_sendfile.backends.nginx"
SENDFILE_ROOT = str(UPLOAD_ROOT)
SENDFILE_URL = DOWNLOAD_OFFLOAD_PREFIX
# Bytes per stored part: an S3 multipart part (at least 5 MiB, S3's minimum) and
# the step of upload progress events; two parts at most are held in memory.
UPLOAD_PART_SIZE = env.int("UPLOAD_PART_SIZE", default=8 * 1024 * 1024)
if UPLOAD_PART_SIZE < 5 * 1024 * 1024:
    raise ImproperlyConfigured("UPLOAD_PART_SIZE must be at least 5242880 bytes (S3's smallest part).")
# A request whose Content-Length passes this cap gets 413 before its body is read.
UPLOAD_MAX_REQUEST_BYTES = env.int("UPLOAD_MAX_REQUEST_BYTES", default=20 * 1024**3)
# A resumable upload (tus, /tus/) that gets no PATCH for this long expires: its bytes
# and its quota reservation go (at the next cleanup_uploads; it answers 404 at once).
TUS_EXPIRY_SECONDS = env.int("TUS_EXPIRY_SECONDS", default=86400)
if TUS_EXPIRY_SECONDS <= 0:
    raise ImproperlyConfigured("TUS_EXPIRY_SECONDS must be a positive number of seconds.")

# --- shared cache: login and /cloud_archive counters that every web process sees ---
REDIS_URL = _env_url("REDIS_URL", None, {"redis", "rediss", "unix"})
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- channels, celery -----------------------------------------------------------
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

CELERY_DATA_DIR = BASE_DIR / ".celery"
CELERY_BROKER_URL = _env_url(
    "CELERY_BROKER_URL", "filesystem://", {"filesystem", "amqp", "amqps", "pyamqp", "redis", "memory"}
)
if CELERY_BROKER_URL == "filesystem://":
    # kombu's filesystem transport: one folder both ways, so the web process and
    # the worker see the same queue without a server.
    _queue_dir = CELERY_DATA_DIR / "queue"
    # kombu does not create its folders; every process that opens the broker needs them.
    for _folder in (_queue_dir, CELERY_DATA_DIR / "processed", CELERY_DATA_DIR / "control"):
        _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(CELERY_DATA_DIR / "processed"),
        # Broadcasts (worker pings, remote control); kombu's default is ./control.
        "control_folder": str(CELERY_DATA_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")

# --- REST framework, OpenAPI, CORS ----------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
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

GALLERY_API_BASE = _env_url(
    "GALLERY_API_BASE", "https://app.litegallery.io", {"http", "https"}, required=True
)
CLOUD_ARCHIVE_ALLOWED_REDIRECT_HOSTS = env.list(
    "CLOUD_ARCHIVE_ALLOWED_REDIRECT_HOSTS", default=[urlsplit(GALLERY_API_BASE).hostname]
)
CORS_ALLOWED_ORIGIN_REGEXES = [
    r"^https?://" + re.escape(host) + r"(:\d+)?$" for host in CLOUD_ARCHIVE_ALLOWED_REDIRECT_HOSTS
]
CORS_URLS_REGEX = r"^/cloud_archive$"

# --- OAuth (social-auth-app-django) ---------------------------------------------
GOOGLE_OAUTH_CLIENT_ID = env.str("GOOGLE_OAUTH_CLIENT_ID", default="")
GOOGLE_OAUTH_CLIENT_SECRET = env.str("GOOGLE_OAUTH_CLIENT_SECRET", default="")
GOOGLE_OAUTH_AUTHORIZE_URL = _env_url(
    "GOOGLE_OAUTH_AUTHORIZE_URL",
    "https://accounts.google.com/o/oauth2/v2/auth",
    {"http", "https"},
    required=True,
)
GOOGLE_OAUTH_TOKEN_URL = _env_url(
    "GOOGLE_OAUTH_TOKEN_URL", "https://oauth2.googleapis.com/token", {"http", "https"}, required=True
)
GOOGLE_OAUTH_USERINFO_URL = _env_url(
    "GOOGLE_OAUTH_USERINFO_URL",
    "https://www.googleapis.com/oauth2/v3/userinfo",
    {"http", "https"},
    required=True,
)
GOOGLE_DRIVE_API_BASE = _env_url(
    "GOOGLE_DRIVE_API_BASE", "https://www.googleapis.com/drive/v3", {"http", "https"}, required=True
)
GOOGLE_DRIVE_UPLOAD_BASE = _env_url(
    "GOOGLE_DRIVE_UPLOAD_BASE", "https://www.googleapis.com/upload/drive/v3", {"http", "https"}, required=True
)
YANDEX_OAUTH_CLIENT_ID = env.str("YANDEX_OAUTH_CLIENT_ID", default="")
YANDEX_OAUTH_CLIENT_SECRET = env.str("YANDEX_OAUTH_CLIENT_SECRET", default="")
YANDEX_OAUTH_AUTHORIZE_URL = _env_url(
    "YANDEX_OAUTH_AUTHORIZE_URL", "https://oauth.yandex.ru/authorize", {"http", "https"}, required=True
)
YANDEX_OAUTH_TOKEN_URL = _env_url(
    "YANDEX_OAUTH_TOKEN_URL", "https://oauth.yandex.ru/token", {"http", "https"}, required=True
)
YANDEX_OAUTH_USERINFO_URL = _env_url(
    "YANDEX_OAUTH_USERINFO_URL", "https://login.yandex.ru/info", {"http", "https"}, required=True
)
YANDEX_DISK_API_BASE = _env_url(
    "YANDEX_DISK_API_BASE", "https://cloud-api.yandex.net/v1/disk", {"http", "https"}, required=True
)
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

# --- security (production: DEBUG off) -------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

# Login throttling (django-axes with account.throttling's per-parameter limits): failed
# logins are counted per username and per client address; either limit reached refuses
# further logins with 429 until LOGIN_LOCKOUT_SECONDS pass without a counted failure.
LOGIN_FAILURES_PER_USERNAME = env.int("LOGIN_FAILURES_PER_USERNAME", default=10)
# Only failures count, so a school's hundreds of correct logins behind one NAT never add up.
LOGIN_FAILURES_PER_ADDRESS = env.int("LOGIN_FAILURES_PER_ADDRESS", default=100)
LOGIN_LOCKOUT_SECONDS = env.int("LOGIN_LOCKOUT_SECONDS", default=900)
# Addresses or networks of reverse proxies whose X-Forwarded-For is believed; empty: REMOTE_ADDR.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
# Unauthenticated POST /cloud_archive per client address, as DRF's "<count>/<sec|min|hour|day>".
CLOUD_ARCHIVE_RATE_LIMIT = env.str("CLOUD_ARCHIVE_RATE_LIMIT", default="30/min")
AXES_HANDLER = "account.throttling.LoginThrottleHandler"
# Without this, every process (each manage.py command too) logs axes' start-up banner.
AXES_VERBOSE = False
AXES_CACHE = "default"
AXES_COOLOFF_TIME = LOGIN_LOCKOUT_SECONDS / 3600  # hours
AXES_FAILURE_LIMIT = LOGIN_FAILURES_PER_USERNAME
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_CALLABLE = "account.throttling.lockout_response"
AXES_CLIENT_IP_CALLABLE = "config.security.client_address"
# A refused attempt is not counted: the lock ends LOGIN_LOCKOUT_SECONDS after the last real failure.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
# JSON lines with a request id in production (config/logging.py).
LOG_FORMAT = env.str("LOG_FORMAT", default="plain" if DEBUG else "json")
LOGGING = logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)
