"""Settings, read once from the environment (CONTRACT section 5).

Every default runs on one machine with no server: SQLite, files on local disk,
the in-process channel layer and kombu's filesystem broker. Production sets the
same variables to PostgreSQL, Redis, RabbitMQ and S3; a bad value stops start-up
with ImproperlyConfigured.

Each module reads the variables of one part; ``config.settings`` is all of them. A module
imports what it needs of another (DEBUG, SECRET_KEY, BASE_DIR from core), so the order
of the imports below does not matter.
"""

from __future__ import annotations

from config.settings.apis import *  # noqa: F403
from config.settings.core import *  # noqa: F403
from config.settings.export import *  # noqa: F403
from config.settings.security import *  # noqa: F403
from config.settings.servers import *  # noqa: F403
from config.settings.storage import *  # noqa: F403
