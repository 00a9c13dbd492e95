"""Shared vocabulary for the clinical cases behind ``fixtures/*.json`` (an authoring aid).

The JSON files are the truth; ``python -m tests.fakes.write_fixtures`` wrote them once.
Each case is a
realistic outpatient / ED chart: demographics, problem list, today's examination with documented
negatives, vital signs, labs with reference ranges, procedures, medications and, for order hooks,
draft orders. A case that should end as "DVT unlikely" documents every Wells examination
criterion (positive or negative), so its score is a single value. Pitting oedema and collateral
superficial veins have no verified SNOMED CT code (CLINICAL.md §2.1), so, as an EHR integration
would, the charts send our local codes for them (docs/fhir-conventions.md, local-observations).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone

from tests.fakes.fixture_builders import ICD, LOCAL, SCT, Chart, Resource

NOW = datetime(2025, 3, 14, 10, 0, tzinfo=UTC)
CET = timezone(timedelta(hours=1))

# SNOMED CT / ICD-10-CM pairs (CLINICAL.md §2.1, §2.2)
CALF_PAIN = (SCT, "300954003", "Pain in calf")
PAIN_LEG = {
    "left": (ICD, "M79.662", "Pain in left lower leg"),
    "right": (ICD, "M79.661", "Pain in right lower leg"),
}
SWELL_LOWER_LEG = (SCT, "449615005", "Swelling of lower leg (finding)")
SWELL_LIMB = (SCT, "449614009", "Swelling of lower limb (finding)")
SWELL_BILAT = (SCT, "762898005", "Swelling of bilateral lower limbs")
# Wells examination items without a verified standard code: our local code system
PITTING = (LOCAL, "pitting-oedema", "Pitting oedema")
COLLATERAL_VEINS = (LOCAL, "collateral-superficial-veins", "Collateral superficial veins")
TENDER = (SCT, "247348008", "Tenderness")
ERYTHEMA = (SCT, "247441003", "Erythema")
DYSPNOEA = (SCT, "267036007", "Dyspnea (finding)")
CHEST_PAIN = (SCT, "29857009", "Chest pain")
PLEURITIC = (ICD, "R07.1", "Chest pain on breathing")
HAEMOPTYSIS = (SCT, "66857006", "Hemoptysis (finding)")
FEVER = (SCT, "386661006", "Fever (finding)")
COUGH = (SCT, "49727002", "Cough")
CANCER = (SCT, "363346000", "Malignant neoplastic disease")
HX_CANCER = (SCT, "266987004", "History of malignant neoplasm (situation)")
PARESIS = (SCT, "102568007", "Paresis of lower extremity")
BEDRIDDEN = (SCT, "160685001", "Bed-ridden (finding)")
BED_Z = (ICD, "Z74.01", "Bed confinement status")
HX_DVT = (SCT, "161508001", "History of deep vein thrombosis")
HX_DVT_Z = (ICD, "Z86.718", "Personal history of other venous thrombosis and embolism")
DVT = (SCT, "404223003", "Deep venous thrombosis of lower extremity (disorder)")
DVT_ICD = {
    "left": (
        ICD,
        "I82.402",
        "Acute embolism and thrombosis of unspecified deep veins of left lower extremity",
    ),
    "right": (
        ICD,
        "I82.401",
        "Acute embolism and thrombosis of unspecified deep veins of right lower extremity",
    ),
}
PREGNANCY = (SCT, "77386006", "Pregnancy (finding)")
PREGNANT_Z = (ICD, "Z33.1", "Pregnant state, incidental")
CRAMP_LEG = (SCT, "449918009", "Cramp in lower leg")
CRAMP_ICD = (ICD, "M62.831", "Muscle spasm of calf")
STRAIN = (SCT, "48532005", "Muscle strain")
STRAIN_ICD = {
    "left": (
        ICD,
        "S86.112A",
        "Strain of other muscle(s) and tendon(s) of posterior muscle group at lower leg level, "
        "left leg, initial encounter",
    ),
    "right": (
        ICD,
        "S86.111A",
        "Strain of other muscle(s) and tendon(s) of posterior muscle group at lower leg level, "
        "right leg, initial encounter",
    ),
}
SCIATICA = (SCT, "23056005", "Sciatica")
LUMBAGO_SCIATICA = {
    "left": (ICD, "M54.42", "Lumbago with sciatica, left side"),
    "right": (ICD, "M54.41", "Lumbago with sciatica, right side"),
}
LOW_BACK_PAIN = (SCT, "279039007", "Low back pain")
PARAESTHESIA = (SCT, "91019004", "Paresthesia")
NUMBNESS = (SCT, "44077006", "Numbness")
NUMB_LIMB = (SCT, "309537005", "Numbness of lower limb")
URINARY_RETENTION = (ICD, "R33.9", "Retention of urine, unspecified")
CELLULITIS = (SCT, "449711005", "Cellulitis of lower leg")
CELLULITIS_ICD = {
    "left": (ICD, "L03.116", "Cellulitis of left lower limb"),
    "right": (ICD, "L03.115", "Cellulitis of right lower limb"),
}
BAKER_LEFT = (ICD, "M71.22", "Synovial cyst of popliteal space [Baker], left knee")
HEART_FAILURE = (ICD, "I50.32", "Chronic diastolic (congestive) heart failure")
VENOUS_INSUFF = (SCT, "20696009", "Peripheral venous insufficiency")
TIBIA_FRACTURE = (
    ICD,
    "S82.201A",
    "Unspecified fracture of shaft of right tibia, initial encounter for closed fracture",
)
WALKING = (SCT, "228158008", "Walking disability")
WALKING_ICD = (ICD, "R26.2", "Difficulty in walking, not elsewhere classified")
HYPERTENSION = (ICD, "I10", "Essential (primary) hypertension")
DIABETES = (ICD, "E11.9", "Type 2 diabetes mellitus without complications")
LIPIDS = (ICD, "E78.5", "Hyperlipidemia, unspecified")
ASTHMA = (ICD, "J45.909", "Unspecified asthma, uncomplicated")
URTI = (ICD, "J06.9", "Acute upper respiratory infection, unspecified")
KNEE_OA = (ICD, "M17.11", "Unilateral primary osteoarthritis, right knee")
STROKE_HEMIPARESIS = (
    ICD,
    "I69.354",
    "Hemiplegia and hemiparesis following cerebral infarction affecting left non-dominant side",
)

APPENDECTOMY = (SCT, "80146002", "Appendectomy")
KNEE_REPLACEMENT = (SCT, "609588000", "Total knee replacement")
PHYSIO = (SCT, "308447003", "Referral to physiotherapist (procedure)")
DDIMER_ORDER = ("http://loinc.org", "48065-7", "D-dimer FEU [Mass/volume] in Platelet poor plasma")
LAB_CATEGORY = (SCT, "108252007", "Laboratory procedure")

IBUPROFEN = ("M01AE01", "ibuprofen")
NAPROXEN = ("M01AE02", "naproxen")
PARACETAMOL = ("N02BE01", "paracetamol")
APIXABAN = ("B01AF02", "apixaban")
RIVAROXABAN = ("B01AF01", "rivaroxaban")
COC = ("G03AA07", "levonorgestrel and ethinylestradiol")
FUROSEMIDE = ("C03CA01", "furosemide")
AMLODIPINE = ("C08CA01", "amlodipine")
METFORMIN = ("A10BA02", "metformin")
ATORVASTATIN = ("C10AA05", "atorvastatin")

CASES: dict[str, Callable[[], Resource]] = {}


def case(func: Callable[[], Resource]) -> Callable[[], Resource]:
    CASES[func.__name__.replace("_", "-")] = func
    return func


def chart(name: str, now: datetime = NOW) -> Chart:
    pid = "pt-" + uuid.uuid5(uuid.NAMESPACE_URL, "calf-triage-fixture/" + name).hex[:12]
    return Chart(name, now, pid)


def born(c: Chart, years: int, days: int = 0) -> date:
    today = c.now.date()
    return today.replace(year=today.year - years) - timedelta(days=days)


def leg_pain(c: Chart, side: str, days: float, note: str | None = None) -> Resource:
    return c.condition(
        CALF_PAIN,
        PAIN_LEG[side],
        onset=c.ago(days=days),
        category="encounter-diagnosis",
        side=side,
        current=True,
        note=note,
        text=f"Pain in {side} calf",
    )


def exam(
    c: Chart,
    side: str,
    *,
    tender: bool = False,
    entire: bool = False,
    pitting: bool = False,
    calf: tuple[float, float] | None = (37.0, 37.0),
    swelling: bool | None = None,
    erythema: bool | None = False,
) -> None:
    """Today's Wells examination of the symptomatic leg, negatives documented."""
    c.finding(TENDER, tender, side, text=f"Tenderness along the deep venous system, {side} calf")
    c.finding(SWELL_LIMB, entire, side, site="lower_limb", text=f"Entire {side} leg swollen")
    c.finding(PITTING, pitting, side, text=f"Pitting oedema, {side} leg")
    if swelling is not None:
        c.finding(SWELL_LOWER_LEG, swelling, side, text=f"Swelling of {side} lower leg")
    if erythema is not None:
        c.finding(ERYTHEMA, erythema, side, text=f"Erythema, {side} calf")
    if calf is not None:
        c.calf(calf[0], calf[1], side)
    c.finding(
        COLLATERAL_VEINS,
        False,
        side,
        text=f"Collateral superficial veins (non-varicose), {side} leg",
    )


def no_pe_symptoms(c: Chart) -> None:
    c.finding(DYSPNOEA, False, text="Breathlessness")
    c.finding(CHEST_PAIN, False, text="Chest pain")
    c.finding(HAEMOPTYSIS, False, text="Haemoptysis")


def gp_visit(
    c: Chart, given: str, family: str, gender: str, birth: date, klass: str = "AMB"
) -> None:
    c.patient(given, family, gender, birth)
    c.practitioner("Anna", "Okafor" if gender == "male" else "Lindqvist")
    c.encounter(klass)
