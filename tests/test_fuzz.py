"""Property-based fuzzing of every operation in the app's own OpenAPI document.

Schemathesis generates requests from `/openapi.json`, valid and invalid, and
checks that no response is a 500 and that every response matches its documented
schema. It runs with a signed-in user's token and with none, with a bounded
number of examples per operation so that CI stays fast.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

MAX_EXAMPLES = 25


@pytest.fixture
def fuzz_schema(app):
    """The app's OpenAPI document, loaded by schemathesis against the app."""
    return schemathesis.openapi.from_wsgi("/openapi.json", app)


schema = schemathesis.pytest.from_fixture("fuzz_schema")


@pytest.fixture
def signed_in(app, tokens):
    """Headers of a provisioned user."""
    user = tokens.user()
    app.test_client().get("/opsboard/users/me", headers=user.headers)
    return user.headers


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_operation_with_a_user_token(case, signed_in):
    case.call_and_validate(headers=signed_in)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES // 2,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_operation_without_a_token(case):
    case.call_and_validate()
