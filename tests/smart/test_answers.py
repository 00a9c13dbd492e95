"""The app's answers are written as the mapping layer reads them: each saved Observation is read
back by ``fhir_mappings`` as the Wells criterion it answers, on the right leg."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from cds.smart import answers as ans
from fhir_mappings.extract import MappingOptions, extract_features
from fhir_mappings.features import FeatureName, Laterality, State

NOW = datetime(2025, 3, 14, 10, 0, tzinfo=UTC)
PATIENT = "pt-1"
FEATURES = {
    "deep_vein_tenderness": FeatureName.DEEP_VEIN_TENDERNESS,
    "entire_leg_swollen": FeatureName.ENTIRE_LEG_SWOLLEN,
    "pitting_oedema": FeatureName.PITTING_OEDEMA,
    "collateral_veins": FeatureName.COLLATERAL_VEINS,
}
AVAILABLE = frozenset({"Patient", "Condition", "Observation", "Procedure", "MedicationRequest"})


def _read(resources: list[dict[str, object]]):  # type: ignore[no-untyped-def]
    patient = {"resourceType": "Patient", "id": PATIENT, "birthDate": "1970-01-01"}
    return extract_features(
        [patient, *resources],
        patient_id=PATIENT,
        now=NOW,
        options=MappingOptions(),
        available=AVAILABLE,
    )


@pytest.mark.parametrize("leg", ["left", "right"])
@pytest.mark.parametrize("value", ["present", "absent"])
def test_each_exam_answer_is_read_back_as_its_criterion(leg: str, value: str) -> None:
    answers = ans.read_answers(dict.fromkeys(FEATURES, value), leg)
    written = ans.observations(answers, patient=PATIENT, performer="Practitioner/p", now=NOW)
    assert len(written) == 4
    features = _read(written)
    for name in FEATURES.values():
        feature = features.get(name)
        assert feature.state is (State.PRESENT if value == "present" else State.ABSENT), name
        if value == "present":
            assert feature.laterality is Laterality(leg)


def test_circumferences_are_read_back_with_their_difference() -> None:
    answers = ans.read_answers({"calf_left_cm": "41,2", "calf_right_cm": "37"}, "left")
    assert answers.calf_difference_cm == Decimal("4.2")
    written = ans.observations(answers, patient=PATIENT, performer=None, now=NOW)
    assert [o["valueQuantity"]["value"] for o in written] == [41.2, 37.0]
    feature = _read(written).get(FeatureName.CALF_DIFFERENCE)
    assert feature.state is State.PRESENT
    assert feature.quantity is not None
    assert feature.quantity.value == pytest.approx(4.2)


def test_unanswered_items_write_nothing_and_bad_numbers_are_explained() -> None:
    answers = ans.read_answers({"pitting_oedema": "", "calf_left_cm": "abc"}, "left")
    assert ans.observations(answers, patient=PATIENT, performer=None, now=NOW) == []
    assert answers.errors == ["The left calf circumference is not a number of centimetres."]
    huge = ans.read_answers({"calf_right_cm": "1e9"}, "left")
    assert huge.errors == ["The right calf circumference must be between 0 and 100 cm."]


def test_without_a_leg_nothing_is_written() -> None:
    answers = ans.read_answers({"pitting_oedema": "present"}, None)
    assert (
        answers.errors and ans.observations(answers, patient=PATIENT, performer=None, now=NOW) == []
    )


def test_judged_alternative_is_read_as_a_clinician_asserted_current_diagnosis() -> None:
    answers = ans.read_answers({"alternative": "cellulitis"}, "left")
    condition = ans.alternative_condition(
        answers, patient=PATIENT, performer="Practitioner/p", now=NOW
    )
    assert condition is not None
    (alternative,) = _read([condition]).alternatives
    assert alternative.kind == "cellulitis"
    assert alternative.clinician_asserted and alternative.current_episode
