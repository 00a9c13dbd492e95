"""The NSAID order check names the bleeding risk the patient has now (docs/clinical-basis.md
§1.15): with an anticoagulant on record the risk is current, with a DVT or PE on record it comes
with the clot's treatment, and only otherwise "if anticoagulation starts"."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from cards.models import Card
from cds.settings import Settings
from cds.triage import card_topic, evaluate
from fhir_mappings.features import DraftOrder
from tests.clinical.chart import NOW, Chart, F, calf_pain, found

IBUPROFEN = DraftOrder("MedicationRequest/ibu", "MedicationRequest", "nsaid", None, True)
INTERACTION = (
    "an NSAID taken with an anticoagulant raises the risk of bleeding (BNF interactions; NICE "
    "CKS, NSAIDs: prescribing issues). The choice of analgesia stays with you: paracetamol is an "
    "option"
)


def nsaid_card(chart: Chart) -> Card:
    features = replace(chart.feature_set(), draft_orders=[IBUPROFEN])
    shown = evaluate(features, hook="order-sign", settings=Settings(), hook_instance="h")
    (card,) = [c for c in shown if card_topic(c) == "dvt-order-check"]
    return card


def why(card: Card) -> str:
    return (card.detail or "").split("\n\n")[2]


def test_on_a_current_anticoagulant_the_bleeding_risk_is_now_and_the_record_is_cited() -> None:
    chart = Chart([calf_pain(), found(F.ANTICOAGULANT, ref="MedicationRequest/apixaban")])
    card = nsaid_card(chart)
    assert card.summary == (
        "NSAID on current anticoagulation: bleeding risk now; consider paracetamol, add the "
        "proximal leg vein ultrasound"
    )
    assert why(card).startswith("Anticoagulation is current: MedicationRequest/apixaban")
    assert why(card).endswith(
        f"{INTERACTION[0].upper()}{INTERACTION[1:]}. DVT is not excluded yet: NICE NG158 asks "
        "for proximal leg vein ultrasound."
    )
    assert "if anticoagulation starts" not in f"{card.summary} {card.detail}"


def test_an_anticoagulant_started_this_episode_without_a_current_record_counts_too() -> None:
    chart = Chart([calf_pain()], anticoagulation_started=NOW - timedelta(hours=6))
    card = nsaid_card(chart)
    assert card.summary.startswith("NSAID on current anticoagulation: bleeding risk now; ")
    started = (NOW - timedelta(hours=6)).date().isoformat()
    assert why(card).startswith(f"Anticoagulation is current: start recorded {started}. ")


def test_with_a_dvt_on_record_the_risk_comes_with_its_treatment() -> None:
    card = nsaid_card(Chart([found(F.CURRENT_DVT, ref="Condition/dvt")]))
    assert card.summary == (
        "NSAID with a DVT on record: bleeding risk with its anticoagulation; consider "
        "paracetamol, treatment of the DVT first"
    )
    assert why(card) == f"The DVT on record is treated with anticoagulation, and {INTERACTION}."


def test_with_a_pe_on_record_the_risk_comes_with_its_treatment() -> None:
    card = nsaid_card(Chart([calf_pain(), found(F.CURRENT_PE, ref="Condition/pe")]))
    assert card.summary.startswith("NSAID with a PE on record: bleeding risk with its ")
    assert why(card) == f"The PE on record is treated with anticoagulation, and {INTERACTION}."


def test_without_anticoagulation_or_a_clot_the_risk_is_if_anticoagulation_starts() -> None:
    card = nsaid_card(Chart([calf_pain()]))
    assert card.summary == (
        "NSAID while DVT is not excluded: bleeding risk if anticoagulation starts; consider "
        "paracetamol, add the D-dimer"
    )
    assert why(card) == (
        f"If DVT is confirmed, anticoagulation starts, and {INTERACTION} while DVT is being "
        "excluded. DVT is not excluded yet: NICE NG158 asks for D-dimer."
    )


def test_being_anticoagulated_is_not_offered_as_a_reason_to_go_ahead_with_an_nsaid() -> None:
    card = nsaid_card(Chart([calf_pain(), found(F.ANTICOAGULANT, ref="MedicationRequest/a")]))
    codes = [reason.code for reason in card.overrideReasons or []]
    assert codes == ["dvt-already-excluded", "alternative-diagnosis-confirmed", "patient-refuses"]


def test_a_physiotherapy_card_still_offers_already_anticoagulated() -> None:
    """Treatment under way is a fair reason to go ahead with physiotherapy for the leg."""
    physio = DraftOrder("ServiceRequest/physio", "ServiceRequest", "physiotherapy", None, True)
    chart = Chart([calf_pain(), found(F.ANTICOAGULANT, ref="MedicationRequest/a")])
    features = replace(chart.feature_set(), draft_orders=[physio])
    shown = evaluate(features, hook="order-sign", settings=Settings(), hook_instance="h")
    (card,) = [c for c in shown if card_topic(c) == "dvt-order-check"]
    assert "already-anticoagulated" in [reason.code for reason in card.overrideReasons or []]
