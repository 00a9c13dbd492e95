"""Not found is not absent: a record coded in no system the lists hold (a CPT-only procedure, a
local or text-only problem) could be what a record-based Wells criterion looks for, so the
criterion is unknown and says which records could not be read, instead of "none found"."""

from __future__ import annotations

from typing import Any

from cds.settings import Settings
from cds.triage import evaluate
from fhir_mappings.features import FeatureName, State

from .builders import SCT, condition, run, when

F = FeatureName
CPT = "http://www.ama-assn.org/go/cpt"
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
KNEE = "Total knee arthroplasty"


def cpt_procedure(days_ago: float, *, rid: str = "knee", status: str = "completed") -> Any:
    return {
        "resourceType": "Procedure",
        "id": rid,
        "status": status,
        "subject": {"reference": "Patient/p1"},
        "code": {"coding": [{"system": CPT, "code": "27447", "display": KNEE}]},
        "performedDateTime": when(days_ago),
    }


def text_condition(
    text: str, *, clinical: str = "active", rid: str = "txt", days_ago: float = 200
) -> Any:
    return {
        "resourceType": "Condition",
        "id": rid,
        "subject": {"reference": "Patient/p1"},
        "clinicalStatus": {"coding": [{"system": CLINICAL, "code": clinical}]},
        "code": {"text": text},
        "onsetDateTime": when(days_ago),
    }


def state(name: str, *resources: Any) -> tuple[State, str]:
    got = run([condition(SCT, "300954003", rid="calf"), *resources]).get(name)
    return got.state, got.reason or ""


def test_a_cpt_only_operation_in_the_window_leaves_recent_surgery_unknown() -> None:
    found, reason = state(F.RECENT_MAJOR_SURGERY, cpt_procedure(20))
    assert found is State.UNKNOWN
    assert reason == (
        "no surgery in the window found among 1 Procedure (value sets: Major Surgical Procedure, "
        "General Surgery, Gynecological Surgery, Urological Surgery and 5 more), but 1 record "
        "could not be read (coded in no system the lists hold, e.g. CPT only, or text only): "
        "Procedure/knee (Total knee arthroplasty); surgery in the window unknown"
    )


def test_a_cpt_only_operation_long_ago_cannot_be_recent_surgery() -> None:
    assert state(F.RECENT_MAJOR_SURGERY, cpt_procedure(400))[0] is State.ABSENT


def test_a_cancelled_or_erroneous_record_is_not_counted_as_unread() -> None:
    assert state(F.RECENT_MAJOR_SURGERY, cpt_procedure(20, status="not-done"))[0] is State.ABSENT


def test_a_text_only_problem_leaves_the_condition_criteria_unknown() -> None:
    problem = text_condition("metastatic breast ca")
    for name in (F.ACTIVE_CANCER, F.PARALYSIS_OR_PLASTER, F.PREVIOUS_DVT):
        found, reason = state(name, problem)
        assert found is State.UNKNOWN, name
        assert "Condition/txt (metastatic breast ca)" in reason


def test_an_unread_problem_counts_for_bed_confinement_only_within_its_window() -> None:
    assert state(F.BEDRIDDEN, text_condition("bed bound", days_ago=5))[0] is State.UNKNOWN
    assert state(F.BEDRIDDEN, text_condition("bed bound", days_ago=200))[0] is State.ABSENT


def test_a_resolved_unread_problem_can_only_be_a_previous_clot() -> None:
    resolved = text_condition("old clot, treated", clinical="resolved")
    assert state(F.ACTIVE_CANCER, resolved)[0] is State.ABSENT
    assert state(F.PREVIOUS_DVT, resolved)[0] is State.UNKNOWN


def test_a_readable_code_that_matches_no_list_is_truly_not_found() -> None:
    asthma = condition(SCT, "195967001", rid="asthma")  # SNOMED: read, and not a cancer
    assert state(F.ACTIVE_CANCER, asthma)[0] is State.ABSENT


def test_the_wells_card_names_the_record_it_could_not_read() -> None:
    features = run([condition(SCT, "300954003", rid="calf"), cpt_procedure(20)])
    (card,) = evaluate(features, hook="patient-view", settings=Settings(), hook_instance="h")
    assert "Procedure/knee (Total knee arthroplasty); surgery in the window unknown" in (
        card.detail or ""
    )
