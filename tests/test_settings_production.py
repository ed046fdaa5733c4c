"""settings.production boots with a complete environment and refuses every half-configured one.

Each case runs in a fresh interpreter with a minimal environment (nothing inherited from the test
session, no .env file), the way a container starts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GOOD_SECRET = "k7Qw2-zR9vN4pX8mL1sT6yB3cF5hJ0dG_eA"  # 35 characters

VALID_ENV = {
    "SECRET_KEY": GOOD_SECRET,
    "ALLOWED_HOSTS": "lti.example.org",
    "DATABASE_URL": "postgres://wims_lti:secret@127.0.0.1:5432/wims_lti",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "FIELD_ENCRYPTION_KEYS": "q8e2rX0tC4Y5Rjv2mJ2q0k1b3V5dZ8n9pA7sL6fH4gE=",
}

SHOW_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "ENGINE": settings.DATABASES["default"]["ENGINE"],
    "CACHE": settings.CACHES["default"]["LOCATION"],
    "BROKER": settings.CELERY_BROKER_URL,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
    "PROXY_HEADER": getattr(settings, "SECURE_PROXY_SSL_HEADER", None),
    "TRUSTED_PROXY_COUNT": settings.TRUSTED_PROXY_COUNT,
    "STATICFILES": settings.STORAGES["staticfiles"]["BACKEND"],
    "WIMS_READ_TIMEOUT": settings.WIMS_READ_TIMEOUT,
}))
"""


def run_production(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    full_env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "settings.production",
        "WIMS_LTI_ENV_FILE": "",
        "WIMS_LTI_VAR_DIR": str(tmp_path / "var"),
        "STATIC_ROOT": str(tmp_path / "static"),
        **env,
    }
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=120
    )


def test_a_complete_environment_boots_and_passes_check_deploy(tmp_path: Path) -> None:
    result = run_production(tmp_path, VALID_ENV, "manage.py", "check", "--deploy", "--fail-level", "ERROR")
    assert result.returncode == 0, result.stderr


def test_production_values_come_from_the_environment(tmp_path: Path) -> None:
    env = {
        **VALID_ENV,
        "USE_X_FORWARDED_PROTO": "true",
        "TRUSTED_PROXY_COUNT": "1",
        "WIMS_READ_TIMEOUT": "12",
    }
    result = run_production(tmp_path, env, "-c", SHOW_SETTINGS)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown == {
        "DEBUG": False,
        "ALLOWED_HOSTS": ["lti.example.org"],
        "ENGINE": "django.db.backends.postgresql",
        "CACHE": "redis://127.0.0.1:6379/0",
        "BROKER": "redis://127.0.0.1:6379/0",
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "PROXY_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "TRUSTED_PROXY_COUNT": 1,
        "STATICFILES": "whitenoise.storage.CompressedManifestStaticFilesStorage",
        "WIMS_READ_TIMEOUT": 12.0,
    }


def test_no_proxy_header_is_trusted_by_default(tmp_path: Path) -> None:
    result = run_production(tmp_path, VALID_ENV, "-c", SHOW_SETTINGS)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["PROXY_HEADER"] is None


def test_collectstatic_builds_the_whitenoise_manifest(tmp_path: Path) -> None:
    """What the Dockerfile runs at build time."""
    result = run_production(tmp_path, VALID_ENV, "manage.py", "collectstatic", "--noinput", "-v", "0")
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())
    assert any(name.startswith("admin/") for name in manifest["paths"])


def _without(name: str) -> dict[str, str]:
    return {k: v for k, v in VALID_ENV.items() if k != name}


@pytest.mark.parametrize(
    ("env", "message"),
    [
        pytest.param({**VALID_ENV, "DEBUG": "true"}, "DEBUG must be off", id="debug-on"),
        pytest.param(_without("SECRET_KEY"), "SECRET_KEY must be set", id="secret-key-missing"),
        pytest.param(
            {**VALID_ENV, "SECRET_KEY": "insecure-local-only-do-not-use-in-production"},
            "SECRET_KEY must be set",
            id="secret-key-default",
        ),
        pytest.param({**VALID_ENV, "SECRET_KEY": "x" * 31}, "SECRET_KEY must be set", id="secret-key-short"),
        *(
            pytest.param(_without(name), f"{name} must be set in production", id=f"{name}-missing")
            for name in ("DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "FIELD_ENCRYPTION_KEYS")
        ),
        *(
            pytest.param({**VALID_ENV, name: ""}, f"{name} must be set in production", id=f"{name}-empty")
            for name in ("DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "FIELD_ENCRYPTION_KEYS")
        ),
    ],
)
def test_half_configured_production_refuses_to_start(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    result = run_production(tmp_path, env, "-c", "import django; django.setup()")
    assert result.returncode != 0
    assert f"django.core.exceptions.ImproperlyConfigured: {message}" in result.stderr, result.stderr[-2000:]
