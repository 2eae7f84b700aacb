"""API fuzzing with schemathesis against the portal's own OpenAPI schema, as an authenticated client.

Every operation in /api/schema/ is called with generated data; no response may be a 5xx, and every
response must match the schema it documents. `make test` runs a bounded pass (FUZZ_EXAMPLES, default 4
per operation); `make fuzz` runs a long one.
"""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from ruian.wsgi import application
from tests.trust.conftest import record_figures

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)

# What this run did, for the README's figures (var/trust-figures.json).
TALLY = {"examples": 0, "server_errors": 0, "operations": set()}


@pytest.fixture(scope="module", autouse=True)
def _figures():
    yield
    record_figures(
        "api_fuzz",
        {
            "examples_per_operation_setting": EXAMPLES,
            "operations_fuzzed": len(TALLY["operations"]),
            "requests_made": TALLY["examples"],
            "server_errors": TALLY["server_errors"],
        },
    )


@pytest.fixture
def fuzz_headers(api_token, home_township, other_township, clerk):
    # Called as a raw WSGI app, Django would close the test's database connection after each request;
    # the test client avoids that the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield {"Authorization": f"Token {api_token}"}
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_server_errors_and_responses_match_the_schema(case, fuzz_headers):
    response = case.call(headers=fuzz_headers)
    TALLY["examples"] += 1
    TALLY["operations"].add(case.operation.label)
    TALLY["server_errors"] += response.status_code >= 500
    case.validate_response(response, headers=fuzz_headers, checks=[not_a_server_error, response_schema_conformance])
