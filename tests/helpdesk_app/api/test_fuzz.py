"""Property-based fuzzing of the API from its own OpenAPI document (schemathesis)."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
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
    negative_data_rejection,
]
# The long run: FUZZ_EXAMPLES per operation (20 operations; 500 each is 10,000 cases).
LONG_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "500"))


def fuzz(app, headers: dict[str, str], examples: int) -> int:
    """Run ``examples`` generated cases per operation of the served document; return how many ran."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations
    ran = 0
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=examples,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def exercise(case):
            nonlocal ran
            ran += 1
            case.call_and_validate(headers=headers, checks=CHECKS)

        exercise()
    return ran


def test_the_api_never_errors_and_answers_as_documented(app, make_token):
    """For generated requests, valid and invalid, does every answer match the document and never 500?"""
    headers = {"Authorization": f"Bearer {make_token('admin', name='fuzzer')}"}
    assert fuzz(app, headers, 25) > 0


@pytest.mark.fuzz
@pytest.mark.slow
def test_thousands_of_generated_cases_find_no_server_error_or_mismatch(app, make_token):
    """Over thousands of generated cases per backend, is there no 500 and no answer the document does not state?"""
    headers = {"Authorization": f"Bearer {make_token('admin', name='fuzzer')}"}
    assert fuzz(app, headers, LONG_EXAMPLES) >= 1000
