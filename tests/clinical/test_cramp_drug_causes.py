"""Cramp: a drug on record that explains it (docs/clinical-basis.md §1.9; S18d, S38).

A loop or thiazide diuretic lowers potassium and magnesium, a beta-2 agonist lowers potassium:
with such a drug current and a low value it lowers, the cramp card names the drug, as the record
names it, as the likely cause. Any current drug that causes cramp is listed and is a reason for
bloods. The drug classes are read from the value sets by RxNorm clinical drug, ATC class or the
codes a Synthea record carries; a stopped prescription is not a current drug.
"""

from __future__ import annotations

import gzip
import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from cds.triage.muscle_labs import current_drugs, judge_lab
from fhir_mappings.codelists import load_index
from fhir_mappings.codes import ATC, RXNORM
from fhir_mappings.extract import MappingOptions, extract_features
from fhir_mappings.features import Coding, Evidence, Feature, FeatureName, LabResult, State
from tests.clinical.chart import (
    NOW,
    RIGHT,
    Chart,
    calf_pain,
    card,
    fs,
    lab,
    present,
    suggested,
    tender_deep_veins,
    topics,
)

F = FeatureName


def on(drug_class: str, name: str, ref: str = "MedicationRequest/m1") -> Feature:
    """A current drug of ``drug_class`` as a medication record names it."""
    evidence = Evidence(
        reference=ref,
        concept=Coding(RXNORM, "1", name),
        value="status active",
        time=NOW - timedelta(days=40),
    )
    return Feature(drug_class, State.PRESENT, (evidence,))


def cramp_with(*findings: Feature, **labs: float) -> Chart:
    """A recent right-calf cramp, no DVT trigger, with these drugs and electrolyte values."""
    bloods = {name: [lab(name, value, "mmol/L")] for name, value in labs.items()}
    return Chart([present(F.CRAMP, lat=RIGHT), *findings], labs=bloods)


def detail(chart: Chart) -> str:
    return card(chart, "cramp").detail


def test_furosemide_with_low_potassium_is_named_as_the_likely_cause() -> None:
    chart = cramp_with(on(F.LOOP_DIURETIC, "furosemide"), potassium=3.1, magnesium=0.8)
    found = card(chart, "cramp")
    assert found.indicator == "warning"
    assert "potassium 3.1 mmol/L on furosemide: likely drug cause" in found.summary
    assert "furosemide (loop diuretic)" in found.detail
    assert "likely cause of the low potassium 3.1 mmol/L;" in found.detail
    assert "magnesium 0.8" not in found.detail.split("likely cause")[1]


def test_a_thiazide_explains_a_low_magnesium() -> None:
    chart = cramp_with(on(F.THIAZIDE_DIURETIC, "indapamide"), potassium=3.9, magnesium=0.6)
    assert "magnesium 0.6 mmol/L on indapamide: likely drug cause" in card(chart, "cramp").summary


def test_salbutamol_explains_a_low_potassium_but_not_a_low_magnesium() -> None:
    low_k = cramp_with(on(F.BETA2_AGONIST, "salbutamol"), potassium=3.2)
    assert "on salbutamol: likely drug cause" in card(low_k, "cramp").summary
    low_mg = cramp_with(on(F.BETA2_AGONIST, "salbutamol"), potassium=4.0, magnesium=0.6)
    found = card(low_mg, "cramp")
    assert "salbutamol" not in found.summary
    assert "treat the cause and review drugs" in found.summary
    assert "salbutamol (beta-2 agonist), MedicationRequest/m1" in found.detail
    assert "can cause cramp (BNSSG Remedy)" in found.detail


def test_a_drug_with_normal_electrolytes_is_listed_not_blamed() -> None:
    chart = cramp_with(on(F.LOOP_DIURETIC, "furosemide"), potassium=4.1, magnesium=0.8)
    found = card(chart, "cramp")
    assert found.indicator == "info"
    assert "furosemide (loop diuretic)" in found.detail
    assert "likely cause" not in found.detail


def test_a_drug_on_record_is_a_reason_for_bloods() -> None:
    well = Chart([present(F.CRAMP, lat=RIGHT)])
    assert suggested(well, "cramp") == []
    assert "nothing suggesting a cause" in card(well, "cramp").summary
    on_diuretic = Chart([present(F.CRAMP, lat=RIGHT), on(F.LOOP_DIURETIC, "furosemide")])
    assert suggested(on_diuretic, "cramp") == ["order bloods: potassium, magnesium, calcium, ck"]
    assert "no recent bloods" in card(on_diuretic, "cramp").summary


def test_a_drug_not_current_is_not_named() -> None:
    stopped = Feature(
        F.LOOP_DIURETIC, State.UNKNOWN, reason="only MedicationRequest status stopped"
    )
    chart = cramp_with(stopped, potassium=3.1)
    found = card(chart, "cramp")
    assert "furosemide" not in found.detail
    assert "treat the cause and review drugs" in found.summary


def test_no_cramp_card_while_dvt_is_not_excluded_whatever_the_drug() -> None:
    chart = Chart(
        [present(F.CRAMP), calf_pain(), tender_deep_veins(), on(F.LOOP_DIURETIC, "furosemide")],
        labs={"potassium": [lab("potassium", 3.0, "mmol/L")]},
    )
    assert "cramp" not in topics(chart)


# --- the drug classes from FHIR records -----------------------------------------------------

PATIENT = "p1"


def medication_request(code: tuple[str, str, str], status: str = "active") -> dict[str, Any]:
    system, value, display = code
    return {
        "resourceType": "MedicationRequest",
        "id": "m1",
        "status": status,
        "intent": "order",
        "subject": {"reference": f"Patient/{PATIENT}"},
        "authoredOn": (NOW - timedelta(days=60)).isoformat(),
        "medicationCodeableConcept": {
            "coding": [{"system": system, "code": value, "display": display}]
        },
    }


def drug_feature(resource: dict[str, Any], name: str) -> Feature:
    patient = {"resourceType": "Patient", "id": PATIENT, "birthDate": "1956-01-01"}
    features = extract_features(
        [patient, resource],
        patient_id=PATIENT,
        now=NOW,
        options=MappingOptions(),
        available=("Condition", "Observation", "Procedure", "MedicationRequest"),
    )
    return features.get(name)


@pytest.mark.parametrize(
    ("code", "drug_class"),
    [
        ((RXNORM, "313988", "furosemide 40 MG Oral Tablet"), F.LOOP_DIURETIC),  # VSAC Diuretics
        ((RXNORM, "315971", "Lasix 40mg"), F.LOOP_DIURETIC),  # as Synthea emits it
        ((ATC, "C03CA01", "furosemide"), F.LOOP_DIURETIC),
        ((RXNORM, "4603", "furosemide"), F.LOOP_DIURETIC),  # ingredient (HL7 PDDI)
        ((RXNORM, "202991", "Lasix"), F.LOOP_DIURETIC),  # brand name (HL7 PDDI)
        ((RXNORM, "1808", "bumetanide"), F.LOOP_DIURETIC),
        ((RXNORM, "38413", "torsemide"), F.LOOP_DIURETIC),
        ((RXNORM, "151689", "Edecrin"), F.LOOP_DIURETIC),  # ethacrynic acid, brand
        ((RXNORM, "310798", "hydrochlorothiazide 25 MG Oral Tablet"), F.THIAZIDE_DIURETIC),
        ((ATC, "C03BA11", "indapamide"), F.THIAZIDE_DIURETIC),
        ((RXNORM, "5487", "hydrochlorothiazide"), F.THIAZIDE_DIURETIC),  # ingredient (US Core)
        ((RXNORM, "2409", "chlorthalidone"), F.THIAZIDE_DIURETIC),
        ((RXNORM, "617311", "atorvastatin 40 MG Oral Tablet"), F.STATIN),  # CMS347 SCD
        ((RXNORM, "83367", "atorvastatin"), F.STATIN),  # ingredient (VSAC Statin Allergen)
        ((RXNORM, "484211", "ezetimibe / Simvastatin"), F.STATIN),  # combination (US Core)
        ((RXNORM, "262095", "atorvastatin 80 MG Oral Tablet [Lipitor]"), F.STATIN),  # branded
        ((ATC, "C10AA05", "atorvastatin"), F.STATIN),
        ((ATC, "R03AC02", "salbutamol"), F.BETA2_AGONIST),
        ((RXNORM, "435", "albuterol"), F.BETA2_AGONIST),  # ingredient (US Core)
        ((RXNORM, "10368", "terbutaline"), F.BETA2_AGONIST),
        (
            (RXNORM, "745679", "200 ACTUAT Albuterol 0.09 MG/ACTUAT Metered Dose Inhaler"),
            F.BETA2_AGONIST,
        ),
    ],
)
def test_a_current_drug_is_recognised_at_every_coding_level(
    code: tuple[str, str, str], drug_class: str
) -> None:
    found = drug_feature(medication_request(code), drug_class)
    assert found.present
    assert found.evidence[0].concept == Coding(*code)


@pytest.mark.parametrize(
    ("code", "drug_class"),
    [
        ((ATC, "C03DA01", "spironolactone"), F.LOOP_DIURETIC),  # potassium-sparing: neither
        ((ATC, "C03DA01", "spironolactone"), F.THIAZIDE_DIURETIC),
        ((ATC, "C10AB05", "fenofibrate"), F.STATIN),  # a fibrate is not a statin
        ((ATC, "R03BA02", "budesonide"), F.BETA2_AGONIST),
    ],
)
def test_a_drug_of_another_class_is_not_recognised(
    code: tuple[str, str, str], drug_class: str
) -> None:
    assert not drug_feature(medication_request(code), drug_class).present


def test_a_stopped_prescription_is_not_a_current_drug() -> None:
    stopped = medication_request((RXNORM, "313988", "furosemide 40 MG Oral Tablet"), "stopped")
    found = drug_feature(stopped, F.LOOP_DIURETIC)
    assert found.state is State.UNKNOWN
    assert "stopped" in (found.reason or "")


# --- a realistic US sample (tests/data/synthea, SOURCE.md there) --------------------------------

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "synthea"
# display pattern -> the drug class its codes must be matched by
CLASSES: dict[str, str] = {
    r"furosemide|lasix|bumetanide|torsemide": F.LOOP_DIURETIC,
    r"hydrochlorothiazide|chlorthalidone|indapamide|metolazone": F.THIAZIDE_DIURETIC,
    r"statin": F.STATIN,  # also Synthea's "Simvistatin"
    r"albuterol|salbutamol|terbutaline": F.BETA2_AGONIST,
}


def test_every_cramp_drug_code_in_the_sample_is_recognised() -> None:
    index = load_index(None, False)
    seen: dict[str, set[str]] = {name: set() for name in CLASSES.values()}
    for path in sorted(SAMPLE.glob("*.json.gz")):
        for entry in json.loads(gzip.decompress(path.read_bytes()))["entry"]:
            concept = entry["resource"].get("medicationCodeableConcept") or {}
            for coding in concept.get("coding", []):
                display = str(coding.get("display", "")).lower()
                for pattern, drug_class in CLASSES.items():
                    if re.search(pattern, display):
                        lists = {e.list_name for e in index.match(coding["system"], coding["code"])}
                        assert drug_class in lists, (coding["code"], display)
                        seen[drug_class].add(coding["code"])
    assert all(seen.values()), seen  # the sample still holds a code of each class


# --- how the bloods and drugs are read (cds/triage/muscle_labs.py) ------------------------------


def result(
    analyte: str, value: float, unit: str, days_ago: float, high: float | None = None
) -> LabResult:
    """A result whose reference names its day, so two of one analyte are told apart."""
    ref = f"Observation/{analyte}-{days_ago:g}"
    return lab(analyte, value, unit, days_ago=days_ago, high=high, ref=ref)


@pytest.mark.parametrize(("newest", "shown"), [(4.0, "not low"), (3.0, "low, < 3.5")])
def test_the_latest_recent_result_is_the_one_judged(newest: float, shown: str) -> None:
    chart = Chart(
        [present(F.CRAMP, lat=RIGHT)],
        labs={
            "potassium": [
                result("potassium", 7.0 - newest, "mmol/L", days_ago=5),
                result("potassium", newest, "mmol/L", days_ago=1),
            ]
        },
    )
    text = card(chart, "cramp").detail
    assert f"potassium {newest:g} mmol/L ({shown}), Observation/potassium-1" in text
    assert "Observation/potassium-5" not in text


def test_a_severely_low_potassium_on_a_diuretic_names_the_diuretic() -> None:
    chart = cramp_with(on(F.LOOP_DIURETIC, "bumetanide"), potassium=2.4)
    found = card(chart, "cramp")
    assert "potassium 2.4 mmol/L on bumetanide: likely drug cause" in found.summary
    assert "potassium 2.4 mmol/L (severely low, < 2.5)" in found.detail
    at_limit = card(cramp_with(potassium=2.5), "cramp").detail
    assert "potassium 2.5 mmol/L (low, < 3.5)" in at_limit


def test_a_value_in_another_unit_is_shown_not_judged() -> None:
    finding = judge_lab("potassium", result("potassium", 3.0, "mEq/L", days_ago=1))
    assert (finding.abnormal, finding.text) == (False, "potassium 3 mEq/L (unit not judged)")
    assert finding.analyte == "potassium"


@pytest.mark.parametrize("high", [None, 0.0])
def test_a_ck_without_a_usable_upper_limit_is_not_judged(high: float | None) -> None:
    finding = judge_lab("creatine_kinase", result("creatine_kinase", 900, "U/L", 1, high=high))
    assert (finding.abnormal, finding.uln_multiple) == (False, None)
    assert finding.text == "CK 900 U/L (no reference range sent)"


def test_a_ck_below_three_times_says_not_markedly_raised() -> None:
    finding = judge_lab("creatine_kinase", result("creatine_kinase", 400, "U/L", 1, high=200))
    assert (finding.abnormal, finding.uln_multiple, finding.analyte) == (
        False,
        2.0,
        "creatine_kinase",
    )
    assert finding.text == "CK 400 U/L (not markedly raised)"


def test_a_drug_is_listed_once_per_record_and_unnamed_codes_say_so() -> None:
    twice = Evidence(reference="MedicationRequest/m1", concept=None, value="status active")
    searched = Evidence(reference="", note="searched 3 MedicationRequests")
    feature = Feature(F.LOOP_DIURETIC, State.PRESENT, (twice, twice._replace(note="x"), searched))
    drugs = current_drugs(fs(feature))
    assert [(d.name, d.evidence.reference) for d in drugs] == [
        ("a drug on record", "MedicationRequest/m1")
    ]


def test_two_low_values_are_both_named_without_and_more() -> None:
    chart = cramp_with(potassium=3.1, magnesium=0.6)
    assert (
        "potassium 3.1 mmol/L, magnesium 0.6 mmol/L: treat the cause"
        in card(chart, "cramp").summary
    )


def test_with_a_reason_for_bloods_the_card_does_not_say_none_are_suggested() -> None:
    well = card(Chart([present(F.CRAMP, lat=RIGHT)]), "cramp").detail
    assert "No blood tests suggested" in well
    on_drug = Chart([present(F.CRAMP, lat=RIGHT), on(F.BETA2_AGONIST, "terbutaline")])
    assert "No blood tests suggested" not in card(on_drug, "cramp").detail


def test_a_card_without_drugs_on_record_has_no_drug_section() -> None:
    found = card(cramp_with(potassium=3.1), "cramp")
    assert "Drugs on record" not in found.detail


def test_a_lab_in_another_unit_is_listed_on_the_card_with_its_record() -> None:
    chart = Chart(
        [present(F.CRAMP, lat=RIGHT), on(F.LOOP_DIURETIC, "furosemide")],
        labs={"potassium": [result("potassium", 3.0, "mEq/L", days_ago=1)]},
    )
    found = card(chart, "cramp")
    assert "potassium 3 mEq/L (unit not judged), Observation/potassium-1" in found.detail
    assert "likely cause" not in found.detail
