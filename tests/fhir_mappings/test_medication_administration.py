"""MedicationAdministration: an inpatient's doses, read through the one medication code path.

A dose in progress, or completed within ``ADMINISTRATION_HOURS``, is a drug given now; an older
dose alone leaves the drug unknown (never absent); a dose not given never counts. The drug comes
from ``medicationCodeableConcept`` or a referenced / contained Medication, exactly as for a
MedicationRequest or MedicationStatement. Anticoagulation started at the earliest dose given in
the recent window, so a D-dimer taken after the first of several doses is not counted.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from fhir_mappings.extract import MappingOptions, extract_features
from fhir_mappings.features import FeatureName, FeatureSet, State
from fhir_mappings.records import ADMINISTRATION_HOURS

from .builders import LNC, NOW, PID, UCUM

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ENOXAPARIN = "854252"  # 1 ML enoxaparin sodium 150 MG/ML Prefilled Syringe (Anticoagulants VSAC)
HEPARIN = "1361615"  # heparin sodium, porcine 5000 UNT/ML Injectable Solution
DEPOT_MPA = "1000126"  # 1 ML medroxyprogesterone acetate 150 MG/ML Injection (Contraceptives)
CYCLOPHOSPHAMIDE = "1734917"  # cyclophosphamide 500 MG Injection (chemotherapy agents)
AVAILABLE = ("Condition", "Observation", "Procedure", "MedicationAdministration")


def dose(
    rid: str,
    hours_ago: float,
    *,
    code: str = ENOXAPARIN,
    status: str = "completed",
    **fields: Any,
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "MedicationAdministration",
        "id": rid,
        "status": status,
        "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": code}]},
        "subject": {"reference": f"Patient/{PID}"},
        "effectiveDateTime": (NOW - timedelta(hours=hours_ago)).isoformat(),
    }
    resource.update(fields)
    return resource


def mapped(*resources: dict[str, Any]) -> FeatureSet:
    return extract_features(
        resources, patient_id=PID, now=NOW, options=MappingOptions(), available=AVAILABLE
    )


def test_a_dose_given_within_the_window_is_a_current_anticoagulant_and_says_so() -> None:
    fs = mapped(dose("ma-1", 20))
    feature = fs.features[FeatureName.ANTICOAGULANT]
    assert feature.state is State.PRESENT
    (ev,) = feature.evidence
    assert ev.reference == "MedicationAdministration/ma-1"
    assert ev.concept is not None and ev.concept.code == ENOXAPARIN
    assert ev.value == "status completed"
    assert ev.note == f"given within {ADMINISTRATION_HOURS} h"
    assert fs.anticoagulation_started == NOW - timedelta(hours=20)


def test_only_an_older_dose_leaves_the_anticoagulant_unknown_not_absent() -> None:
    fs = mapped(dose("ma-1", ADMINISTRATION_HOURS + 1))
    feature = fs.features[FeatureName.ANTICOAGULANT]
    assert feature.state is State.UNKNOWN
    assert feature.reason == (
        f"only MedicationAdministration given more than {ADMINISTRATION_HOURS} h ago"
    )
    assert fs.anticoagulation_started is None


@pytest.mark.parametrize("status", ["not-done", "entered-in-error", "stopped", "on-hold"])
def test_a_dose_not_given_never_counts(status: str) -> None:
    fs = mapped(dose("ma-1", 2, status=status))
    feature = fs.features[FeatureName.ANTICOAGULANT]
    assert feature.state is State.UNKNOWN
    assert feature.reason == f"only MedicationAdministration status {status}"
    assert fs.anticoagulation_started is None


def test_an_infusion_in_progress_is_current_from_its_start() -> None:
    started = NOW - timedelta(days=5)
    infusion = dose("ma-1", 0, code=HEPARIN, status="in-progress")
    del infusion["effectiveDateTime"]
    infusion["effectivePeriod"] = {"start": started.isoformat()}
    fs = mapped(infusion)
    assert fs.features[FeatureName.ANTICOAGULANT].present
    assert fs.anticoagulation_started == started


def test_anticoagulation_started_at_the_first_dose_of_the_course() -> None:
    """Doses 3 days, 47 h and 16 h ago: current, and started 3 days ago, so a D-dimer taken
    2 days ago came after anticoagulation started."""
    fs = mapped(dose("ma-1", 72), dose("ma-2", 47), dose("ma-3", 16))
    feature = fs.features[FeatureName.ANTICOAGULANT]
    assert feature.present
    assert [ev.reference for ev in feature.evidence if ev.note] == [
        "MedicationAdministration/ma-3",
        "MedicationAdministration/ma-2",
    ]
    assert fs.anticoagulation_started == NOW - timedelta(hours=72)


def test_doses_older_than_the_recent_window_do_not_move_the_start() -> None:
    recent_days = MappingOptions().recent_symptom_days
    fs = mapped(dose("ma-old", 24 * (recent_days + 1)), dose("ma-2", 10))
    assert fs.anticoagulation_started == NOW - timedelta(hours=10)


def test_a_dose_charted_in_the_future_is_left_out() -> None:
    fs = mapped(dose("ma-1", -30))
    assert fs.features[FeatureName.ANTICOAGULANT].state is State.UNKNOWN
    assert [s.reference for s in fs.skipped] == ["MedicationAdministration/ma-1"]
    assert "future" in fs.skipped[0].reason


def test_a_dose_without_a_time_is_skipped_with_a_reason() -> None:
    undated = dose("ma-1", 0)
    del undated["effectiveDateTime"]
    fs = mapped(undated)
    assert fs.features[FeatureName.ANTICOAGULANT].state is State.UNKNOWN
    assert [s.reference for s in fs.skipped] == ["MedicationAdministration/ma-1"]


def _medication(mid: str, code: str) -> dict[str, Any]:
    return {
        "resourceType": "Medication",
        "id": mid,
        "code": {"coding": [{"system": RXNORM, "code": code}]},
    }


def test_the_drug_of_a_contained_or_referenced_medication_is_read() -> None:
    contained = dose("ma-1", 3, medicationReference={"reference": "#m"})
    del contained["medicationCodeableConcept"]
    contained["contained"] = [_medication("m", ENOXAPARIN)]
    referenced = dose("ma-2", 3, medicationReference={"reference": "Medication/m2"})
    del referenced["medicationCodeableConcept"]
    for resources in ([contained], [referenced, _medication("m2", ENOXAPARIN)]):
        feature = mapped(*resources).features[FeatureName.ANTICOAGULANT]
        assert feature.present, resources
        assert feature.evidence[0].concept is not None
        assert feature.evidence[0].concept.code == ENOXAPARIN


@pytest.mark.parametrize(
    ("resource_type", "fields"),
    [
        ("MedicationRequest", {"intent": "order", "authoredOn": "2025-05-31T12:00:00+00:00"}),
        ("MedicationStatement", {"effectiveDateTime": "2025-05-31T12:00:00+00:00"}),
        ("MedicationAdministration", {"effectiveDateTime": "2025-05-31T12:00:00+00:00"}),
    ],
)
def test_every_medication_record_type_gives_the_same_drug_class(
    resource_type: str, fields: dict[str, Any]
) -> None:
    """One code path: the same contained enoxaparin is an anticoagulant whatever the record."""
    status = "active" if resource_type != "MedicationAdministration" else "completed"
    resource: dict[str, Any] = {
        "resourceType": resource_type,
        "id": "r1",
        "status": status,
        "subject": {"reference": f"Patient/{PID}"},
        "medicationReference": {"reference": "#m"},
        "contained": [_medication("m", ENOXAPARIN)],
        **fields,
    }
    feature = mapped(resource).features[FeatureName.ANTICOAGULANT]
    assert feature.present
    assert feature.evidence[0].reference == f"{resource_type}/r1"
    assert mapped(resource).anticoagulation_started == NOW - timedelta(days=1)


def test_a_depot_contraceptive_given_weeks_ago_is_unknown_not_absent() -> None:
    fs = mapped(dose("ma-1", 24 * 28, code=DEPOT_MPA))
    feature = fs.features[FeatureName.HORMONAL_CONTRACEPTION]
    assert feature.state is State.UNKNOWN
    assert "MedicationAdministration given more than" in (feature.reason or "")
    recent = mapped(dose("ma-2", 5, code=DEPOT_MPA)).features[FeatureName.HORMONAL_CONTRACEPTION]
    assert recent.present


def test_chemotherapy_given_within_six_months_is_active_cancer() -> None:
    given = mapped(dose("ma-1", 24 * 60, code=CYCLOPHOSPHAMIDE))
    cancer = given.features[FeatureName.ACTIVE_CANCER]
    assert cancer.present
    assert cancer.evidence[0].reference == "MedicationAdministration/ma-1"
    not_given = mapped(dose("ma-2", 24 * 60, code=CYCLOPHOSPHAMIDE, status="not-done"))
    assert not not_given.features[FeatureName.ACTIVE_CANCER].present


def test_a_d_dimer_after_the_first_dose_is_not_counted() -> None:
    from cds.settings import Settings
    from cds.triage.ddimer import eligible

    ddimer = {
        "resourceType": "Observation",
        "id": "dd-1",
        "status": "final",
        "code": {"coding": [{"system": LNC, "code": "48065-7"}]},
        "subject": {"reference": f"Patient/{PID}"},
        "effectiveDateTime": (NOW - timedelta(hours=50)).isoformat(),
        "valueQuantity": {"value": 300, "unit": "ng/mL", "system": UCUM, "code": "ng/mL"},
    }
    fs = mapped(ddimer, dose("ma-1", 72), dose("ma-2", 40), dose("ma-3", 16))
    counted, ignored = eligible(fs, Settings(auth="off"))
    assert counted is None
    (why,) = [why for _, why in ignored]
    assert why == "taken after anticoagulation started (unreliable, NG158)"
