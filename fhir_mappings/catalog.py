"""Which code lists feed which feature, and how each feature is windowed.

One table instead of per-feature code paths: adding a finding feature means adding a CSV and a
line here. Windows come from MappingOptions (docs/fhir-conventions.md):
- RECENT: symptoms and signs count when their time is within ``recent_symptom_days``;
- CURRENT: a Condition counts while its clinicalStatus is active (paralysis, pregnancy, ...);
- record-based Wells criteria (CLINICAL.md 2.4) are ABSENT "by record" only when their data set
  was retrieved and holds no match.
"""

from __future__ import annotations

from enum import StrEnum

from fhir_mappings.features import FeatureName as F


class Window(StrEnum):
    RECENT = "recent"
    CURRENT = "current"
    SURGERY = "surgery"  # within surgery_window_weeks (bedridden, recent surgery)
    SPECIAL = "special"  # handled by records.py (cancer, DVT/PE history)


# Leg findings: kept per leg, never merged across legs (docs/fhir-conventions.md "Laterality").
LEG_FEATURES: frozenset[str] = frozenset(
    {
        F.CALF_PAIN,
        F.PAIN_ON_DORSIFLEXION,
        F.LEG_SWELLING,
        F.ENTIRE_LEG_SWOLLEN,
        F.CALF_DIFFERENCE,
        F.PITTING_OEDEMA,
        F.DEEP_VEIN_TENDERNESS,
        F.COLLATERAL_VEINS,
        F.WARMTH,
        F.REDNESS,
        F.SUDDEN_SEVERE_SWELLING,
        F.THROBBING_PAIN_AT_REST,
        F.MUSCLE_STRAIN,
        F.CRAMP,
        F.SCIATICA,
        F.RADICULAR_SYMPTOMS,
        F.COMPARTMENT_SYNDROME,
        F.ACHILLES_RUPTURE,
        F.RECENT_FRACTURE_OR_CRUSH,
    }
)

# Code list name -> (feature, window) for lists that map one-to-one onto a finding feature.
FINDING_LISTS: dict[str, tuple[str, Window]] = {
    **{
        name: (name, Window.RECENT)
        for name in (
            F.CALF_PAIN,
            F.PAIN_ON_DORSIFLEXION,
            F.LEG_SWELLING,
            F.BILATERAL_LEG_SWELLING,
            F.ENTIRE_LEG_SWOLLEN,
            F.PITTING_OEDEMA,
            F.DEEP_VEIN_TENDERNESS,
            F.COLLATERAL_VEINS,
            F.WARMTH,
            F.REDNESS,
            F.SUDDEN_SEVERE_SWELLING,
            F.THROBBING_PAIN_AT_REST,
            F.FEVER,
            F.DYSPNOEA,
            F.CHEST_PAIN,
            F.HAEMOPTYSIS,
            F.SYNCOPE,
            F.MUSCLE_STRAIN,
            F.CRAMP,
            F.SCIATICA,
            F.RADICULAR_SYMPTOMS,
            F.SADDLE_NUMBNESS,
            F.BLADDER_BOWEL_DISTURBANCE,
            F.BILATERAL_LEG_NEURO,
            F.CAUDA_EQUINA,
            F.RECENT_FRACTURE_OR_CRUSH,
            F.PAIN_OUT_OF_PROPORTION,
            F.COMPARTMENT_SYNDROME,
            F.ACHILLES_RUPTURE,
            F.WALKING_DIFFICULTY,
            F.RECURRENT_PAIN,
        )
    },
    F.PARALYSIS_OR_PLASTER: (F.PARALYSIS_OR_PLASTER, Window.CURRENT),
    F.PREGNANCY: (F.PREGNANCY, Window.CURRENT),
    F.HORMONAL_CONTRACEPTION: (F.HORMONAL_CONTRACEPTION, Window.CURRENT),
    F.ANTICOAGULANT: (F.ANTICOAGULANT, Window.CURRENT),
    F.BEDRIDDEN: (F.BEDRIDDEN, Window.SURGERY),
    F.RECENT_MAJOR_SURGERY: (F.RECENT_MAJOR_SURGERY, Window.SURGERY),
    F.ACTIVE_CANCER: (F.ACTIVE_CANCER, Window.SPECIAL),
    "cancer_history": (F.ACTIVE_CANCER, Window.SPECIAL),
    "dvt": (F.CURRENT_DVT, Window.SPECIAL),
    F.PREVIOUS_DVT: (F.PREVIOUS_DVT, Window.SPECIAL),
    "pe": (F.PREVIOUS_PE, Window.SPECIAL),
    F.PREVIOUS_PE: (F.PREVIOUS_PE, Window.SPECIAL),
}

# Numeric Observations: list name -> canonical UCUM unit.
VITAL_LISTS: dict[str, str] = {
    F.HEART_RATE: "/min",
    F.SPO2: "%",
    F.RESPIRATORY_RATE: "/min",
    F.TEMPERATURE: "Cel",
}
LAB_LISTS: dict[str, str] = {
    "potassium": "mmol/L",
    "magnesium": "mmol/L",
    "calcium": "mmol/L",
    "creatine_kinase": "U/L",
}
DDIMER_LISTS = ("ddimer_feu", "ddimer_ddu")
CALF_LISTS = ("calf_circumference", "calf_circumference_difference")
ALTERNATIVE_PREFIX = "alternative_"
ORDER_PREFIX = "orders_"
ORDER_KINDS = ("physiotherapy", "massage", "compression", "nsaid", "ddimer", "ultrasound")
MEDICATION_LISTS = (F.ANTICOAGULANT, F.HORMONAL_CONTRACEPTION)

# Record-based Wells criteria -> the data set whose absence of a match makes them ABSENT.
RECORD_BASED: dict[str, str] = {
    F.ACTIVE_CANCER: "Condition",
    F.PARALYSIS_OR_PLASTER: "Condition",
    F.BEDRIDDEN: "Condition",
    F.RECENT_MAJOR_SURGERY: "Procedure",
    F.PREVIOUS_DVT: "Condition",
    F.PREVIOUS_PE: "Condition",
}
RECORD_LABEL: dict[str, str] = {
    F.ACTIVE_CANCER: "active cancer",
    F.PARALYSIS_OR_PLASTER: "paralysis or paresis (plaster casts are not coded)",
    F.BEDRIDDEN: "recent bed confinement",
    F.RECENT_MAJOR_SURGERY: "surgery in the window",
    F.PREVIOUS_DVT: "previous DVT",
    F.PREVIOUS_PE: "previous PE",
}

# Body sites that place tenderness on the leg (CLINICAL.md 2.1, BE): lower limb, lower leg,
# knee, thigh. Tenderness elsewhere is not "along the deep veins".
LEG_SITE_CODES = frozenset({"61685007", "30021000", "72696002", "68367000"})

# Saddle-region body sites (CLINICAL.md 1.6: perianal, perineal, genital numbness is a cauda equina
# red flag). A numbness / paraesthesia / anaesthesia finding (saddle_numbness.csv) on one of these
# sites is saddle numbness, not leg numbness. Sources (codelists/SOURCES.md): DICOM CID 4 "Anatomic
# Region" (46862004 Buttock, 38864007 Perineum, 18911002 Penis, 20233005 Scrotum, 45292006 Vulva);
# BE (18911002 Penile, 20233005 Scrotal, 45292006 Vulval structure); 3P, two agreeing (397158004
# Perianal region).
SADDLE_SITE_CODES = frozenset(
    {"46862004", "38864007", "397158004", "18911002", "20233005", "45292006"}
)
