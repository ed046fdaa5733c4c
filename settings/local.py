"""One machine, embedded defaults: SQLite, a local Redis started by `manage.py runstack`, DEBUG on."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)

# Static files straight from the apps in development; no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# "Try it" (/demo/): the built-in dev LTI platform and WIMS emulator, in the web process.
DEMO_MODE = env.bool("DEMO_MODE", default=True)
