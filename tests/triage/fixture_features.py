"""Fixture bundles mapped in process (no HTTP): the cases, and one bundle's FeatureSet."""

from __future__ import annotations

from pathlib import Path

from cds.fixture_bundle import Fixture, load_fixture
from fhir_mappings.extract import MappingOptions, extract_features
from fhir_mappings.features import FeatureSet

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
CASES = sorted(p for p in FIXTURES.glob("*.json") if not p.name.endswith(".expected.json"))
DATASETS = frozenset({"Condition", "Observation", "Procedure", "MedicationRequest", "Patient"})


def map_fixture(path: Path) -> tuple[Fixture, FeatureSet]:
    """The bundle's resources mapped as the service would (draft orders apart)."""
    fixture = load_fixture(path)
    resources = [entry["resource"] for entry in fixture.bundle.get("entry", [])]
    features = extract_features(
        [r for r in resources if r.get("status") != "draft"],
        patient_id=fixture.patient_id,
        now=fixture.now,
        options=MappingOptions(),
        available=DATASETS,
        draft_orders=[r for r in resources if r.get("status") == "draft"],
    )
    return fixture, features
