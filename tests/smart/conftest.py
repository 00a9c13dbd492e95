"""The mock EHR on 127.0.0.1 (one per test session) and the service, in process, pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import make_settings, running_app
from tests.smart.helpers import MutableClock
from tests.smart.mock_ehr import MockEhr, ThreadedServer


@pytest.fixture(scope="session")
def ehr_server() -> Iterator[MockEhr]:
    ehr = MockEhr()
    server = ThreadedServer()
    ehr.base = server.start(ehr.asgi())
    yield ehr
    server.stop()


@pytest.fixture
def ehr(ehr_server: MockEhr) -> MockEhr:
    ehr_server.serve([], "")
    ehr_server.tokens.add("ehr-hook-token")
    return ehr_server


@pytest.fixture
def clock() -> MutableClock:
    return MutableClock()


def smart_settings(tmp_path: Path, ehr: MockEhr, **overrides: Any) -> Any:
    values: dict[str, Any] = {
        "fhir_allowlist": [ehr.fhir],
        "public_url": "http://cds.test",
        "smart_write_back": True,
        "fhir_timeout_seconds": 2.0,
        "fetch_deadline_seconds": 4.0,
    }
    values.update(overrides)
    return make_settings(tmp_path, **values)


@pytest.fixture
async def app(
    tmp_path: Path, ehr: MockEhr, clock: MutableClock
) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(smart_settings(tmp_path, ehr), clock=clock) as client:
        yield client


@pytest.fixture
async def browser_http() -> AsyncIterator[httpx.AsyncClient]:
    """What the clinician's browser does at the EHR (sign-in page and form)."""
    async with httpx.AsyncClient(timeout=5) as client:
        yield client
