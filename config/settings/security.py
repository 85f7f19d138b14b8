"""HTTPS and cookie hardening, and login and /cloud_archive throttling."""

from __future__ import annotations

from config.settings.core import DEBUG
from config.settings.env import env

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
# Wrong share-link passwords per (link, client address) in a fixed window (sharing/throttling.py):
# generous, since a school NAT is one address for a whole class; the window is short.
SHARE_PASSWORD_FAILURES_PER_WINDOW = env.int("SHARE_PASSWORD_FAILURES_PER_WINDOW", default=30)
SHARE_PASSWORD_WINDOW_SECONDS = env.int("SHARE_PASSWORD_WINDOW_SECONDS", default=60)
# How long a browser that gave a link's password may download it without asking again.
SHARE_UNLOCK_SECONDS = env.int("SHARE_UNLOCK_SECONDS", default=3600)
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
# Uploads to file requests (/r/<token>/files) per client address, as DRF's "<count>/<period>":
# one call per file, and a class behind one school NAT shares the address.
FILE_REQUEST_UPLOAD_RATE_LIMIT = env.str("FILE_REQUEST_UPLOAD_RATE_LIMIT", default="300/min")
