"""Settings shared by every environment. Everything configurable is read here, from the environment."""

from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("WIMS_LTI_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
# A .env file fills in variables the environment lacks. WIMS_LTI_ENV_FILE names another file; empty: none.
ENV_FILE = env.str("WIMS_LTI_ENV_FILE", default=str(BASE_DIR / ".env"))
if ENV_FILE and Path(ENV_FILE).is_file():
    environ.Env.read_env(ENV_FILE)

# Used only by local and test settings; production refuses to start with it.
INSECURE_DEFAULT_SECRET_KEY = "insecure-local-only-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=INSECURE_DEFAULT_SECRET_KEY)
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",  # "2 minutes ago" in the user's language (the demo gradebook)
    "wims_lti.apps.WimsLtiConfig",
]

MIDDLEWARE = [
    "wims_lti.correlation.CorrelationIdMiddleware",
    # A launch answers within LAUNCH_BUDGET_SECONDS: its adm/raw calls share one budget (first, to count
    # everything the request does).
    "wims_lti.lti.budget.LaunchBudgetMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Instead of XFrameOptionsMiddleware: CSP frame-ancestors = the registered LMSs; DENY on /admin/.
    "wims_lti.security.FrameAncestorsMiddleware",
    # Redis unreachable: "try again shortly" (503) instead of a 500 (wims_lti/outage.py).
    "wims_lti.outage.ServiceOutageMiddleware",
]

ROOT_URLCONF = "wims_lti.urls"
WSGI_APPLICATION = "wims_lti.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# Database: SQLite by default, PostgreSQL (or anything django-environ knows) through DATABASE_URL.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
if DATABASES["default"].get("ENGINE") == "django.db.backends.sqlite3":  # no ENGINE: empty DATABASE_URL
    # Concurrent launches on one machine: WAL, write transactions taken up front, a busy timeout.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: Celery broker and the shared cache (nonces, locks, AGS tokens) live there.
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "wims_lti",
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 5},
    }
}

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=600)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=540)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "wims_lti" / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))

# Behind a TLS-terminating proxy: trust X-Forwarded-Proto / X-Forwarded-For only when told to.
USE_X_FORWARDED_PROTO = env.bool("USE_X_FORWARDED_PROTO", default=False)
if USE_X_FORWARDED_PROTO:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Number of trusted proxies in front of the app (for the client IP taken from X-Forwarded-For).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# --- WIMS adm/raw client -------------------------------------------------------------------
# First word of the User-Agent: must match the connection file's `ident_agent` on the WIMS side.
WIMS_USER_AGENT = env.str("WIMS_USER_AGENT", default="python-requests")
WIMS_CONNECT_TIMEOUT = env.float("WIMS_CONNECT_TIMEOUT", default=5.0)
WIMS_READ_TIMEOUT = env.float("WIMS_READ_TIMEOUT", default=30.0)
# addclass/delclass/modclass may wait 120 s on WIMS's class index lock.
WIMS_SLOW_READ_TIMEOUT = env.float("WIMS_SLOW_READ_TIMEOUT", default=150.0)
# The whole of one attempt (connect + send + every read): a WIMS dripping bytes never trips a read timeout.
WIMS_TOTAL_TIMEOUT = env.float("WIMS_TOTAL_TIMEOUT", default=40.0)
WIMS_SLOW_TOTAL_TIMEOUT = env.float("WIMS_SLOW_TOTAL_TIMEOUT", default=180.0)
# A launch answers its user within this many seconds, whatever WIMS does: its adm/raw calls share the
# budget and each is retried at most LAUNCH_WIMS_RETRIES times (README, "Reliability").
LAUNCH_BUDGET_SECONDS = env.float("LAUNCH_BUDGET_SECONDS", default=15.0)
LAUNCH_WIMS_RETRIES = env.int("LAUNCH_WIMS_RETRIES", default=1)
WIMS_READ_RETRIES = env.int("WIMS_READ_RETRIES", default=2)
WIMS_RETRY_BACKOFF = env.float("WIMS_RETRY_BACKOFF", default=0.3)

# Error reports (the technical 500 page with DEBUG on, error e-mails) never show a secret: Django's
# filter plus the HTTP stack's and the adm/raw client's locals, URL passwords and known secret values.
DEFAULT_EXCEPTION_REPORTER_FILTER = "wims_lti.debug_filter.SecretScrubbingFilter"

# Secrets stored in the database (adm/raw passwords, class passwords) are encrypted with these
# Fernet keys (first one encrypts; all decrypt, for rotation). Derived from SECRET_KEY if unset.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"correlation": {"()": "wims_lti.correlation.CorrelationIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(correlation_id)s] %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["correlation"]},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
    },
}

# --- LTI -------------------------------------------------------------------------------------
LTI_CLOCK_LEEWAY = env.int("LTI_CLOCK_LEEWAY", default=45)  # seconds of clock skew accepted (30-60)
LTI_JWKS_CACHE_SECONDS = env.int("LTI_JWKS_CACHE_SECONDS", default=3600)
LTI_HTTP_CONNECT_TIMEOUT = env.float("LTI_HTTP_CONNECT_TIMEOUT", default=5.0)
LTI_HTTP_READ_TIMEOUT = env.float("LTI_HTTP_READ_TIMEOUT", default=15.0)

# --- WIMS classes created by the bridge -----------------------------------------------------------
WIMS_DEFAULT_EMAIL = env.str("WIMS_DEFAULT_EMAIL", default="no-reply@wims-lti.invalid")
WIMS_CLASS_LIMIT = env.int("WIMS_CLASS_LIMIT", default=300)
# Over HTTPS, pylti1p3's cookie-check page (opens the tool in a new window when the browser blocks
# third-party cookies in the LMS iframe) runs before the OIDC redirect.
LTI_COOKIE_CHECK = env.bool("LTI_COOKIE_CHECK", default=True)
# How long the OIDC state and nonce of a login initiation live in Redis (the launch follows in seconds).
LTI_OIDC_STATE_TTL = env.int("LTI_OIDC_STATE_TTL", default=600)
# Login initiations are unauthenticated: at most this many per client IP (TRUSTED_PROXY_COUNT) per window.
LTI_LOGIN_RATE_LIMIT = env.int("LTI_LOGIN_RATE_LIMIT", default=600)  # a campus NAT is one IP
LTI_LOGIN_RATE_WINDOW = env.int("LTI_LOGIN_RATE_WINDOW", default=60)  # seconds
# The bridge's public base URL (what LMSs and browsers reach), for URLs printed by admin commands and
# shown on the registrations' configuration pages; unset, they warn (no LMS accepts the local default).
PUBLIC_BASE_URL_CONFIGURED = bool(env.str("PUBLIC_BASE_URL", default=""))
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="") or "http://127.0.0.1:8000"

# --- Teacher pages (inside the LMS iframe) ---------------------------------------------------------
TEACHER_TOKEN_MAX_AGE = env.int("TEACHER_TOKEN_MAX_AGE", default=4 * 3600)  # seconds
# LTI Dynamic Registration: how long an invitation URL (manage.py lti_invite) stays valid.
LTI_REGISTRATION_INVITATION_MAX_AGE = env.int("LTI_REGISTRATION_INVITATION_MAX_AGE", default=7 * 24 * 3600)

# --- Framing by the LMSs (Content-Security-Policy: frame-ancestors) -------------------------------
# Tool pages may be framed by the origins of the active platform registrations (issuer, OIDC login
# URL) and by these extra origins (space or comma separated, e.g. an LMS served from another host).
LTI_FRAME_ANCESTORS = env.list("LTI_FRAME_ANCESTORS", default=[])
LTI_FRAME_ANCESTORS_CACHE_SECONDS = env.int("LTI_FRAME_ANCESTORS_CACHE_SECONDS", default=60)

# --- Grades (passback of WIMS scores to the LMS gradebook through LTI AGS) ----------------------
# Every GRADE_SYNC_INTERVAL minutes, beat runs a fan-out that queues one sync task per bound activity.
GRADE_SYNC_INTERVAL = env.int("GRADE_SYNC_INTERVAL", default=15)
GRADE_SYNC_QUEUE = env.str("GRADE_SYNC_QUEUE", default="celery")
# At most this many concurrent requests per LMS platform, across all workers (Canvas charges each
# in-flight request against its rate-limit bucket). adm/raw calls are capped per WimsServer.max_concurrency.
GRADE_LMS_MAX_CONCURRENCY = env.int("GRADE_LMS_MAX_CONCURRENCY", default=2)
# One LMS request: attempts on 429/5xx/rate limit/network errors, exponential backoff with jitter (s).
GRADE_HTTP_ATTEMPTS = env.int("GRADE_HTTP_ATTEMPTS", default=5)
GRADE_HTTP_BACKOFF = env.float("GRADE_HTTP_BACKOFF", default=0.5)
GRADE_HTTP_BACKOFF_CAP = env.float("GRADE_HTTP_BACKOFF_CAP", default=30.0)
# One activity sync task: time limits (s), retries of the whole task, lease of its per-activity lock.
GRADE_SYNC_SOFT_TIME_LIMIT = env.int("GRADE_SYNC_SOFT_TIME_LIMIT", default=300)
GRADE_SYNC_TIME_LIMIT = env.int("GRADE_SYNC_TIME_LIMIT", default=360)
GRADE_SYNC_MAX_RETRIES = env.int("GRADE_SYNC_MAX_RETRIES", default=6)
GRADE_SYNC_LOCK_LEASE = env.int("GRADE_SYNC_LOCK_LEASE", default=60)
# A running activity sync beats every GRADE_SYNC_HEARTBEAT s (and renews its lock). One whose last beat is
# older than GRADE_SYNC_STALE_AFTER s (its worker died) is taken over by the next "Sync now" or scheduled
# run; the score ledger keeps that exactly-once. Must exceed GRADE_SYNC_LOCK_LEASE.
GRADE_SYNC_HEARTBEAT = env.int("GRADE_SYNC_HEARTBEAT", default=10)
GRADE_SYNC_STALE_AFTER = env.int("GRADE_SYNC_STALE_AFTER", default=120)
# One score read per WIMS class at a time (WIMS 4.29a loses students when two overlap): wait at most
# this many seconds for the class's lock. A reply that lacks students the bridge knows in the class
# ("There is no user in this class", a missing or duplicated login) is read again, up to
# GRADE_WIMS_READ_ATTEMPTS times with exponential backoff from GRADE_WIMS_READ_BACKOFF s.
GRADE_CLASS_LOCK_WAIT = env.int("GRADE_CLASS_LOCK_WAIT", default=150)
# Lease of the grade sync's shared locks (a class's score reads, a run's roster), renewed every third of
# it while held: a worker killed while holding one frees it within this many seconds.
GRADE_LOCK_TTL = env.int("GRADE_LOCK_TTL", default=15)
GRADE_WIMS_READ_ATTEMPTS = env.int("GRADE_WIMS_READ_ATTEMPTS", default=4)
GRADE_WIMS_READ_BACKOFF = env.float("GRADE_WIMS_READ_BACKOFF", default=0.5)
# Send AGS submission.startedAt/submittedAt, read from the student's WIMS activity log (one getlog
# per student with a score to send, once per run).
GRADE_WORK_TIMES = env.bool("GRADE_WORK_TIMES", default=True)
# Create WIMS accounts for roster learners who never launched (so they can be graded later).
GRADE_CREATE_ACCOUNTS_AHEAD = env.bool("GRADE_CREATE_ACCOUNTS_AHEAD", default=True)
# A score the LMS refused (not a student, ...) is tried again after this many hours, or when it changes.
GRADE_REJECTED_RETRY_HOURS = env.int("GRADE_REJECTED_RETRY_HOURS", default=24)
# Redis broker: a task not acknowledged within this many seconds (its worker died) is delivered again.
# Must exceed GRADE_SYNC_TIME_LIMIT and CELERY_TASK_TIME_LIMIT.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
CELERY_BEAT_SCHEDULE = {
    "grades-sync-all": {
        "task": "wims_lti.tasks.grades_sync_all",
        "schedule": GRADE_SYNC_INTERVAL * 60,
        "options": {"queue": GRADE_SYNC_QUEUE, "expires": GRADE_SYNC_INTERVAL * 60 * 0.9},
    },
}

# LTI 1.1 launches (OAuth1): accepted oauth_timestamp skew in seconds, either way; each nonce is kept
# in the cache (Redis) for twice this window, so a replay inside the window is refused.
LTI11_TIMESTAMP_WINDOW = env.int("LTI11_TIMESTAMP_WINDOW", default=300)

# --- Observability (docs/operations.md) -------------------------------------------------------------
# Log lines as plain text (default) or one JSON object per line (production's default); both carry the
# request id (correlation id) and, in Celery tasks, the task id.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
_logging: Any = LOGGING
_logging["filters"]["task"] = {"()": "wims_lti.observability.logging.TaskIdFilter"}
_logging["formatters"]["json"] = {"()": "wims_lti.observability.logging.JsonFormatter"}
_logging["handlers"]["console"]["filters"] = ["correlation", "task"]
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured("LOG_FORMAT must be plain or json.")
_logging["handlers"]["console"]["formatter"] = LOG_FORMAT
# Celery workers log through LOGGING above (same format, task ids) instead of Celery's own handler.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# /metrics (Prometheus): open to loopback callers that came through no proxy, and to
# "Authorization: Bearer METRICS_TOKEN" when set. Counters live in Redis (METRICS_REDIS_URL, default
# REDIS_URL) so that web and Celery processes in any container add to the same totals.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOW_LOOPBACK = env.bool("METRICS_ALLOW_LOOPBACK", default=True)
METRICS_REDIS_URL = env.str("METRICS_REDIS_URL", default="")
METRICS_KEY_PREFIX = env.str("METRICS_KEY_PREFIX", default="wims_lti:metrics:")
MIDDLEWARE = [*MIDDLEWARE, "wims_lti.observability.middleware.LaunchMetricsMiddleware"]
# /health/ also asks each WIMS server `checkident` (reported, never turning /health/ into a 503: a WIMS
# outage must not get the web container restarted); the answers are cached this many seconds.
HEALTH_WIMS_TIMEOUT = env.float("HEALTH_WIMS_TIMEOUT", default=2.0)
HEALTH_WIMS_CACHE_SECONDS = env.int("HEALTH_WIMS_CACHE_SECONDS", default=15)

# --- Privacy and housekeeping (manage.py forget_user / purge; docs/operations.md) ----------------------
# Sync runs (with their per-activity results and per-user errors) and supervisor entries (who entered
# WIMS as supervisor, from which IP) older than this many days are deleted by the daily purge; 0 keeps
# them forever. OIDC states and nonces expire by themselves (Redis TTLs).
SYNC_RUN_RETENTION_DAYS = env.int("SYNC_RUN_RETENTION_DAYS", default=90)
SUPERVISOR_LOG_RETENTION_DAYS = env.int("SUPERVISOR_LOG_RETENTION_DAYS", default=365)
CELERY_BEAT_SCHEDULE["housekeeping-purge"] = {
    "task": "wims_lti.tasks.housekeeping_purge",
    "schedule": 24 * 3600,
    "options": {"expires": 3600},
}

# --- Demo mode ("Try it" at /demo/, wims_lti/demo) -------------------------------------------------
# Starts the built-in dev LTI platform and WIMS emulator inside the web process. On by default in
# settings/local.py; settings/production.py refuses to start with it.
DEMO_MODE = env.bool("DEMO_MODE", default=False)
