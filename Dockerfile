# Production image of the wims_lti bridge: one image for web (gunicorn), worker and beat (celery).
# Build: docker compose build   (see docs/deployment.md)
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=settings.production \
    WIMS_LTI_VAR_DIR=/app/var \
    STATIC_ROOT=/app/staticfiles

WORKDIR /app

# Runtime requirements only: every pinned package has a manylinux wheel (psycopg[binary],
# cryptography), so no compiler is needed in the image.
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .

# Static files are collected once, at build time, with the production storage (hashed names +
# compressed copies for WhiteNoise). Only this RUN sees these throwaway values: the real ones come
# from the environment at run time, and settings.production refuses to start without them.
RUN SECRET_KEY=build-only-collectstatic-not-a-secret-000000 \
    ALLOWED_HOSTS=localhost \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    REDIS_URL=redis://localhost:6379/0 \
    FIELD_ENCRYPTION_KEYS=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= \
    python manage.py collectstatic --noinput -v 0

# Non-root user; /app/var holds celery beat's schedule (a volume in docker-compose.yml).
RUN groupadd --system --gid 10001 wims_lti \
    && useradd --system --uid 10001 --gid wims_lti --home-dir /app --no-create-home wims_lti \
    && mkdir -p /app/var \
    && chown wims_lti:wims_lti /app/var
USER wims_lti:wims_lti

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "/app/docker/healthcheck.py", "web"]
CMD ["gunicorn", "wims_lti.wsgi:application", "--config", "/app/docker/gunicorn.conf.py"]
