"""gunicorn settings for the web service (docker-compose.yml, Dockerfile, deploy/systemd); tune them with
environment variables.

Why threads: a launch may wait on WIMS for up to LAUNCH_BUDGET_SECONDS (15 s) when WIMS is silent or
slow. With gunicorn's default sync workers each such launch blocks a whole process, so a handful of
them stop the bridge for everyone (JWKS, health checks, other launches). `gthread` workers serve
WEB_CONCURRENCY x GUNICORN_THREADS requests at once (2 x 16 = 32 by default): requests waiting on WIMS
hold a thread each, the others are served by the rest. The waiting costs no CPU (it is I/O), so more
threads than cores is right; each thread may hold one database connection (CONN_MAX_AGE).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")  # inside the container; the host maps it
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "16"))
# A worker silent this long is restarted. With gthread the main thread keeps beating while requests wait,
# so this only bounds hung processes; it stays above the slow WIMS jobs a teacher page may run (addclass
# waits up to 120 s on WIMS's class-index lock).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "180"))
graceful_timeout = 30
keepalive = 5
# Connections accepted but not yet served wait here (bursts of launches at the start of a lesson).
backlog = int(os.environ.get("GUNICORN_BACKLOG", "2048"))
accesslog = "-"
errorlog = "-"
# Teacher pages carry a bearer token in their URL: access lines are written with it scrubbed.
logger_class = "wims_lti.observability.scrub.GunicornLogger"
# Restart workers now and then so a slow leak cannot grow forever.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
