"""Django itself: debug, secrets, hosts, apps, middleware, the database, users, static files, logs."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config.logging import logging_config
from config.settings.env import env, env_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent

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
    "config.apps.ProjectConfig",
    "account",
    "upload_center",
    "drive",
    "cloud_export",
    "sharing",
    "tus",
    "lti_tool",
    "lti",
]

MIDDLEWARE = [
    "config.middleware.RequestIdMiddleware",
    "config.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "lti.middleware.IframeCookiesMiddleware",
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
        # The project's look of DRF's browsable API (rest_framework/api.html), found before DRF's.
        "DIRS": [BASE_DIR / "config" / "templates"],
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
_database_url = env_url(
    "DATABASE_URL",
    f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
    {"sqlite", "postgres", "postgresql", "pgsql", "psql", "postgis"},
)
DATABASES = {"default": env.db_url_config(_database_url)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so two quota transactions queue
    # instead of failing with "database is locked" when both try to upgrade.
    # WAL with synchronous=NORMAL: a commit appends to the log without an fsync (the
    # log is synced at checkpoints), and reads never wait for a writer. In the default
    # rollback-journal mode every commit took two fsyncs, about 19 ms here, all under
    # the one write lock: 32 uploads at once queued about 2 s on it. A power cut (not a
    # crash of the app) can lose the last commits; reconcile_storage then finds their bytes.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    }
    # Kept open by each request thread (reused across requests): opening one cost a
    # third of a small download. Nothing on the other side of a file times it out;
    # DATABASE_URL's ?conn_max_age= still decides when given.
    DATABASES["default"].setdefault("CONN_MAX_AGE", None)
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

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
# JSON lines with a request id in production (config/logging.py).
LOG_FORMAT = env.str("LOG_FORMAT", default="plain" if DEBUG else "json")
LOGGING = logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)
