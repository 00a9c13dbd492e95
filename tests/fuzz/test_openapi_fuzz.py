"""Property-based requests against our own OpenAPI schema (schemathesis 4, in process over ASGI).

Every operation the schema documents gets generated requests, valid and invalid: no answer may be
a 5xx, and every answer must conform to the schema (documented status, content type, body
shape). The example count is bounded so the whole module stays well under a minute.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import make_settings

MAX_EXAMPLES = 20
CONFORMANCE = [
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _load_schema() -> schemathesis.BaseSchema:
    """The app's own schema, loaded at collection (schemathesis 4's ``from_fixture`` loader
    fails under pytest 9: ``'Function' object has no attribute '_nodeid'``)."""
    from cds.app import create_app

    # No FHIR server is allowed, so nothing generated can make the service call out.
    app = create_app(make_settings(Path(_TMP.name), fhir_allowlist=[]))
    return schemathesis.openapi.from_asgi("/openapi.json", app)


_TMP = tempfile.TemporaryDirectory(prefix="cds-fuzz-")
schema = _load_schema()


@pytest.fixture(scope="module", autouse=True)
def _cleanup() -> Iterator[None]:
    yield
    _TMP.cleanup()


_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


@schema.parametrize()
@_SETTINGS
def test_no_server_error(case: schemathesis.Case) -> None:
    """Whatever arrives, the answer is never a 5xx (no traceback reaches a caller)."""
    case.call_and_validate(checks=[not_a_server_error])


@schema.parametrize()
@_SETTINGS
def test_responses_conform_to_the_schema(case: schemathesis.Case) -> None:
    """Documented status codes, content types and body shapes, for good and bad input alike."""
    case.call_and_validate(checks=CONFORMANCE)
