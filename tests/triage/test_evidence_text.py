"""How a card cites the records behind a finding: a Condition, a procedure or a medication with
the display of its code, so the clinician recognises it; an Observation with its value."""

from __future__ import annotations

from datetime import UTC, datetime

from cds.triage.features_view import evidence_text
from fhir_mappings.features import Coding, Evidence

WHEN = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
SNOMED = "http://snomed.info/sct"
CANCER = Coding(SNOMED, "363406005", "Malignant tumor of colon")


def test_a_condition_is_cited_with_what_it_records() -> None:
    cited = evidence_text([Evidence("Condition/c1", CANCER, time=WHEN)])
    assert cited == "Condition/c1 (Malignant tumor of colon, 2026-01-05)"


def test_a_medication_is_cited_with_its_drug_before_its_status() -> None:
    warfarin = Coding("http://www.nlm.nih.gov/research/umls/rxnorm", "855332", "Warfarin 5 MG")
    cited = evidence_text([Evidence("MedicationRequest/m1", warfarin, "status active", WHEN)])
    assert cited == "MedicationRequest/m1 (Warfarin 5 MG, status active, 2026-01-05)"


def test_an_observation_is_cited_with_its_value_only() -> None:
    tender = Coding(SNOMED, "247348008", "Tenderness")
    cited = evidence_text([Evidence("Observation/o1", tender, "true", WHEN)])
    assert cited == "Observation/o1 (true, 2026-01-05)"


def test_a_display_already_given_as_the_value_is_not_repeated() -> None:
    surgery = Coding(SNOMED, "43075005", "Partial resection of colon")
    cited = evidence_text([Evidence("Procedure/p1", surgery, "Partial resection of colon", WHEN)])
    assert cited == "Procedure/p1 (Partial resection of colon, 2026-01-05)"


def test_a_card_that_has_just_named_the_record_can_leave_the_display_out() -> None:
    cited = evidence_text([Evidence("Condition/c1", CANCER, time=WHEN)], named=False)
    assert cited == "Condition/c1 (2026-01-05)"


def test_a_coding_without_a_display_cites_the_reference_and_time() -> None:
    bare = Coding(SNOMED, "363406005", None)
    assert evidence_text([Evidence("Condition/c1", bare, time=WHEN)]) == "Condition/c1 (2026-01-05)"
