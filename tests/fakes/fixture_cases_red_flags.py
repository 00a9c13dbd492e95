"""Red-flag cases: pulmonary embolism, cauda equina, compartment syndrome (CLINICAL.md §1.5-1.6)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests.fakes.fixture_builders import ICD, Resource
from tests.fakes.fixture_cases import (
    APPENDECTOMY,
    ASTHMA,
    CALF_PAIN,
    CANCER,
    CHEST_PAIN,
    DYSPNOEA,
    HAEMOPTYSIS,
    HYPERTENSION,
    IBUPROFEN,
    LOW_BACK_PAIN,
    LUMBAGO_SCIATICA,
    NUMB_LIMB,
    NUMBNESS,
    PAIN_LEG,
    PARAESTHESIA,
    PLEURITIC,
    SCIATICA,
    SWELL_LOWER_LEG,
    TIBIA_FRACTURE,
    URINARY_RETENTION,
    born,
    case,
    chart,
    exam,
    gp_visit,
    leg_pain,
)

CET = timezone(timedelta(hours=1))
CEST = timezone(timedelta(hours=2))


@case
def pe_emergency_dyspnoea_tachycardia() -> Resource:
    c = chart("pe-emergency-dyspnoea-tachycardia", datetime(2024, 12, 29, 23, 10, tzinfo=CET))
    gp_visit(c, "Margit", "Halvorsen", "female", born(c, 58, 40), "EMER")
    c.condition(HYPERTENSION, onset=c.ago(days=2900))
    leg_pain(c, "left", 3)
    c.finding(SWELL_LOWER_LEG, True, "left", text="Swelling of left lower leg")
    exam(c, "left", tender=True, calf=(39.5, 37.0))
    c.condition(
        DYSPNOEA,
        (ICD, "R06.02", "Shortness of breath"),
        onset=c.ago(hours=6),
        category="encounter-diagnosis",
        current=True,
        text="Breathless since this morning",
    )
    c.condition(
        CHEST_PAIN,
        PLEURITIC,
        onset=c.ago(hours=5),
        category="encounter-diagnosis",
        current=True,
        text="Pleuritic chest pain, right side",
    )
    c.vitals(hr=118, spo2=91, rr=24, temp=37.4)
    c.procedure(APPENDECTOMY, c.ago(days=9000))
    return c.bundle(
        "58-year-old woman, left calf pain and swelling for 3 days, now breathless with pleuritic "
        "chest pain, HR 118, SpO2 91%: suspected PE, emergency.",
        "patient-view",
    )


@case
def pe_emergency_haemoptysis_order_sign() -> Resource:
    c = chart("pe-emergency-haemoptysis-order-sign")
    gp_visit(c, "Desmond", "Achterberg", "male", born(c, 66, 100))
    c.condition(
        CANCER,
        (ICD, "C34.90", "Malignant neoplasm of unspecified part of unspecified bronchus or lung"),
        onset=c.ago(days=120),
        text="Non-small-cell lung cancer, on chemotherapy",
    )
    leg_pain(c, "right", 2)
    exam(c, "right", tender=True, pitting=True, calf=(36.5, 38.5))
    c.condition(
        HAEMOPTYSIS,
        (ICD, "R04.2", "Hemoptysis"),
        onset=c.ago(hours=10),
        category="encounter-diagnosis",
        current=True,
        text="Coughed up blood-streaked sputum",
    )
    c.finding(DYSPNOEA, False, text="Breathlessness")
    c.vitals(hr=104, spo2=95, rr=18, temp=37.1)
    c.medication(
        IBUPROFEN,
        c.ago(minutes=3),
        "400 mg three times daily with food for 5 days",
        status="draft",
        reason="Calf pain",
    )
    return c.bundle(
        "66-year-old man with active lung cancer, right calf pain and tenderness, haemoptysis and "
        "HR 104; ibuprofen about to be signed: PE red flag at order-sign.",
        "order-sign",
    )


@case
def cauda_equina_sciatica_saddle_numbness() -> Resource:
    c = chart("cauda-equina-sciatica-saddle-numbness")
    gp_visit(c, "Tomasz", "Wierzbicki", "male", born(c, 44, 210))
    c.condition(LOW_BACK_PAIN, onset=c.ago(days=12), text="Low back pain after lifting")
    c.condition(
        SCIATICA,
        LUMBAGO_SCIATICA["left"],
        onset=c.ago(days=10),
        category="encounter-diagnosis",
        current=True,
        side="left",
        site="lower_limb",
        text="Left sciatica radiating to the calf",
    )
    c.finding(
        NUMB_LIMB, True, "left", site="lower_limb", text="Numbness of left lower limb (L5/S1)"
    )
    c.finding(
        NUMBNESS,
        True,
        None,
        site="perineum",
        site_text="Saddle area (perineum)",
        text="Saddle numbness",
    )
    c.condition(
        URINARY_RETENTION,
        onset=c.ago(days=1),
        category="encounter-diagnosis",
        current=True,
        text="Difficulty passing urine since yesterday",
    )
    c.vitals(hr=84, spo2=98, rr=14, temp=36.8)
    return c.bundle(
        "44-year-old man, left sciatica for 10 days, now saddle numbness and difficulty passing "
        "urine: suspected cauda equina syndrome.",
        "patient-view",
    )


@case
def compartment_syndrome_tibial_fracture() -> Resource:
    c = chart("compartment-syndrome-tibial-fracture", datetime(2025, 7, 19, 16, 45, tzinfo=CEST))
    gp_visit(c, "Kwame", "Asante", "male", born(c, 27, 30), "EMER")
    c.condition(ASTHMA, onset=c.ago(days=5000))
    c.condition(
        TIBIA_FRACTURE,
        onset=c.ago(days=1, hours=20),
        category="encounter-diagnosis",
        side="right",
        text="Closed fracture of right tibial shaft (football tackle)",
    )
    c.condition(
        CALF_PAIN,
        PAIN_LEG["right"],
        onset=c.ago(hours=8),
        category="encounter-diagnosis",
        side="right",
        current=True,
        text="Escalating right calf pain, worse on passive toe stretch",
    )
    c.pain_score(6, c.ago(hours=9), "right")
    c.pain_score(10, c.ago(minutes=20), "right")
    c.finding(PARAESTHESIA, True, "right", text="Tingling over the right foot")
    c.finding(SWELL_LOWER_LEG, True, "right", text="Tense swollen right calf")
    c.vitals(hr=102, spo2=99, rr=16, temp=37.0)
    return c.bundle(
        "27-year-old man, closed right tibial shaft fracture 2 days ago, escalating calf pain "
        "10/10 with tingling foot: suspected acute compartment syndrome, emergency.",
        "patient-view",
    )
