"""Test settings. REDIS_URL points to the real Redis the test session starts (tests/plugins/services.py)."""

import os
import tempfile

from .base import *  # noqa: F403
from .base import DATABASES

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not shared-cache memory: live-server tests launch concurrently and SQLite's in-memory
    # shared cache answers "table is locked" instead of waiting like a real database file does.
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(tempfile.gettempdir(), f"wims-lti-test-{os.getpid()}.sqlite3")
    }

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WIMS_RETRY_BACKOFF = 0.01

# Static files straight from the apps in development; no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Every test browser is 127.0.0.1: the per-IP limit of OIDC login initiations is tested on its own.
LTI_LOGIN_RATE_LIMIT = 1_000_000
