"""Shared paths and replay helpers for the fixture / golden tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import respx

from cds import triage
from cds.fixture_bundle import Fixture, load_fixture
from cds.replay.golden import golden_path, is_fixture_file, normalise, read_golden
from cds.replay.transport import InProcessSender
from tests.fakes.fhir_server import BASE, TOKEN, FakeFhirServer

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = REPO_ROOT / "fixtures"
CASES = sorted(p for p in FIXTURES.glob("*.json") if is_fixture_file(p))
TOPICS = tuple(topic.code for topic in triage.topics())


def case_id(path: Path) -> str:
    return path.name.removesuffix(".json")


def golden(path: Path) -> dict[str, Any] | None:
    return read_golden(golden_path(path))


async def replay_prefetched(fixture: Fixture) -> dict[str, Any]:
    """Everything prefetched from the discovery templates; no FHIR server in the request."""
    async with InProcessSender() as sender:
        return normalise(await sender.send(fixture))


async def replay_fetched(fixture: Fixture) -> tuple[dict[str, Any], FakeFhirServer]:
    """No prefetch: the service fetches everything from the fake FHIR server (bearer token)."""
    server = FakeFhirServer(fixture.record)
    with respx.mock(assert_all_called=True) as router:
        server.install(router)
        async with InProcessSender(
            fhir_allowlist=[BASE], fhir_server=BASE, access_token=TOKEN
        ) as sender:
            response = await sender.send(fixture, prefetch=False)
    return normalise(response), server


def load(path: Path) -> Fixture:
    return load_fixture(path)
