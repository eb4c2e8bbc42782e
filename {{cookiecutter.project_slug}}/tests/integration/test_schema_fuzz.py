"""Schema fuzzing: schemathesis drives the app in-process from its own OpenAPI schema.

Every operation gets hypothesis' default example budget (100 examples) of valid input, and
each one that takes input as many invalid ones, each checked by schemathesis' default checks: no 5xx, and every status,
content type, header and body as the schema documents them.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

OPERATIONS = [
    ("POST", "/ask"),
    ("POST", "/search"),
    ("POST", "/feedback"),
    ("GET", "/health"),
    ("GET", "/ready"),
    ("GET", "/metrics"),
    ("POST", "/admin/reload"),
]


@pytest.fixture(scope="module")
def api_schema(api_app):
    return schemathesis.openapi.from_asgi("/openapi.json", api_app)


def test_every_operation_is_fuzzed(api_schema):
    found = {(op.ok().method.upper(), op.ok().path) for op in api_schema.get_all_operations()}
    assert found == set(OPERATIONS)


# Invalid input exists only where there is input: the POST bodies and the admin header.
CASES = [(m, p, GenerationMode.POSITIVE) for m, p in OPERATIONS] + [
    (m, p, GenerationMode.NEGATIVE) for m, p in OPERATIONS if m == "POST"
]


@pytest.mark.slow
@pytest.mark.parametrize(("method", "path", "mode"), CASES)
def test_operation_matches_its_schema_and_never_fails(api_schema, method, path, mode):
    operation = api_schema[path][method]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def run(case) -> None:
        case.call_and_validate()

    run()
