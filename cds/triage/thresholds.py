"""Every clinical number the triage uses, in one place, each with its source key.

Rules import names from here; no rule carries a bare number. Source keys refer to
``docs/clinical-basis.md`` (sources S1a, S2, ...). Where the sources disagree, the choice is
written next to the value.
"""

from __future__ import annotations

from typing import Final, Literal

WellsVersion = Literal["2003", "1997"]

# --- Wells DVT score (docs/clinical-basis.md §1.1, §1.2) ------------------------------------------
# Points per criterion: every criterion is +1 except the alternative diagnosis (-2); "previously
# documented DVT" exists only in the 2003 model (S7, S2, S9).
WELLS_POINTS: Final[dict[WellsVersion, dict[str, int]]] = {
    "2003": {  # S2 NICE NG158 Table 1 (Wells 2003), S9
        "active_cancer": 1,
        "paralysis": 1,
        "bedridden_or_surgery": 1,
        "deep_vein_tenderness": 1,
        "entire_leg_swollen": 1,
        "calf_swelling": 1,
        "pitting_oedema": 1,
        "collateral_veins": 1,
        "previous_dvt": 1,
        "alternative_diagnosis": -2,
    },
    "1997": {  # S1a/S1b/S1c Wells 1997 (Lancet)
        "active_cancer": 1,
        "paralysis": 1,
        "bedridden_or_surgery": 1,
        "deep_vein_tenderness": 1,
        "entire_leg_swollen": 1,
        "calf_swelling": 1,
        "pitting_oedema": 1,
        "collateral_veins": 1,
        "alternative_diagnosis": -2,
    },
}
WELLS_SCORE_RANGE: Final[dict[WellsVersion, tuple[int, int]]] = {
    "2003": (-2, 9),  # §1.1 "Score range: ... 2003 -2..9"
    "1997": (-2, 8),  # §1.1 "1997 -2..8"
}
# Two-level interpretation: DVT likely >= 2, unlikely <= 1 (S2, S7, S9). Used for both versions,
# because NG158's pathway is two-level; the 1997 three-level bands are shown for information.
WELLS_LIKELY_MIN: Final = 2
# Three-level (1997 paper): >= 3 high, 1-2 moderate, <= 0 low (S1b, S1c).
WELLS_HIGH_MIN: Final = 3
WELLS_MODERATE_MIN: Final = 1

# Calf swelling vs the asymptomatic side (10 cm below the tibial tuberosity):
# 2003 "at least 3 cm" (S2) -> value >= 3.0; 1997 "> 3 cm" (S1c, S7, S1d) -> value > 3.0.
CALF_DIFFERENCE_CM: Final = 3.0
# Measured values are compared after rounding to this many decimals (mm conversions must not
# turn 3.0 cm into 2.9999999).
CALF_DIFFERENCE_DECIMALS: Final = 2

# Bedridden: 2003 "3 days or more" (S2) vs 1997 "> 3 days" (S1c, S7).
BEDRIDDEN_DAYS: Final = 3
# Major surgery: 2003 within 12 weeks with general or regional anaesthesia (S2);
# 1997 within 4 weeks (S1c, S7; the S1b reprint says 12 weeks, see §1.1 caveat).
SURGERY_WEEKS: Final[dict[WellsVersion, int]] = {"2003": 12, "1997": 4}

# --- NG158 pathway timings (S2 1.1.3/1.1.4, S4, S5) --------------------------------------------
SCAN_WITHIN_HOURS: Final = 4  # proximal leg vein ultrasound result within 4 h (S2, S4)
SCAN_DEFERRED_WITHIN_HOURS: Final = 24  # with interim anticoagulation (S2 1.1.4, S5)
DDIMER_WITHIN_HOURS: Final = 4  # D-dimer result within 4 h (S3, S5)
REPEAT_SCAN_DAYS: Final = (6, 8)  # scan negative, D-dimer positive: repeat in 6-8 days (S5, S6a)
NG158_MIN_AGE: Final = 18  # NG158 covers adults >= 18 (S3b)
# Only for a reminder line ("pregnancy status not documented") on women up to this age; never
# changes a decision. Not from a published source: a product choice to keep the reminder relevant.
PREGNANCY_REMINDER_MAX_AGE: Final = 55

# --- D-dimer cut-offs (docs/clinical-basis.md §1.3 item 7, §2.3) ----------------------------------
# Conventional FEU cut-off 500 ng/mL (= 500 ug/L = 0.5 mg/L FEU) (S18a, §2.3).
DDIMER_CUTOFF_FEU_NG_ML: Final = 500.0
# DDU: S18b gives 230-250 ng/mL DDU. We choose 230, the conservative end: a lower cut-off calls
# more results positive, so a borderline DDU value never rules DVT out on our choice alone.
# An assay's own referenceRange.high, when sent, replaces this value.
DDIMER_CUTOFF_DDU_NG_ML: Final = 230.0
# Assay cut-offs that count as "conventional" (so the age-adjusted rule may replace them):
# FEU 500 (S18a); DDU 230-250 (S18b).
CONVENTIONAL_CUTOFF_RANGE: Final[dict[str, tuple[float, float]]] = {
    "FEU": (500.0, 500.0),
    "DDU": (230.0, 250.0),
}
# Age-adjusted cut-off, only as a setting, only for age > 50 and never when DVT is likely or
# not yet decided (S18a, S18c, S6c): FEU age x 10 ug/L (= ng/mL) (S18a); DDU 5 x age (S18b).
AGE_ADJUST_MIN_AGE_EXCLUSIVE: Final = 50
AGE_ADJUST_FEU_PER_YEAR: Final = 10.0
AGE_ADJUST_DDU_PER_YEAR: Final = 5.0
# HL7 v3 ObservationInterpretation codes that mean "raised/positive": a lab's own flag is honoured
# when it is more cautious than our cut-off.
POSITIVE_INTERPRETATIONS: Final = frozenset({"H", "HH", "HU", "A", "AA", "POS", "DET"})

# --- PE red flags (docs/clinical-basis.md §1.5) ---------------------------------------------------
HEART_RATE_HIGH_PER_MIN: Final = 100.0  # > 100/min, Wells PE item (S12a-d); PERC "pulse < 100"
# PERC: SaO2 >= 95% is normal (S13e; some sources > 94%) -> below 95% is a low SpO2 red flag.
SPO2_LOW_PERCENT: Final = 95.0

# Vital signs describe the patient now: a heart rate or SpO2 older than this is not a current PE
# sign. Not from a published source: a product choice (one day), so a stale reading never raises a
# critical card on its own; the card shows the measurement time.
VITALS_RECENT_HOURS: Final = 24

# --- Fever and sepsis (docs/clinical-basis.md §1.11) ----------------------------------------------
# Fever: 38 °C is NICE's fever threshold (S26, S25); NEWS2 scores from 38.1 °C (S24). We take
# 38.0 °C inclusive, the cautious end, so a reading of exactly 38.0 is not missed.
FEVER_MIN_CEL: Final = 38.0
# NEWS2 single red parameters (score 3) among the observations the service reads (S24); the
# respiratory-rate and heart-rate values are also NICE NG51 high-risk criteria (S25: >= 25/min,
# > 130/min). NEWS2 is scored from age 16.
SEPSIS_RESPIRATORY_RATE_MIN_PER_MIN: Final = 25.0
SEPSIS_SPO2_MAX_PERCENT: Final = 91.0
SEPSIS_HEART_RATE_MIN_PER_MIN: Final = 131.0
NEWS2_MIN_AGE: Final = 16

# --- Cauda equina (docs/clinical-basis.md §1.6) ---------------------------------------------------
CES_RECENT_DAYS: Final = 14  # "recent (< 14 days) onset or worsening" (S14a)
CES_MRI_WITHIN_HOURS: Final = 4  # emergency MRI within 4 h of request in hospital (S14a)

# --- Compartment syndrome (docs/clinical-basis.md §1.6) -------------------------------------------
FASCIOTOMY_BEST_WITHIN_HOURS: Final = 6  # best outcomes within 6 h (S15b, S15c)
MUSCLE_DAMAGE_IRREVERSIBLE_HOURS: Final = 8  # "damage is irreversible after about 8 h" (S15b, S15c)

# --- Muscle strain and physiotherapy (docs/clinical-basis.md §1.8) --------------------------------
RICE_HOURS: Final = 72  # RICE and analgesia for the first 72 h (S17a, S17b)
# "Pain persists beyond a few days": we read "a few days" as the RICE period, > 3 days (S17a).
PHYSIO_PERSISTENT_DAYS: Final = 3
SCIATICA_COMMUNITY_WEEKS: Final = 12  # ~12 weeks community management incl. physio (S17f)
SCIATICA_MRI_AFTER_WEEKS: Final = (4, 6)  # MRI only if persisting beyond 4-6 weeks (S16e)

# --- Cramp: electrolytes and CK (docs/clinical-basis.md §1.9), canonical units mmol/L, CK U/L -----
POTASSIUM_LOW_MMOL_L: Final = 3.5  # hypokalaemia (S18e; US Core range 3.5-5.5)
POTASSIUM_SEVERE_MMOL_L: Final = 2.5  # severe (S18e)
MAGNESIUM_LOW_MMOL_L: Final = 0.7  # hypomagnesaemia (S18f, S18g)
MAGNESIUM_SEVERE_MMOL_L: Final = 0.5  # severe (S18f, S18g)
# Albumin-corrected calcium: sources give 2.1 (S18i) and ~2.2 (labs); US Core example range
# 8.5-10.5 mg/dL = 2.12-2.62 mmol/L (USC). We flag below 2.12 mmol/L (the USC range low), the
# middle choice; a lab's own referenceRange.low, when sent, wins.
CALCIUM_LOW_MMOL_L: Final = 2.12
# Bloods for cramp are for a picture that suggests a cause (S18d), not for a well adult's
# exercise cramp: one that has lasted longer than this, recurs or affects both legs. Not from a
# published source: a product choice (two weeks, the recent-symptom window).
CRAMP_BLOODS_AFTER_DAYS: Final = 14
CK_ULN_MULTIPLE: Final = 3.0  # CK >= 3 x ULN suggests myopathy/rhabdomyolysis (S18j, low conf.)
# On a statin with muscle symptoms: CK 3-10 x ULN is statin myopathy (review the statin, repeat CK
# weekly); CK above 10 x ULN means stopping the statin and checking renal function for
# rhabdomyolysis (S36, S37). The sources say "> 10 x"; we take 10 x inclusive, the cautious end.
CK_RHABDOMYOLYSIS_ULN_MULTIPLE: Final = 10.0
# No default CK upper limit: the sources give none, so without the lab's referenceRange.high a CK
# value is shown but not judged.

# --- Windows (a site may change them: CDS_EPISODE_DAYS, CDS_LAB_RECENT_DAYS) ------------------
DEFAULT_EPISODE_DAYS: Final = 14  # D-dimer older than the episode window does not count
DEFAULT_LAB_RECENT_DAYS: Final = 30  # electrolytes older than this are not "recent"

# --- Wells PE (docs/clinical-basis.md §1.5; S12a-d): decides the NG158 PE pathway ---------------
WELLS_PE_POINTS: Final[dict[str, float]] = {
    "dvt_signs": 3.0,  # clinical signs of DVT (leg swelling and pain on palpation of deep veins)
    "pe_most_likely": 3.0,  # alternative diagnosis less likely than PE (clinician judgement)
    "heart_rate": 1.5,  # heart rate > 100/min
    "immobilisation_or_surgery": 1.5,  # immobilisation >= 3 days or surgery in previous 4 weeks
    "previous_vte": 1.5,  # previous DVT or PE
    "haemoptysis": 1.0,
    "malignancy": 1.0,
}
WELLS_PE_UNLIKELY_MAX: Final = 4.0  # two-level: <= 4 PE unlikely, > 4 PE likely (S12b, S12c)
WELLS_PE_SURGERY_WEEKS: Final = 4  # surgery in the previous 4 weeks (S12a-d)
