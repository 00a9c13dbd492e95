"""The same faults over real sockets (a misbehaving server on 127.0.0.1): 412 within the deadline.

respx cannot show a peer that accepts and never answers, bytes trickling in, a body cut short or
a port nobody listens on; ``LocalFhirServer`` does. The Patient read and Condition search answer
normally; the Observation search misbehaves.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.conftest import running_app
from tests.faults.conftest import (
    TOKEN,
    assert_precondition_failed,
    fault_settings,
    heart_rate,
    patient,
    pv_request,
    timed_post,
)
from tests.faults.local_server import LocalFhirServer

# (case, behaviour fields, words one of which the OperationOutcome must use)
FAULTS: list[tuple[str, dict[str, Any], tuple[str, ...]]] = [
    ("accepts and never answers", {"mode": "hang"}, ("within", "timeout")),
    ("slow drip", {"mode": "drip"}, ("within", "timeout")),
    ("body cut short", {"mode": "cut"}, ("connect", "protocol", "json", "incomplete")),
    ("401", {"mode": "status", "status": 401}, ("401",)),
    ("403", {"mode": "status", "status": 403}, ("403",)),
    ("404", {"mode": "status", "status": 404}, ("404",)),
    ("500", {"mode": "status", "status": 500, "body": b"<html>oops</html>"}, ("500",)),
    (
        "malformed JSON",
        {"mode": "raw", "body": b'{"resourceType": "Bundle", "entry": [}'},
        ("json",),
    ),
    (
        "a Patient where a Bundle is expected",
        {"mode": "raw", "body": orjson.dumps(patient())},
        ("bundle",),
    ),
]


@pytest.mark.parametrize(
    ("behaviour", "hints"), [f[1:] for f in FAULTS], ids=[f[0] for f in FAULTS]
)
async def test_live_fault_is_412_within_deadline(
    tmp_path: Path, local_fhir: LocalFhirServer, behaviour: dict[str, Any], hints: tuple[str, ...]
) -> None:
    for name, value in behaviour.items():
        setattr(local_fhir.behaviour, name, value)
    async with running_app(fault_settings(tmp_path, local_fhir.base)) as client:
        result = await timed_post(client, pv_request(local_fhir.base))
    assert any(t.startswith("/fhir/Observation") for t in local_fhir.requests)
    assert set(local_fhir.authorizations) == {f"Bearer {TOKEN}"}
    assert_precondition_failed(result, "observations", hints)


async def test_endless_next_stops_at_max_pages(tmp_path: Path, local_fhir: LocalFhirServer) -> None:
    local_fhir.behaviour.mode = "endless-next"
    async with running_app(fault_settings(tmp_path, local_fhir.base, max_pages=3)) as client:
        result = await timed_post(client, pv_request(local_fhir.base))
    # the Observation searches are dropped ("not retrieved"), the call answers
    assert result.response.status_code == 200, result.response.text[:500]
    searches = [t for t in local_fhir.requests if t.startswith("/fhir/Observation")]
    pages = [t for t in local_fhir.requests if t.startswith("/fhir/page/")]
    assert len(pages) == 3 * len(searches)  # each search's first page and CDS_MAX_PAGES more


async def test_connection_refused(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port that nobody listens on once this socket is closed
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}/fhir"
    async with running_app(fault_settings(tmp_path, base)) as client:
        result = await timed_post(client, pv_request(base))
    assert_precondition_failed(result, "patient", ("connect",))
    assert_precondition_failed(result, "observations", ("connect",))


async def test_healthy_server_gives_cards(tmp_path: Path, local_fhir: LocalFhirServer) -> None:
    """The control case: the same set-up with a well-behaved server answers 200."""
    local_fhir.behaviour.searches["Observation"] = [heart_rate("obs-1")]
    async with running_app(fault_settings(tmp_path, local_fhir.base)) as client:
        result = await timed_post(client, pv_request(local_fhir.base))
    assert result.response.status_code == 200, result.response.text[:500]
    assert "cards" in result.response.json()
    assert any(t.startswith("/fhir/Observation") for t in local_fhir.requests)
