"""API fuzzing: schemathesis generates requests for every operation of the OpenAPI schema.

The schema is the one `/api/schema/` serves (drf-spectacular's generator, built here in-process
because the served schema needs a login). Every generated case is sent through the WSGI
application in-process, so it runs against the test database inside the test's transaction,
with the knox token of a persona. Checks: no server error, documented status code and content
type, and a body that matches the documented response schema.
"""

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from knox.models import AuthToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = application

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

# Two personas with different scopes: a province worker (Lào Cai) and a partner agency.
PERSONAS = ["worker", "partner"]


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """The WSGI handler closes "old" connections around each request, which inside the test's
    transaction would close it; Django's own test client disconnects the same receivers."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_token(db, request):
    from accounts.models import User

    _, token = AuthToken.objects.create(User.objects.get(username=request.param))
    return token


@pytest.mark.parametrize("api_token", PERSONAS, indirect=True)
@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_operation(case, api_token):
    # Throttling and login lockout count in the cache; they are not under test here, so a
    # generated burst should not turn into 429s.
    cache.clear()
    case.call_and_validate(headers={"Authorization": f"Token {api_token}"}, checks=CHECKS)
