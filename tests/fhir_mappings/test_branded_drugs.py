"""Branded RxNorm drugs of the cramp drug classes (statins, thiazide and loop diuretics,
beta-2 agonists).

A record names the product the patient takes, often by brand: Crestor, Zocor, Hyzaar,
Aldactazide, Lasix, Ventolin, ProAir. These codes are in the class supplements with their
source keys (``valuesets/SOURCES.md``); the verified ones count by default, the unverified ones
only when a site asks for them. A combination counts when it holds a drug of the class
(hydrochlorothiazide with spironolactone or losartan, ezetimibe with simvastatin); a beta-2
agonist combined with an inhaled corticosteroid does not (the supplement leaves those
combinations out, as ATC R03AK does), and a lipid-lowering drug that is not a statin is not a
statin.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from fhir_mappings.catalog import PUBLIC_VALUE_SETS
from fhir_mappings.extract import MappingOptions
from fhir_mappings.features import Coding, Feature, FeatureName, State
from fhir_mappings.terminology import VALUESET_DIR, builtin_value_sets, parse_value_set

from .builders import PID, run, when

F = FeatureName
RX = "http://www.nlm.nih.gov/research/umls/rxnorm"
SUPPLEMENTS = {
    F.STATIN: "calf-triage-statin",
    F.THIAZIDE_DIURETIC: "calf-triage-thiazide-diuretic",
    F.LOOP_DIURETIC: "calf-triage-loop-diuretic",
    F.BETA2_AGONIST: "calf-triage-beta2-agonist",
}
# what every RxNorm display of a class's supplement names: a drug of that class, or a brand
# that a display naming the drug gives in brackets ("Hyzaar Pill" beside "... [Hyzaar]")
NAMES = {
    F.STATIN: r"statin",
    F.THIAZIDE_DIURETIC: r"thiazide|chlorthalidone|indapamide|metolazone",
    F.LOOP_DIURETIC: r"furosemide|bumetanide|torsemide|ethacryn",
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
        # the UF-RXLIST listing, which also confirms the brands one listing alone gave
        ("859421", "rosuvastatin calcium 40 MG Oral Tablet [Crestor]", F.STATIN),
        ("861650", "pitavastatin calcium 2 MG Oral Tablet [Livalo]", F.STATIN),
        ("1245441", "ezetimibe 10 MG / simvastatin 40 MG Oral Tablet [Vytorin]", F.STATIN),
        ("103918", "fluvastatin 20 MG Oral Capsule [Lescol]", F.STATIN),
        ("206257", "lovastatin 20 MG Oral Tablet [Mevacor]", F.STATIN),
        ("997006", "24 HR lovastatin 20 MG Extended Release Oral Tablet [Altoprev]", F.STATIN),
        ("2001264", "pitavastatin magnesium 2 MG Oral Tablet [Zypitamag]", F.STATIN),
        ("404914", "Caduet", F.STATIN),  # brand name of amlodipine / atorvastatin
        (
            "904662",
            "{30 (aspirin 325 MG Oral Tablet) / 30 (pravastatin sodium 40 MG Oral Tablet) } Pack",
            F.STATIN,
        ),
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
            "979470",
            "hydrochlorothiazide 12.5 MG / losartan potassium 50 MG Oral Tablet [Hyzaar]",
            F.THIAZIDE_DIURETIC,
        ),
        ("1166549", "Hyzaar Pill", F.THIAZIDE_DIURETIC),
        ("214083", "chlorthalidone 25 MG Oral Tablet [Thalitone]", F.THIAZIDE_DIURETIC),
        (
            "823971",
            "hydrochlorothiazide 25 MG / lisinopril 20 MG Oral Tablet [Zestoretic]",
            F.THIAZIDE_DIURETIC,
        ),
        ("200809", "furosemide 40 MG Oral Tablet [Lasix]", F.LOOP_DIURETIC),
        ("2589877", "torsemide 20 MG Oral Tablet [Soaanz]", F.LOOP_DIURETIC),
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
        ("200820", "spironolactone 25 MG Oral Tablet [Aldactone]", F.THIAZIDE_DIURETIC),
        ("208675", "triamterene 50 MG Oral Capsule [Dyrenium]", F.THIAZIDE_DIURETIC),
        # lipid-lowering drugs that are not statins (the same listing's other classes)
        ("349556", "ezetimibe 10 MG Oral Tablet", F.STATIN),
        ("352304", "ezetimibe 10 MG Oral Tablet [Zetia]", F.STATIN),
        ("540281", "fenofibrate 145 MG Oral Tablet [Tricor]", F.STATIN),
        # red yeast rice: the listing classes it with the statins, the supplement does not
        ("259132", "red yeast rice 600 MG Oral Capsule", F.STATIN),
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
    names = re.compile(NAMES[drug_class], re.IGNORECASE)
    known = builtin_value_sets()
    read = [m for v in (*PUBLIC_VALUE_SETS.get(drug_class, ()), vid) for m in known[v].members]
    brands = tuple(
        brand
        for m in read
        if m.system == RX and names.search(m.display)
        for brand in re.findall(r"\[([^\]]+)\]", m.display)
    )
    wrong = [
        (m.code, m.display)
        for m in parsed.members
        if m.system == RX and not names.search(m.display) and not m.display.startswith(brands)
    ]
    assert not wrong


def test_every_source_key_of_the_drug_supplements_is_described_in_sources_md() -> None:
    table = (VALUESET_DIR / "SOURCES.md").read_text(encoding="utf-8")
    described = set(re.findall(r"^\| ([A-Z0-9][A-Z0-9-]*) \|", table, re.MULTILINE))
    known = builtin_value_sets()
    used = {
        key
        for vid in SUPPLEMENTS.values()
        for m in known[vid].members
        for key in m.source.split(", ")
    }
    assert {"PDDI-SPI", "SYN-MOD", "RXREF", "3P-SBD", "UF-RXLIST"} <= used
    assert used <= described, used - described


@pytest.mark.parametrize(
    ("drug_class", "code", "first_source"),
    [
        (F.STATIN, "103918", "3P-SBD"),  # Lescol 20 MG
        (F.STATIN, "861650", "SYN-MOD"),  # Livalo 2 MG
        (F.STATIN, "617318", "RXNAV-SBD"),  # Lipitor 20 MG
        (F.THIAZIDE_DIURETIC, "823971", "RXREF"),  # Zestoretic 25 / 20 MG
    ],
)
def test_a_brand_the_rxnorm_drug_list_confirms_is_verified_and_keeps_both_sources(
    drug_class: str, code: str, first_source: str
) -> None:
    (member,) = [m for m in builtin_value_sets()[SUPPLEMENTS[drug_class]].members if m.code == code]
    assert member.verified
    assert member.source == f"{first_source}, UF-RXLIST"
