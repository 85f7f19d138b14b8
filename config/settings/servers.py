"""The shared cache, the channel layer and Celery's broker: Redis and RabbitMQ in production,
in-process or on-disk stand-ins by default."""

from __future__ import annotations

from config.settings.core import BASE_DIR
from config.settings.env import env, env_url

# --- shared cache: login and /cloud_archive counters that every web process sees ---
REDIS_URL = env_url("REDIS_URL", None, {"redis", "rediss", "unix"})
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
CELERY_BROKER_URL = env_url(
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
