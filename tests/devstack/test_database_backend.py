"""The database the tests run on is the one DATABASE_URL names (scripts/test's PostgreSQL pass)."""

import os

import pytest
from django.db import connection


@pytest.mark.django_db
def test_tests_run_on_the_configured_database() -> None:
    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    assert connection.vendor == expected
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
