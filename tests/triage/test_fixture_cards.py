"""Every fixture bundle, mapped and triaged in process, yields cards that meet the contract.

This does not pin topics (the golden files and tests/replay do); it checks that whatever the
triage says for a realistic chart is a valid, explainable, deterministic CDS Hooks card set.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cds import triage
from cds.replay.fixture import load_fixture
from fhir_mappings.extract import MappingOptions, extract_features
from tests.triage.contract import check_cards

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
CASES = sorted(p for p in FIXTURES.glob("*.json") if not p.name.endswith(".expected.json"))
DATASETS = frozenset({"Condition", "Observation", "Procedure", "MedicationRequest", "Patient"})


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_fixture_cards_meet_the_contract(path: Path) -> None:
    fixture = load_fixture(path)
    resources = [entry["resource"] for entry in fixture.bundle.get("entry", [])]
    drafts = [r for r in resources if r.get("status") == "draft"]
    features = extract_features(
        [r for r in resources if r.get("status") != "draft"],
        patient_id=fixture.patient_id,
        now=fixture.now,
        options=MappingOptions(),
        available=DATASETS,
        draft_orders=drafts,
    )
    hook = fixture.hook or "patient-view"
    options = triage.TriageOptions()
    first = triage.evaluate(features, hook=hook, options=options, hook_instance="fixture")  # type: ignore[arg-type]
    again = triage.evaluate(features, hook=hook, options=options, hook_instance="fixture")  # type: ignore[arg-type]
    check_cards(first, patient=features.patient_ref)
    assert [c.model_dump() for c in first] == [c.model_dump() for c in again]
