"""Every fixture replayed through the HTTP app both ways must give exactly its golden cards.

Once with all data prefetched (built from the discovery templates), once with no prefetch and the
service fetching from a respx-mocked FHIR server serving the same bundle. A golden changes only
through ``cds-triage replay --update`` and is reviewed like code.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle

from cds.fixture_bundle import HOOKS
from cds.replay.golden import diff
from tests.replay.helpers import (
    CASES,
    case_id,
    golden,
    load,
    replay_fetched,
    replay_prefetched,
)


def test_every_fixture_has_a_golden_file() -> None:
    assert len(CASES) >= 32
    missing = [case_id(p) for p in CASES if golden(p) is None]
    assert missing == []


@pytest.mark.parametrize("path", CASES, ids=case_id)
def test_fixture_is_a_realistic_r4_collection(path: Path) -> None:
    fixture = load(path)
    Bundle.model_validate(fixture.bundle)  # valid FHIR (R4B models, R4 on the wire)
    assert fixture.bundle["type"] == "collection"
    assert fixture.hook in HOOKS
    assert fixture.description and "\n" not in fixture.description
    patient = next(r for r in fixture.resources if r["resourceType"] == "Patient")
    assert patient.get("gender")
    # One case is a record without a birth date: the card must say the age is unknown.
    assert patient.get("birthDate") or case_id(path) == "no-birth-date-calf-pain"
    for resource in fixture.resources:
        subject = resource.get("subject") or resource.get("patient")
        if subject is not None:
            assert subject["reference"] == f"Patient/{fixture.patient_id}"
    if fixture.hook != "patient-view":
        assert fixture.draft_orders, "order hooks need draft orders"


@pytest.mark.parametrize("path", CASES, ids=case_id)
async def test_prefetched_replay_matches_golden(path: Path) -> None:
    actual = await replay_prefetched(load(path))
    assert diff(golden(path), actual, case_id(path)) == ""


@pytest.mark.parametrize("path", CASES, ids=case_id)
async def test_fetched_replay_matches_golden(path: Path) -> None:
    actual, server = await replay_fetched(load(path))
    assert server.queries, "the service did not fetch from the FHIR server"
    assert diff(golden(path), actual, case_id(path)) == ""
