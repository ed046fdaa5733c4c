"""Production settings: refuse to start when half-configured."""

from typing import Any

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DEBUG, INSECURE_DEFAULT_SECRET_KEY, LOGGING, SECRET_KEY, env

if DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production (unset DEBUG or set DEBUG=false).")
if env.bool("DEMO_MODE", default=False):
    raise ImproperlyConfigured("DEMO_MODE must be off in production (it starts a fake LMS and a fake WIMS).")
DEMO_MODE = False
if not SECRET_KEY or SECRET_KEY == INSECURE_DEFAULT_SECRET_KEY or len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("SECRET_KEY must be set to a random value of at least 32 characters.")
for _name in ("DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "FIELD_ENCRYPTION_KEYS"):
    if not env.str(_name, default=""):
        raise ImproperlyConfigured(f"{_name} must be set in production.")

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Logs as one JSON object per line unless LOG_FORMAT=plain (docs/operations.md).
LOG_FORMAT = env.str("LOG_FORMAT", default="json")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured("LOG_FORMAT must be plain or json.")
_console: Any = LOGGING["handlers"]
_console["console"]["formatter"] = LOG_FORMAT
