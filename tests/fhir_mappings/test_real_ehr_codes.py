"""What US EHRs record (Synthea / VSAC codes) is recognised: conditions, procedures by code,
medications in RxNorm from either resource and either way of naming the drug."""

from __future__ import annotations

from typing import Any

import pytest

from fhir_mappings.features import DraftOrder, FeatureName, State

from .builders import PID, SCT, condition, run, when

F = FeatureName
RX = "http://www.nlm.nih.gov/research/umls/rxnorm"


def procedure(
    code: str, days_ago: float, *, rid: str = "pr", status: str = "completed"
) -> dict[str, Any]:
    """A Synthea-shaped Procedure: a SNOMED code, no category."""
    return {
        "resourceType": "Procedure",
        "id": rid,
        "status": status,
        "subject": {"reference": f"Patient/{PID}"},
        "code": {"coding": [{"system": SCT, "code": code}]},
        "performedPeriod": {"start": when(days_ago), "end": when(days_ago)},
    }


def drug(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def request(code: str, *, rid: str = "m1", status: str = "active", **extra: Any) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "id": rid,
        "status": status,
        "intent": "order",
        "subject": {"reference": f"Patient/{PID}"},
        "authoredOn": when(3),
    }
    res.update(extra or {"medicationCodeableConcept": drug(RX, code)})
    return res


@pytest.mark.parametrize(
    ("code", "feature"),
    [
        ("93761005", F.ACTIVE_CANCER),  # primary malignant neoplasm of colon
        ("254637007", F.ACTIVE_CANCER),  # non-small cell lung cancer
        ("72892002", F.PREGNANCY),  # normal pregnancy
        ("698754002", F.PARALYSIS_OR_PLASTER),  # chronic paralysis due to spinal cord lesion
    ],
)
def test_synthea_condition_codes_are_present(code: str, feature: str) -> None:
    fs = run([condition(SCT, code, onset_days=120)])
    assert fs.get(feature).state is State.PRESENT


def test_neoplasm_of_prostate_is_not_active_cancer() -> None:
    """126906006 "Neoplasm of prostate" does not say malignant: left out of every cancer set."""
    fs = run([condition(SCT, "126906006", onset_days=120)], available=("Condition",))
    assert fs.get(F.ACTIVE_CANCER).state is State.ABSENT


def test_partial_colectomy_counts_as_major_surgery_with_anaesthesia_inferred() -> None:
    got = run([procedure("43075005", 21)]).get(F.RECENT_MAJOR_SURGERY)
    assert got.state is State.PRESENT
    assert "anaesthesia inferred" in (got.evidence[0].note or "")


def test_an_old_operation_is_outside_the_window() -> None:
    got = run([procedure("43075005", 200)]).get(F.RECENT_MAJOR_SURGERY)
    assert got.state is State.ABSENT and "older than 12 weeks" in (got.reason or "")


def test_other_surgery_needs_recorded_anaesthesia() -> None:
    knee_manipulation = procedure("699253003", 10)  # surgical manipulation of knee joint
    knee_manipulation["category"] = drug(SCT, "387713003")
    alone = run([knee_manipulation]).get(F.RECENT_MAJOR_SURGERY)
    assert alone.state is State.UNKNOWN and "anaesthesia not recorded" in (alone.reason or "")
    anaesthesia = procedure("18946005", 10, rid="an")  # epidural anaesthesia (VSAC set)
    both = run([knee_manipulation, anaesthesia]).get(F.RECENT_MAJOR_SURGERY)
    assert both.state is State.PRESENT


def test_caesarean_is_surgery_and_postpartum() -> None:
    fs = run([procedure("11466000", 14)])
    assert fs.get(F.RECENT_MAJOR_SURGERY).state is State.PRESENT
    assert fs.get(F.PREGNANCY).state is State.PRESENT
    assert "postpartum" in (fs.get(F.PREGNANCY).evidence[0].note or "")


def test_a_delivery_long_ago_is_not_postpartum() -> None:
    assert run([procedure("66348005", 400)]).get(F.PREGNANCY).state is not State.PRESENT


def test_chemo_radiotherapy_within_six_months_is_active_cancer() -> None:
    assert run([procedure("703423002", 10)]).get(F.ACTIVE_CANCER).state is State.PRESENT
    assert run([procedure("703423002", 400)]).get(F.ACTIVE_CANCER).state is not State.PRESENT


def test_fracture_with_immobilisation_is_recent_plaster() -> None:
    fracture = condition(SCT, "16114001", onset_days=7)  # fracture of ankle
    cast = procedure("274474001", 7, rid="imm")  # bone immobilization
    got = run([fracture, cast]).get(F.PARALYSIS_OR_PLASTER)
    assert got.state is State.PRESENT
    assert {ev.reference for ev in got.evidence} == {"Condition/c1", "Procedure/imm"}


def test_fracture_alone_leaves_plaster_unknown_never_absent() -> None:
    got = run([condition(SCT, "16114001", onset_days=7)]).get(F.PARALYSIS_OR_PLASTER)
    assert got.state is State.UNKNOWN
    assert "no immobilisation" in (got.reason or "")


def test_forearm_fracture_with_immobilisation_is_not_a_leg_in_plaster() -> None:
    fs = run([condition(SCT, "65966004", onset_days=7), procedure("274474001", 7, rid="imm")])
    assert fs.get(F.PARALYSIS_OR_PLASTER).state is State.ABSENT


@pytest.mark.parametrize(
    ("code", "feature"),
    [
        ("855332", F.ANTICOAGULANT),  # warfarin sodium 5 MG oral tablet
        ("854252", F.ANTICOAGULANT),  # enoxaparin prefilled syringe
        ("314659", F.ANTICOAGULANT),  # heparin (Synthea)
        ("978950", F.HORMONAL_CONTRACEPTION),  # Natazia
        ("748879", F.HORMONAL_CONTRACEPTION),  # Levora (Camila, a progestogen-only pill, is not)
    ],
)
def test_rxnorm_drugs_are_recognised(code: str, feature: str) -> None:
    assert run([request(code)]).get(feature).state is State.PRESENT


def test_a_medication_statement_counts_like_a_request() -> None:
    statement = {
        "resourceType": "MedicationStatement",
        "id": "ms",
        "status": "active",
        "subject": {"reference": f"Patient/{PID}"},
        "medicationCodeableConcept": drug(RX, "855332"),
        "effectiveDateTime": when(30),
    }
    assert run([statement]).get(F.ANTICOAGULANT).state is State.PRESENT


def test_a_contained_medication_names_the_drug() -> None:
    res = request(
        "",
        medicationReference={"reference": "#med"},
        contained=[{"resourceType": "Medication", "id": "med", "code": drug(RX, "854252")}],
    )
    assert run([res]).get(F.ANTICOAGULANT).state is State.PRESENT


def test_a_referenced_medication_sent_alongside_names_the_drug() -> None:
    res = request("", medicationReference={"reference": "Medication/w"})
    medication = {"resourceType": "Medication", "id": "w", "code": drug(RX, "855332")}
    assert run([res, medication]).get(F.ANTICOAGULANT).state is State.PRESENT
    assert run([res]).get(F.ANTICOAGULANT).state is not State.PRESENT


def _draft(code: str) -> list[DraftOrder]:
    order = {
        "resourceType": "MedicationRequest",
        "id": "draft",
        "status": "draft",
        "intent": "proposal",
        "subject": {"reference": f"Patient/{PID}"},
        "medicationCodeableConcept": drug(RX, code),
    }
    return run([], draft_orders=[order]).draft_orders


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("105914", "nsaid"),  # Naprosyn, as the CDS Hooks Sandbox sends it
        ("198014", "nsaid"),  # naproxen 500 MG oral tablet
        ("310965", "nsaid"),  # ibuprofen 200 MG oral tablet
        ("313782", "other"),  # acetaminophen 325 MG oral tablet: not an NSAID
    ],
)
def test_nsaid_orders_in_rxnorm(code: str, kind: str) -> None:
    assert _draft(code)[0].kind == kind


def test_every_order_our_suggestions_create_is_recognised_by_our_order_checks() -> None:
    """An order we suggest, sent back as a draft, is classified as the kind it is (the value set
    ``orders_<kind>`` holds its code), so the order checks never ask for it again."""
    from cds.triage.order_codes import ORDER_CODES
    from fhir_mappings.catalog import ORDER_KINDS
    from fhir_mappings.codelists import load_index

    index = load_index(None, False)
    checked = 0
    for kind, order in ORDER_CODES.items():
        if kind.value not in ORDER_KINDS:
            continue  # electrolytes and the like: no order check reads them back
        lists = {e.list_name for e in index.match(order.system, order.code)}
        assert f"orders_{kind.value}" in lists, (kind, order.code)
        checked += 1
    assert checked >= 3  # ultrasound, D-dimer, physiotherapy


def test_a_stale_active_pregnancy_condition_is_not_a_pregnancy_now() -> None:
    """Synthea leaves "Miscarriage in first trimester" active for ever: years later it says
    nothing about pregnancy now (unknown, never "pregnant" and never "not pregnant")."""
    old = run([condition(SCT, "19169002", onset_days=3 * 365)]).get(F.PREGNANCY)
    assert old.state is State.UNKNOWN and "longer ago than a pregnancy" in (old.reason or "")
    recent = run([condition(SCT, "19169002", onset_days=21)]).get(F.PREGNANCY)
    assert recent.state is State.PRESENT


def test_ongoing_chemotherapy_is_active_cancer() -> None:
    ongoing = procedure("703423002", 5, status="in-progress")
    assert run([ongoing]).get(F.ACTIVE_CANCER).state is State.PRESENT
    planned = procedure("703423002", 5, status="preparation")
    assert run([planned]).get(F.ACTIVE_CANCER).state is not State.PRESENT


@pytest.mark.parametrize(("code", "feature"), [("11289", F.ANTICOAGULANT)])
def test_an_ingredient_level_rxnorm_code_is_recognised(code: str, feature: str) -> None:
    assert run([request(code)]).get(feature).state is State.PRESENT


def test_ingredient_level_nsaid_orders() -> None:
    assert _draft("7258")[0].kind == "nsaid"  # naproxen
    assert _draft("5640")[0].kind == "nsaid"  # ibuprofen
    assert _draft("161")[0].kind == "other"  # acetaminophen (paracetamol)


def _pregnancy_status(value: str | None, days_ago: float) -> dict[str, Any]:
    """A US Core Pregnancy Status Observation (LOINC 82810-3)."""
    res: dict[str, Any] = {
        "resourceType": "Observation",
        "id": "preg",
        "status": "final",
        "subject": {"reference": f"Patient/{PID}"},
        "code": {"coding": [{"system": "http://loinc.org", "code": "82810-3"}]},
        "effectiveDateTime": when(days_ago),
    }
    if value is not None:
        res["valueCodeableConcept"] = drug(SCT, value)
    return res


@pytest.mark.parametrize(
    ("value", "days_ago", "state"),
    [
        ("77386006", 30, State.PRESENT),  # pregnant
        ("60001007", 2, State.ABSENT),  # not pregnant, asked this week
        ("60001007", 90, State.UNKNOWN),  # not pregnant three months ago says nothing now
        ("261665006", 2, State.UNKNOWN),  # unknown
        (None, 2, State.UNKNOWN),  # no value
    ],
)
def test_us_core_pregnancy_status_reads_its_coded_value(
    value: str | None, days_ago: float, state: State
) -> None:
    assert run([_pregnancy_status(value, days_ago)]).get(F.PREGNANCY).state is state
