"""Where uploaded bytes go (local disk or S3), who serves downloads, and upload limits."""

from __future__ import annotations

from pathlib import Path

from botocore.config import Config
from django.core.exceptions import ImproperlyConfigured

from config.settings.core import BASE_DIR, DEBUG
from config.settings.env import env, env_url
from config.tuning import GUNICORN_THREADS

# --- file storage ---------------------------------------------------------------
UPLOAD_ROOT = Path(env.str("UPLOAD_ROOT", default=str(BASE_DIR / ".uploaded_files")))
if not UPLOAD_ROOT.is_absolute():
    UPLOAD_ROOT = BASE_DIR / UPLOAD_ROOT
S3_BUCKET = env.str("S3_BUCKET", default="") or None
S3_ENDPOINT_URL = env_url("S3_ENDPOINT_URL", None, {"http", "https"})
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
            # One client serves every thread of a process (upload_center/storage/s3.py).
            "client_config": Config(max_pool_connections=GUNICORN_THREADS),
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
# How long a PATCH's hold on its upload outlives a process that died holding it.
TUS_LEASE_SECONDS = env.int("TUS_LEASE_SECONDS", default=60)
if TUS_LEASE_SECONDS < 6:
    raise ImproperlyConfigured("TUS_LEASE_SECONDS must be at least 6 seconds.")
