"""Branded RxNorm drugs of the cramp drug classes (statins, thiazides, beta-2 agonists).

A record names the product the patient takes, often by brand: Crestor, Zocor, Aldactazide,
Ventolin, ProAir. These codes are in the class supplements with their source keys
(``valuesets/SOURCES.md``); the verified ones count by default, the unverified ones only when a
site asks for them. A combination counts when it holds a drug of the class (hydrochlorothiazide
with spironolactone); a beta-2 agonist combined with an inhaled corticosteroid does not (the
supplement leaves those combinations out, as ATC R03AK does).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from fhir_mappings.extract import MappingOptions
from fhir_mappings.features import Coding, Feature, FeatureName, State
from fhir_mappings.terminology import VALUESET_DIR, builtin_value_sets, parse_value_set

from .builders import PID, run, when

F = FeatureName
RX = "http://www.nlm.nih.gov/research/umls/rxnorm"
SUPPLEMENTS = {
    F.STATIN: "calf-triage-statin",
    F.THIAZIDE_DIURETIC: "calf-triage-thiazide-diuretic",
    F.BETA2_AGONIST: "calf-triage-beta2-agonist",
}
# what every RxNorm display of a class's supplement names: a drug of that class
NAMES = {
    F.STATIN: r"statin",
    F.THIAZIDE_DIURETIC: (r"thiazide|chlorthalidone|indapamide|metolazone|aldactazide|zestoretic"),
    F.BETA2_AGONIST: r"albuterol|levalbuterol|terbutaline|salmeterol|formoterol",
}


def _request(code: str, display: str, **medication: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "id": "m1",
        "status": "active",
        "intent": "order",
        "subject": {"reference": f"Patient/{PID}"},
        "authoredOn": when(30),
    }
    coded = {"coding": [{"system": RX, "code": code, "display": display}]}
    resource.update(medication or {"medicationCodeableConcept": coded})
    return resource


def _drug(resource: dict[str, Any], name: str, *, unverified: bool = False) -> Feature:
    options = MappingOptions(include_unverified_codes=unverified)
    return run([resource], options=options).get(name)


@pytest.mark.parametrize(
    ("code", "display", "drug_class"),
    [
        ("859749", "rosuvastatin calcium 10 MG Oral Tablet [Crestor]", F.STATIN),
        ("859753", "rosuvastatin calcium 20 MG Oral Tablet [Crestor]", F.STATIN),
        ("152923", "simvastatin 40 MG Oral Tablet [Zocor]", F.STATIN),
        ("104491", "Simvastatin 20 MG Oral Tablet [Zocor]", F.STATIN),
        ("17276", "Aldactazide", F.THIAZIDE_DIURETIC),  # brand name
        (
            "208112",
            "Hydrochlorothiazide 25 MG / Spironolactone 25 MG Oral Tablet [Aldactazide]",
            F.THIAZIDE_DIURETIC,
        ),
        (
            "369279",
            "Hydrochlorothiazide / Spironolactone Oral Tablet [Aldactazide]",
            F.THIAZIDE_DIURETIC,
        ),
        ("324042", "Hydrochlorothiazide / Spironolactone", F.THIAZIDE_DIURETIC),
        (
            "93252",
            "hydrochlorothiazide 50 MG / triamterene 75 MG Oral Tablet [Maxzide]",
            F.THIAZIDE_DIURETIC,
        ),
        (
            "859088",
            "NDA020983 200 ACTUAT albuterol 0.09 MG/ACTUAT Metered Dose Inhaler [Ventolin]",
            F.BETA2_AGONIST,
        ),
        (
            "745752",
            "NDA021457 200 ACTUAT albuterol 0.09 MG/ACTUAT Metered Dose Inhaler [ProAir]",
            F.BETA2_AGONIST,
        ),
        (
            "746763",
            "NDA020503 200 ACTUAT albuterol 0.09 MG/ACTUAT Metered Dose Inhaler [Proventil]",
            F.BETA2_AGONIST,
        ),
        ("630208", "albuterol 0.83 MG/ML Inhalation Solution", F.BETA2_AGONIST),
    ],
)
def test_a_current_branded_drug_is_recognised_by_default(
    code: str, display: str, drug_class: str
) -> None:
    found = _drug(_request(code, display), drug_class)
    assert found.state is State.PRESENT
    assert found.evidence[0].concept == Coding(RX, code, display)


def test_a_brand_in_a_contained_medication_is_recognised() -> None:
    medication = {
        "resourceType": "Medication",
        "id": "med",
        "code": {"coding": [{"system": RX, "code": "208116"}]},  # Aldactazide 50 / 50 MG
    }
    resource = _request("", "", medicationReference={"reference": "#med"}, contained=[medication])
    assert _drug(resource, F.THIAZIDE_DIURETIC).state is State.PRESENT


@pytest.mark.parametrize(
    ("code", "display", "drug_class"),
    [
        ("861650", "pitavastatin calcium 2 MG Oral Tablet [Livalo]", F.STATIN),
        ("1245441", "ezetimibe 10 MG / simvastatin 40 MG Oral Tablet [Vytorin]", F.STATIN),
        ("103918", "fluvastatin 20 MG Oral Capsule [Lescol]", F.STATIN),
        (
            "823971",
            "hydrochlorothiazide 25 MG / lisinopril 20 MG Oral Tablet [Zestoretic]",
            F.THIAZIDE_DIURETIC,
        ),
        (
            "746466",
            "200 ACTUAT levalbuterol 0.045 MG/ACTUAT Metered Dose Inhaler [Xopenex]",
            F.BETA2_AGONIST,
        ),
    ],
)
def test_an_unverified_brand_counts_only_when_the_site_asks(
    code: str, display: str, drug_class: str
) -> None:
    resource = _request(code, display)
    assert _drug(resource, drug_class).state is not State.PRESENT
    assert _drug(resource, drug_class, unverified=True).state is State.PRESENT


@pytest.mark.parametrize(
    ("code", "display", "drug_class"),
    [
        # spironolactone alone (HL7 PDDI lists it beside Aldactazide): not a thiazide
        ("151317", "Aldactone", F.THIAZIDE_DIURETIC),
        ("9997", "Spironolactone", F.THIAZIDE_DIURETIC),
        # an inhaled corticosteroid with a long-acting beta-2 agonist (Synthea's maintenance
        # inhaler): left out of the class, as ATC R03AK is
        (
            "896209",
            "60 ACTUAT Fluticasone propionate 0.25 MG/ACTUAT / salmeterol 0.05 MG/ACTUAT Dry "
            "Powder Inhaler",
            F.BETA2_AGONIST,
        ),
    ],
)
def test_a_product_outside_the_class_is_not_recognised(
    code: str, display: str, drug_class: str
) -> None:
    resource = _request(code, display)
    assert _drug(resource, drug_class, unverified=True).state is not State.PRESENT


# --- the supplements themselves ------------------------------------------------------------


def _supplement_file(vid: str) -> Path:
    return VALUESET_DIR / "supplements" / f"{vid}.json"


@pytest.mark.parametrize("drug_class", list(SUPPLEMENTS))
def test_the_supplement_loads_complete_and_each_rxnorm_display_names_the_class(
    drug_class: str,
) -> None:
    vid = SUPPLEMENTS[drug_class]
    path = _supplement_file(vid)
    resource = json.loads(path.read_bytes())
    parsed = parse_value_set(resource, where=str(path), supplement=True)
    assert parsed.members == builtin_value_sets()[vid].members
    assert resource["expansion"]["total"] == len(parsed.members)
    codes = [(m.system, m.code) for m in parsed.members]
    assert len(codes) == len(set(codes))  # each code once
    wrong = [
        (m.code, m.display)
        for m in parsed.members
        if m.system == RX and not re.search(NAMES[drug_class], m.display, re.IGNORECASE)
    ]
    assert not wrong


def test_every_source_key_of_the_drug_supplements_is_described_in_sources_md() -> None:
    table = (VALUESET_DIR / "SOURCES.md").read_text(encoding="utf-8")
    described = set(re.findall(r"^\| ([A-Z0-9][A-Z0-9-]*) \|", table, re.MULTILINE))
    known = builtin_value_sets()
    used = {m.source for vid in SUPPLEMENTS.values() for m in known[vid].members}
    assert {"PDDI-SPI", "SYN-MOD", "RXREF", "3P-SBD"} <= used
    assert used <= described, used - described
