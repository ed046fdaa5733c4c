"""gunicorn settings for the `web` service (docker-compose.yml); tune them with environment variables."""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")  # inside the container; the host maps it
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# Longer than one WIMS call at WIMS_READ_TIMEOUT with its retries; slow WIMS jobs run in Celery.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
accesslog = "-"
errorlog = "-"
# Teacher pages carry a bearer token in their URL: access lines are written with it scrubbed.
logger_class = "wims_lti.observability.scrub.GunicornLogger"
# Restart workers now and then so a slow leak cannot grow forever.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
