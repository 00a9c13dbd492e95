"""Record-based Wells criteria, medications, alternative diagnoses, draft orders, Patient."""

from __future__ import annotations

from typing import Any

import pytest

from fhir_mappings.assemble import more_symptomatic_leg
from fhir_mappings.features import FeatureName, Laterality, State

from .builders import (
    ATC,
    ICD,
    LEFT,
    LNC,
    NOW,
    PID,
    SCT,
    concept,
    condition,
    observation,
    run,
    site,
    when,
)

F = FeatureName


@pytest.mark.parametrize(
    "feature", [F.ACTIVE_CANCER, F.PARALYSIS_OR_PLASTER, F.BEDRIDDEN, F.PREVIOUS_DVT, F.PREVIOUS_PE]
)
def test_absent_by_record_only_when_conditions_were_retrieved(feature: str) -> None:
    other = condition(ICD, "E11.9", rid="dm")  # an unrelated Condition
    retrieved = run([other], available=("Condition",)).get(feature)
    assert retrieved.state is State.ABSENT
    assert retrieved.reason is not None
    assert "found among 1 Condition (value sets: " in retrieved.reason
    missing = run([other], available=()).get(feature)
    assert missing.state is State.UNKNOWN
    assert "Condition data not available (not retrieved or not readable)" in (missing.reason or "")


@pytest.mark.parametrize(
    ("code", "changes", "state"),
    [
        ("C50.911", {}, State.PRESENT),
        (
            "C50.911",
            {"clinical": "remission", "abated_days": 60},
            State.PRESENT,
        ),  # treated < 6 months
        ("C50.911", {"clinical": "remission", "abated_days": 400}, State.ABSENT),
        ("Z85.3", {}, State.ABSENT),  # history code is not active cancer
        ("C50.911", {"verification": "refuted"}, State.ABSENT),
    ],
)
def test_active_cancer_vs_history(code: str, changes: dict[str, Any], state: State) -> None:
    assert run([condition(ICD, code, **changes)]).get(F.ACTIVE_CANCER).state is state


@pytest.mark.parametrize(
    ("changes", "note"),
    [
        ({"abated_days": 400}, "abated 2024-04-27, more than 6 months ago"),
        ({"abated_days": 60}, "abated 2025-04-02, within the last 6 months"),
        ({}, "abatement date not recorded"),
    ],
)
def test_resolved_cancer_evidence_says_when_it_abated(changes: dict[str, Any], note: str) -> None:
    got = run([condition(ICD, "C50.911", clinical="resolved", **changes)]).get(F.ACTIVE_CANCER)
    notes = [e.note or "" for e in got.evidence if e.reference == "Condition/c1"]
    assert notes == [f"clinicalStatus resolved; {note}"]


def test_snomed_history_of_cancer_is_not_active() -> None:
    got = run([condition(SCT, "266987004")]).get(F.ACTIVE_CANCER)
    assert got.state is State.ABSENT and "history of cancer" in (got.reason or "")


@pytest.mark.parametrize(
    ("changes", "current", "previous"),
    [
        ({"onset_days": 2}, State.PRESENT, State.ABSENT),  # this episode's DVT is not "previous"
        ({"onset_days": 400, "clinical": "resolved"}, State.UNKNOWN, State.PRESENT),
        ({"onset_days": 60}, State.PRESENT, State.PRESENT),  # still active, began before episode
    ],
)
def test_dvt_current_vs_previous(changes: dict[str, Any], current: State, previous: State) -> None:
    fs = run([condition(ICD, "I82.402", **changes)])
    assert fs.get(F.CURRENT_DVT).state is current
    assert fs.get(F.PREVIOUS_DVT).state is previous


def procedure(days_ago: float, status: str = "completed", surgical: bool = True) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "Procedure",
        "id": "pr",
        "status": status,
        "subject": {"reference": f"Patient/{PID}"},
        "code": {"text": "Knee arthroscopy"},
        "performedDateTime": when(days_ago),
    }
    if surgical:
        res["category"] = concept(SCT, "387713003")
    return res


@pytest.mark.parametrize(
    ("resource", "available", "state"),
    [
        (procedure(20), ("Procedure",), State.UNKNOWN),  # in window, anaesthesia unknown
        (procedure(20 * 7), ("Procedure",), State.ABSENT),  # older than 12 weeks
        (procedure(20, status="in-progress"), ("Procedure",), State.ABSENT),
        # text only, no category: unread, so it could be the operation (not found is not absent)
        (procedure(20, surgical=False), ("Procedure",), State.UNKNOWN),
        (procedure(20 * 7), (), State.UNKNOWN),
    ],
)
def test_recent_surgery(resource: dict[str, Any], available: tuple[str, ...], state: State) -> None:
    got = run([resource], available=available).get(F.RECENT_MAJOR_SURGERY)
    assert got.state is state


def test_surgery_in_window_keeps_evidence_time_for_1997_rule() -> None:
    got = run([procedure(20)], available=("Procedure",)).get(F.RECENT_MAJOR_SURGERY)
    assert got.evidence[0].reference == "Procedure/pr"
    assert got.evidence[0].time is not None and (NOW - got.evidence[0].time).days == 20
    assert "anaesthesia not recorded" in (got.reason or "")


def med(
    code: str, *, status: str = "active", system: str = ATC, days_ago: float = 3, rid: str = "m1"
) -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "id": rid,
        "status": status,
        "intent": "order",
        "subject": {"reference": f"Patient/{PID}"},
        "medicationCodeableConcept": concept(system, code),
        "authoredOn": when(days_ago),
    }


@pytest.mark.parametrize(
    ("code", "status", "state"),
    [
        ("B01AF02", "active", State.PRESENT),  # apixaban
        ("B01AB05", "on-hold", State.PRESENT),  # enoxaparin
        ("B01AA03", "stopped", State.UNKNOWN),
        ("B01AC06", "active", State.UNKNOWN),  # aspirin: antiplatelet, not an anticoagulant
    ],
)
def test_anticoagulant(code: str, status: str, state: State) -> None:
    assert run([med(code, status=status)]).get(F.ANTICOAGULANT).state is state


def test_anticoagulation_started_is_the_earliest_current_start() -> None:
    fs = run([med("B01AF01", rid="a", days_ago=2), med("B01AB05", rid="b", days_ago=1)])
    assert fs.anticoagulation_started is not None
    assert (NOW - fs.anticoagulation_started).days == 2


def test_hormonal_contraception_from_atc() -> None:
    assert run([med("G03AA07")]).get(F.HORMONAL_CONTRACEPTION).present


@pytest.mark.parametrize(
    ("code", "kind", "verification", "recorded", "asserted", "current"),
    [
        ("M71.21", "bakers_cyst", "confirmed", 1, True, True),
        ("L03.116", "cellulitis", "provisional", 1, True, True),
        ("I80.02", "superficial_thrombophlebitis", "differential", 1, False, True),
        ("S86.112A", "calf_tear", None, 60, False, False),
    ],
)
def test_alternative_diagnoses(
    code: str, kind: str, verification: str | None, recorded: float, asserted: bool, current: bool
) -> None:
    fs = run(
        [
            condition(
                ICD, code, verification=verification, recorded_days=recorded, onset_days=recorded
            )
        ]
    )
    found = {a.kind: a for a in fs.alternatives}
    assert kind in found
    assert found[kind].clinician_asserted is asserted
    assert found[kind].current_episode is current


def test_resolved_alternative_is_not_listed() -> None:
    assert run([condition(ICD, "M71.21", clinical="resolved")]).alternatives == []


@pytest.mark.parametrize(
    ("resource_type", "field", "system", "code", "kind"),
    [
        ("ServiceRequest", "code", SCT, "308447003", "physiotherapy"),
        ("ServiceRequest", "code", SCT, "91251008", "physiotherapy"),  # BE-REF
        ("ServiceRequest", "code", SCT, "103700007", "massage"),
        ("ServiceRequest", "code", SCT, "348681001", "compression"),
        ("MedicationRequest", "medicationCodeableConcept", ATC, "M01AE01", "nsaid"),
        ("ServiceRequest", "code", LNC, "48065-7", "ddimer"),
        ("ServiceRequest", "code", LNC, "44174-1", "ultrasound"),
        ("ServiceRequest", "code", SCT, "73761001", "other"),
    ],
)
def test_draft_orders_classified(
    resource_type: str, field: str, system: str, code: str, kind: str
) -> None:
    draft = {
        "resourceType": resource_type,
        "id": "d1",
        "status": "draft",
        "intent": "order",
        "subject": {"reference": f"Patient/{PID}"},
        field: concept(system, code),
    }
    fs = run([], draft_orders=[draft], selections=["ServiceRequest/other"])
    assert [(d.kind, d.selected) for d in fs.draft_orders] == [(kind, False)]
    assert run([], draft_orders=[draft]).draft_orders[0].selected


def test_draft_order_for_other_patient_is_skipped() -> None:
    draft = {
        "resourceType": "ServiceRequest",
        "id": "d",
        "status": "draft",
        "intent": "order",
        "subject": {"reference": "Patient/zzz"},
        "code": concept(SCT, "308447003"),
    }
    fs = run([], draft_orders=[draft])
    assert fs.draft_orders == [] and fs.skipped[0].reason == "other patient"


def test_patient_age_and_sex() -> None:
    patient = {"resourceType": "Patient", "id": PID, "birthDate": "1975-06-02", "gender": "female"}
    fs = run([patient])
    assert (fs.age_years, fs.sex) == (49, "female")  # birthday tomorrow


def test_other_patients_resources_are_never_used() -> None:
    fs = run(
        [
            condition(SCT, "300954003", patient="someone-else"),
            {"resourceType": "Patient", "id": "someone-else", "birthDate": "1950-01-01"},
        ]
    )
    assert fs.get(F.CALF_PAIN).unknown and fs.age_years is None
    assert {s.reason for s in fs.skipped} == {"other patient"}


def test_available_comes_from_argument() -> None:
    assert run([], available=("Condition", "Observation")).available == frozenset(
        {"Condition", "Observation"}
    )


def test_more_symptomatic_leg() -> None:
    fs = run(
        [
            observation(SCT, "449615005", rid="s", body_site=site(LEFT), valueBoolean=True),
            observation(SCT, "300954003", rid="p", body_site=site(LEFT), valueBoolean=True),
            condition(ICD, "M79.661", rid="r"),
        ]
    )
    assert more_symptomatic_leg(fs) is Laterality.LEFT
