"""Property-based fuzzing of the API from its own OpenAPI document (schemathesis)."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

# Whether generated "valid" data must be accepted is left out: a generated packet can be
# valid by the schema and still be refused for a reason the schema cannot state (409 on reuse).
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_the_api_never_errors_and_answers_as_documented(app, make_token):
    """For generated requests, valid and invalid, does every answer match the document and never 500?"""
    headers = {"Authorization": f"Bearer {make_token('admin', name='fuzzer')}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def exercise(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        exercise()
