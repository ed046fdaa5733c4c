"""The Celery application. Schedules live in code (CELERY_BEAT_SCHEDULE), never in AppConfig.ready()."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.local")

app = Celery("wims_lti")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Request ids into tasks, task ids into their log lines (wims_lti/observability/celery.py).
import wims_lti.observability.celery  # noqa: E402
import wims_lti.observability.housekeeping  # noqa: E402, F401  (the daily purge task)
