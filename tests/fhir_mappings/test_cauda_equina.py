"""Cauda equina features: saddle numbness, bladder / bowel disturbance, bilateral leg neurology.

Missing one of them is dangerous (CLINICAL.md 1.6: emergency referral), so each code list and the
saddle body-site rule are tested, including the committed cauda-equina fixture bundle.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fhir_mappings.extract import MappingOptions, extract_features
from fhir_mappings.features import FeatureName as F
from fhir_mappings.features import Laterality, State

from .builders import BOTH, ICD, LEFT, RIGHT, SCT, condition, observation, run, site

PERINEUM, PERIANAL, BUTTOCK, LOWER_LIMB = "38864007", "397158004", "46862004", "61685007"
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


@pytest.mark.parametrize(
    ("system", "code"),
    [
        (SCT, "44077006"),  # numbness
        (SCT, "91019004"),  # paraesthesia
        (ICD, "R20.0"),  # anaesthesia of skin
        (ICD, "R20.2"),  # paraesthesia of skin
    ],
)
@pytest.mark.parametrize("body_site", [PERINEUM, PERIANAL, BUTTOCK, "45292006", "20233005"])
def test_numbness_on_a_saddle_site_is_saddle_numbness_not_leg(
    system: str, code: str, body_site: str
) -> None:
    fs = run([observation(system, code, body_site=site(body_site), valueBoolean=True)])
    assert fs.get(F.SADDLE_NUMBNESS).present
    assert fs.get(F.RADICULAR_SYMPTOMS).unknown
    assert F.RADICULAR_SYMPTOMS not in fs.legs


@pytest.mark.parametrize(
    ("sites", "saddle", "radicular"),
    [
        ((), State.UNKNOWN, State.PRESENT),  # numbness, no site: a leg / radicular symptom
        ((LOWER_LIMB, LEFT), State.UNKNOWN, State.PRESENT),
        ((BUTTOCK, LEFT), State.PRESENT, State.UNKNOWN),  # left buttock is not a leg
        ((PERINEUM, LOWER_LIMB, BOTH), State.PRESENT, State.PRESENT),  # both documented
    ],
)
def test_saddle_rule_depends_on_body_site(
    sites: tuple[str, ...], saddle: State, radicular: State
) -> None:
    obs = observation(SCT, "44077006", body_site=site(*sites) if sites else None, valueBoolean=True)
    fs = run([obs])
    assert (fs.get(F.SADDLE_NUMBNESS).state, fs.get(F.RADICULAR_SYMPTOMS).state) == (
        saddle,
        radicular,
    )


def test_saddle_numbness_condition_and_documented_negative() -> None:
    cond = condition(ICD, "R20.0", body_site=[site(PERINEUM)])
    assert run([cond]).get(F.SADDLE_NUMBNESS).present
    negative = observation(SCT, "44077006", body_site=site(PERINEUM), valueBoolean=False)
    assert run([negative]).get(F.SADDLE_NUMBNESS).state is State.ABSENT
    old = condition(ICD, "R20.0", onset_days=40, body_site=[site(PERINEUM)])
    assert run([old]).get(F.SADDLE_NUMBNESS).unknown


@pytest.mark.parametrize(
    ("system", "code"),
    [
        (ICD, "R33.9"),  # retention of urine, unspecified (descendant of R33)
        (ICD, "R33.8"),
        (ICD, "R32"),  # unspecified urinary incontinence
        (ICD, "N39.42"),
        (ICD, "N39.490"),
        (ICD, "R15.9"),  # full incontinence of feces (descendant of R15)
        (ICD, "N31.9"),  # neuromuscular dysfunction of bladder
        (ICD, "K59.2"),
        (SCT, "267064002"),  # retention of urine
        (SCT, "236648008"),
        (SCT, "165232002"),  # urinary incontinence
        (SCT, "72042002"),  # incontinence of feces
        (SCT, "40492006"),
    ],
)
def test_bladder_bowel_disturbance_codes(system: str, code: str) -> None:
    assert run([condition(system, code)]).get(F.BLADDER_BOWEL_DISTURBANCE).present


@pytest.mark.parametrize("code", ["N39.3", "R39.11", "N40.1"])  # stress incontinence, LUTS, BPH
def test_common_chronic_urinary_complaints_are_not_ces_features(code: str) -> None:
    assert run([condition(ICD, code)]).get(F.BLADDER_BOWEL_DISTURBANCE).unknown


@pytest.mark.parametrize(
    "resources",
    [
        [condition(ICD, "G57.03")],  # lesion of sciatic nerve, bilateral lower limbs
        [observation(SCT, "91019004", body_site=site(LOWER_LIMB, BOTH), valueBoolean=True)],
        [
            condition(ICD, "M54.42", rid="l"),
            observation(SCT, "26544005", body_site=site(LOWER_LIMB, RIGHT), valueBoolean=True),
        ],
    ],
    ids=["icd-bilateral", "snomed-51440002", "left-sciatica-right-weakness"],
)
def test_bilateral_leg_neurology(resources: list[dict[str, Any]]) -> None:
    fs = run(resources)
    got = fs.get(F.BILATERAL_LEG_NEURO)
    assert got.present and got.laterality is Laterality.BILATERAL


def test_one_sided_neurology_is_not_bilateral() -> None:
    fs = run([condition(ICD, "M54.42"), observation(SCT, "309537005", valueBoolean=True)])
    assert not fs.get(F.BILATERAL_LEG_NEURO).present


def test_cauda_equina_fixture_is_read_correctly() -> None:
    bundle = json.loads((FIXTURES / "cauda-equina-sciatica-saddle-numbness.json").read_text())
    patient = next(
        e["resource"]["id"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    )
    fs = extract_features(
        [bundle],
        patient_id=patient,
        now=__import__("datetime").datetime.fromisoformat(bundle["timestamp"]),
        options=MappingOptions(),
        available=("Condition", "Observation", "Procedure", "MedicationRequest"),
    )
    saddle = fs.get(F.SADDLE_NUMBNESS)
    assert saddle.present and [e.reference for e in saddle.evidence] == ["Observation/obs-04"]
    bladder = fs.get(F.BLADDER_BOWEL_DISTURBANCE)
    assert bladder.present and [e.reference for e in bladder.evidence] == ["Condition/cond-05"]
    radicular = fs.get(F.RADICULAR_SYMPTOMS)
    assert radicular.laterality is Laterality.LEFT
    assert [e.reference for e in radicular.evidence] == ["Observation/obs-03"]
    assert fs.get(F.SCIATICA).laterality is Laterality.LEFT
