"""Shared pieces of the fault tests: small deadlines, a no-prefetch request, the expected 412.

Deadlines are set small (0.5 s per FHIR call, 1.0 s for all fallback fetches of a request) so a
fault that is not cut off shows up as a slow test and a failed ``elapsed`` assertion, not as a
hung suite.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from cds.settings import Settings
from tests.conftest import make_settings
from tests.faults.local_server import LocalFhirServer

PATIENT_ID = "pat-fault-1"
TOKEN = "fault-test-token"
FHIR_TIMEOUT = 0.5
FETCH_DEADLINE = 1.0
# Scheduling noise on a loaded 2-core CI machine; a hang would take MAX_STALL (10 s) or more.
MARGIN = 1.5
PV = "/cds-services/calf-pain-patient-view"


def fault_settings(tmp_path: Path, base: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "fhir_allowlist": [base],
        "fhir_timeout_seconds": FHIR_TIMEOUT,
        "fetch_deadline_seconds": FETCH_DEADLINE,
        "max_pages": 5,
    }
    values.update(overrides)
    return make_settings(tmp_path, **values)


def patient() -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": PATIENT_ID,
        "gender": "male",
        "birthDate": "1970-01-01",
    }


def calf_pain() -> dict[str, Any]:
    """An active Condition, SNOMED 300954003 "Pain in calf" (CLINICAL.md §2.1)."""
    return {
        "resourceType": "Condition",
        "id": "cond-1",
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": "active",
                }
            ]
        },
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "300954003"}]},
        "subject": {"reference": f"Patient/{PATIENT_ID}"},
        "onsetDateTime": "2025-02-28T09:00:00Z",
    }


def heart_rate(oid: str, patient_id: str = PATIENT_ID) -> dict[str, Any]:
    """LOINC 8867-4 heart rate, /min (CLINICAL.md §2.3)."""
    return {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
        "subject": {"reference": f"Patient/{patient_id}"},
        "effectiveDateTime": "2025-03-01T10:00:00Z",
        "valueQuantity": {
            "value": 88,
            "unit": "/min",
            "system": "http://unitsofmeasure.org",
            "code": "/min",
        },
    }


def pv_request(base: str, prefetch: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "hook": "patient-view",
        "hookInstance": str(uuid.uuid4()),
        "fhirServer": base,
        "fhirAuthorization": {
            "access_token": TOKEN,
            "token_type": "Bearer",
            "expires_in": 300,
            "scope": "user/*.read",
            "subject": "calf-triage",
        },
        "context": {"userId": "Practitioner/doc-1", "patientId": PATIENT_ID},
    }
    if prefetch is not None:
        body["prefetch"] = prefetch
    return body


@dataclass
class Timed:
    response: httpx.Response
    elapsed: float


async def timed_post(client: httpx.AsyncClient, body: dict[str, Any]) -> Timed:
    started = time.monotonic()
    response = await client.post(PV, json=body, timeout=30)
    return Timed(response, time.monotonic() - started)


def assert_precondition_failed(result: Timed, key: str, hints: tuple[str, ...]) -> None:
    """412 with an OperationOutcome naming the prefetch key and why, within the deadline."""
    r = result.response
    assert r.status_code == 412, r.text[:500]
    assert result.elapsed < FETCH_DEADLINE + MARGIN, f"took {result.elapsed:.2f} s"
    body = r.json()
    assert body["resourceType"] == "OperationOutcome"
    issues = [i for i in body["issue"] if f"prefetch.{key}" in i.get("expression", [])]
    assert issues, body
    text = " ".join(i["diagnostics"] for i in issues).lower()
    assert any(h in text for h in hints), text
    assert TOKEN not in r.text


@pytest.fixture
def local_fhir() -> Iterator[LocalFhirServer]:
    server = LocalFhirServer().start()
    server.behaviour.resources[f"Patient/{PATIENT_ID}"] = patient()
    server.behaviour.searches["Condition"] = [calf_pain()]
    try:
        yield server
    finally:
        server.stop()
