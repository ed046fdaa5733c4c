"""Property-based tests of `/api/v0/` against its OpenAPI document (schemathesis, in-process WSGI app).

Every operation is called with generated valid and invalid inputs and a token holding every scope; each
answer must match the document (status codes, content type, body schema) and never be a 5xx. The
document is built by the same function the app serves at `/api/v0/openapi.json` (checked below).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import missing_required_header

from wims_lti.api.openapi import openapi_document
from wims_lti.wsgi import application

from .conftest import ApiData

schema = schemathesis.openapi.from_dict(openapi_document(server_url="/api/v0"))
schema.app = application


@pytest.fixture
def wsgi_keeps_test_connection() -> Iterator[None]:
    """As Django's test client does: the WSGI handler must not close the test transaction's connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(
    api_data: ApiData, make_token: Callable[..., str], wsgi_keeps_test_connection: None
) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token()}"}


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi_document(case: schemathesis.Case, bearer: dict[str, str]) -> None:
    # The issue asks for INGInious's discipline: 403 without a token. Schemathesis's missing-header check
    # wants 401 for a missing Authorization (hard-coded), so it is left out here and replaced by
    # tests/api/test_api.py::test_each_endpoint_requires_a_token_with_its_scope (403 without a token).
    case.call_and_validate(headers=bearer, excluded_checks=[missing_required_header])


@pytest.mark.django_db
def test_the_served_document_is_the_tested_one(wsgi_keeps_test_connection: None) -> None:
    served = schemathesis.openapi.from_wsgi("/api/v0/openapi.json", application)
    assert served.raw_schema["paths"] == schema.raw_schema["paths"]
    assert served.raw_schema["components"] == schema.raw_schema["components"]
