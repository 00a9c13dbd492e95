"""Shared by the assessment app's tests (plain and browser): charts, hook calls, the mock EHR.

Charts are the repository's fixture bundles with their dates moved to the test's "now"; two
are cut down so that the Wells examination is undocumented:

- ``missing-data-wells-range``: as shipped (left calf pain, no examination recorded).
- ``muscle-strain-wells-minus-2`` without its examination Observations: a clinician-diagnosed
  calf strain and a negative D-dimer, so answering the examination decides between
  "document the criteria" and DVT excluded (MSK guidance).
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from cds.fixture_bundle import load_fixture
from cds.services import service_id_for
from tests.conftest import REPO_ROOT

FIXTURES = REPO_ROOT / "fixtures"
# The Wells examination Observations of muscle-strain-wells-minus-2 (tenderness, entire leg
# swollen, pitting oedema, both calf circumferences and their difference, collateral veins).
STRAIN_EXAM_IDS = frozenset({"obs-03", "obs-04", "obs-05", "obs-08", "obs-09", "obs-10", "obs-11"})


class MutableClock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def chart(name: str, now: datetime) -> tuple[list[dict[str, Any]], str]:
    """``(record, patient id)`` of a fixture at ``now``."""
    fixture = load_fixture(FIXTURES / f"{name}.json", now=now)
    record = fixture.record
    if name == "muscle-strain-wells-minus-2":
        record = [r for r in record if r.get("id") not in STRAIN_EXAM_IDS]
    return record, fixture.patient_id


def hook_body(fhir: str, token: str, patient: str) -> dict[str, Any]:
    """A patient-view call without prefetch: the service fetches the chart itself."""
    return {
        "hook": "patient-view",
        "hookInstance": str(uuid.uuid4()),
        "fhirServer": fhir,
        "fhirAuthorization": {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": 300,
            "scope": "patient/*.rs",
            "subject": "ehr",
            "patient": patient,
        },
        "context": {"userId": "Practitioner/pract-smart-1", "patientId": patient},
    }


async def call_hook(client: httpx.AsyncClient, fhir: str, token: str, patient: str) -> Any:
    response = await client.post(
        f"/cds-services/{service_id_for('patient-view')}", json=hook_body(fhir, token, patient)
    )
    assert response.status_code == 200, response.text
    return response.json()


def topics(body: dict[str, Any]) -> list[str]:
    return [card["source"]["topic"]["code"] for card in body["cards"]]


def smart_link(body: dict[str, Any]) -> dict[str, Any]:
    links = [link for card in body["cards"] for link in card.get("links", [])]
    found = [link for link in links if link["type"] == "smart"]
    assert len(found) == 1, links
    return found[0]


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF field in the page"
    return match.group(1)
