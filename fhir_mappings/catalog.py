"""Which value sets define which code list, which lists feed which feature, and their windows.

One table instead of per-feature code paths: adding a finding feature means adding a supplement
ValueSet (or naming a public one) and a line here. Windows come from MappingOptions
(docs/fhir-conventions.md):
- RECENT: symptoms and signs count when their time is within ``recent_symptom_days``;
- CURRENT: a Condition counts while its clinicalStatus is active (paralysis, pregnancy, ...);
- record-based Wells criteria (clinical-basis §2.4) are ABSENT "by record" only when their data set
  was retrieved and holds no match.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from fhir_mappings.features import FeatureName as F

SUPPLEMENT_PREFIX = "calf-triage-"

# Public NLM VSAC value sets (valuesets/vsac, SOURCES.md) by OID, and the code lists they define
# beside each list's own supplement (valuesets/supplements/calf-triage-<list>.json).
CANCER = "2.16.840.1.113883.3.526.3.1010"
ALL_CANCER = "2.16.840.1.113762.1.4.1111.161"
CHEMOTHERAPY = "2.16.840.1.113883.3.526.3.485"
CHEMOTHERAPY_ADMINISTRATION = "2.16.840.1.113883.3.526.3.1027"
RADIATION_TREATMENT = "2.16.840.1.113883.3.526.3.1026"
CHEMOTHERAPY_AGENTS = "2.16.840.1.113762.1.4.1151.60"
PREGNANCY = "2.16.840.1.113883.3.526.3.378"
PREGNANT_STATE = "2.16.840.1.113883.3.3157.4055"
PREGNANCY_COMPLICATIONS = "2.16.840.1.113883.3.464.1003.111.12.1012"
DELIVERY = "2.16.840.1.113762.1.4.1045.59"
CESAREAN = "2.16.840.1.113883.3.117.1.7.1.282"
MAJOR_SURGERY = "2.16.840.1.113883.3.3157.4056"
GENERAL_SURGERY = "2.16.840.1.113883.3.117.1.7.1.255"
GYNECOLOGICAL_SURGERY = "2.16.840.1.113883.3.117.1.7.1.257"
UROLOGICAL_SURGERY = "2.16.840.1.113883.3.117.1.7.1.272"
HIP_REPLACEMENT = "2.16.840.1.113883.3.117.1.7.1.259"
KNEE_REPLACEMENT = "2.16.840.1.113883.3.117.1.7.1.261"
HIP_FRACTURE_SURGERY = "2.16.840.1.113883.3.117.1.7.1.258"
ANESTHESIA = "2.16.840.1.113883.3.666.5.1743"
ANESTHESIA_2023 = "2.16.840.1.113762.1.4.1248.208"
ANTICOAGULANTS = (
    "2.16.840.1.113762.1.4.1248.22",  # Anticoagulants for All Indications
    "2.16.840.1.113883.3.117.1.7.1.200",  # Anticoagulant Therapy
    "2.16.840.1.113883.3.117.1.7.1.232",  # Warfarin
    "2.16.840.1.113883.3.117.1.7.1.219",  # Low Molecular Weight Heparin for VTE Prophylaxis
    "2.16.840.1.113883.3.117.1.7.1.134",  # Oral Factor Xa Inhibitor
    "2.16.840.1.113883.3.117.1.7.1.211",  # Injectable Factor Xa Inhibitor
    "2.16.840.1.113883.3.117.1.7.1.218",  # Unfractionated Heparin
    "2.16.840.1.113762.1.4.1045.39",  # Low Dose Unfractionated Heparin for VTE Prophylaxis
    "2.16.840.1.113883.3.117.1.7.1.205",  # Direct Thrombin Inhibitor
    "2.16.840.1.113762.1.4.1029.366",  # Long Term Anticoagulant Use (ICD-10-CM Z79.01)
)
CONTRACEPTIVES = "2.16.840.1.113883.3.464.1003.196.12.1080"
ESTROGENS = "2.16.840.1.113883.3.464.1003.1058"  # oestrogen products, HRT included
# Statins at clinical drug level (the CMS347 intensity sets) and ingredient level ("Statin
# Allergen": the RxNorm ingredients and SNOMED CT statin substance and product).
STATINS = (
    "2.16.840.1.113883.3.526.3.1572",  # High Intensity Statin Therapy
    "2.16.840.1.113883.3.526.3.1575",  # Moderate Intensity Statin Therapy
    "2.16.840.1.113883.3.526.3.1574",  # Low Intensity Statin Therapy
    "2.16.840.1.113762.1.4.1110.42",  # Statin Allergen (ingredients)
)
LOOP_DIURETICS = (  # HL7 PDDI CDS IG: RxNorm ingredient, brand, clinical and branded drug
    "valueset-furosemide",
    "valueset-bumetanide",
    "valueset-torsemide",
    "valueset-ethacrynate",
)
LOWER_BODY_FRACTURES = "2.16.840.1.113883.3.464.1003.1178"
FRACTURE_LOWER_BODY = "2.16.840.1.113883.3.464.1003.113.12.1037"
PHYSICAL_THERAPY_EVALUATION = "2.16.840.1.113883.3.526.3.1022"
COMPRESSION = (
    "2.16.840.1.113762.1.4.1110.66",  # Application of Graduated Compression Stockings
    "2.16.840.1.113883.3.117.1.7.1.256",  # Graduated compression stockings
    "2.16.840.1.113762.1.4.1110.65",  # Application of Intermittent Pneumatic Compression
    "2.16.840.1.113883.3.117.1.7.1.214",  # Intermittent pneumatic compression devices
)

# Procedure / medication lists read by records.py
CANCER_TREATMENT_LIST = "cancer_treatment"  # chemotherapy or radiotherapy: active cancer
DELIVERY_LIST = "delivery"  # a birth: postpartum, outside the DVT pathway
MAJOR_SURGERY_LIST = "major_surgery"  # done under general or regional anaesthesia
ANAESTHESIA_LIST = "anaesthesia"  # general or neuraxial anaesthesia recorded
FRACTURE_LIST = "lower_limb_fracture"  # Conditions
IMMOBILISATION_LIST = "immobilisation"  # Procedures (cast, splint, bone immobilisation)

PUBLIC_VALUE_SETS: dict[str, tuple[str, ...]] = {
    F.ACTIVE_CANCER: (CANCER, ALL_CANCER),
    CANCER_TREATMENT_LIST: (
        CHEMOTHERAPY,
        CHEMOTHERAPY_ADMINISTRATION,
        RADIATION_TREATMENT,
        CHEMOTHERAPY_AGENTS,
    ),
    F.PREGNANCY: (PREGNANCY, PREGNANT_STATE, PREGNANCY_COMPLICATIONS),
    DELIVERY_LIST: (DELIVERY, CESAREAN),
    MAJOR_SURGERY_LIST: (
        MAJOR_SURGERY,
        GENERAL_SURGERY,
        GYNECOLOGICAL_SURGERY,
        UROLOGICAL_SURGERY,
        HIP_REPLACEMENT,
        KNEE_REPLACEMENT,
        HIP_FRACTURE_SURGERY,
        CESAREAN,
    ),
    ANAESTHESIA_LIST: (ANESTHESIA, ANESTHESIA_2023),
    F.ANTICOAGULANT: ANTICOAGULANTS,
    F.HORMONAL_CONTRACEPTION: (CONTRACEPTIVES, ESTROGENS),
    FRACTURE_LIST: (LOWER_BODY_FRACTURES, FRACTURE_LOWER_BODY),
    "orders_physiotherapy": (PHYSICAL_THERAPY_EVALUATION,),
    "orders_compression": COMPRESSION,
    F.STATIN: STATINS,
    F.LOOP_DIURETIC: LOOP_DIURETICS,
}


# The SNOMED CT concept whose descendants a list stands for, for a live terminology server's
# $subsumes (cds/terminology.py): docs/clinical-basis.md §2.1 (IPS, BE).
DEFINING_CONCEPTS: dict[str, str] = {
    F.ACTIVE_CANCER: "363346000",  # Malignant neoplastic disease
    F.PARALYSIS_OR_PLASTER: "44695005",  # Paralysis
    F.PREGNANCY: "77386006",  # Pregnancy
    "dvt": "128053003",  # Deep venous thrombosis
    "pe": "59282003",  # Pulmonary embolism
}


def supplement_id(list_name: str) -> str:
    return SUPPLEMENT_PREFIX + list_name.replace("_", "-")


def list_value_sets(known: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """Code list -> the ids of its value sets: its supplement (when shipped), then public ones."""
    names = {
        vid.removeprefix(SUPPLEMENT_PREFIX).replace("-", "_")
        for vid in known
        if vid.startswith(SUPPLEMENT_PREFIX)
    }
    lists: dict[str, tuple[str, ...]] = {}
    for name in sorted(names | set(PUBLIC_VALUE_SETS)):
        own = supplement_id(name)
        lists[name] = ((own,) if own in known else ()) + PUBLIC_VALUE_SETS.get(name, ())
    return lists


class Window(StrEnum):
    RECENT = "recent"
    CURRENT = "current"
    SURGERY = "surgery"  # within surgery_window_weeks (bedridden, recent surgery)
    SPECIAL = "special"  # handled by records.py (cancer, DVT/PE history)
    # pregnancy: current, and begun within a pregnancy plus the puerperium (an "active" pregnancy
    # Condition from years ago, as some EHRs leave a miscarriage, is stale, not a pregnancy now)
    PREGNANCY = "pregnancy"


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
    F.PREGNANCY: (F.PREGNANCY, Window.PREGNANCY),
    F.HORMONAL_CONTRACEPTION: (F.HORMONAL_CONTRACEPTION, Window.CURRENT),
    F.ANTICOAGULANT: (F.ANTICOAGULANT, Window.CURRENT),
    F.LOOP_DIURETIC: (F.LOOP_DIURETIC, Window.CURRENT),
    F.THIAZIDE_DIURETIC: (F.THIAZIDE_DIURETIC, Window.CURRENT),
    F.STATIN: (F.STATIN, Window.CURRENT),
    F.BETA2_AGONIST: (F.BETA2_AGONIST, Window.CURRENT),
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
# Finding lists whose Condition is also an alternative diagnosis for the Wells -2 (clinical-basis
# §1.7): a clinician's sciatica or cramp diagnosis explains calf pain as well as a calf tear does,
# and its codes stay in the one list that defines the finding.
ALTERNATIVE_FINDINGS: dict[str, str] = {F.SCIATICA: "sciatica", F.CRAMP: "cramp"}


def alternative_kind(list_name: str) -> str | None:
    """The alternative diagnosis a Condition in this list asserts, if any (``alternative_*``
    lists and ``ALTERNATIVE_FINDINGS``)."""
    if list_name.startswith(ALTERNATIVE_PREFIX):
        return list_name.removeprefix(ALTERNATIVE_PREFIX)
    return ALTERNATIVE_FINDINGS.get(list_name)


ORDER_PREFIX = "orders_"
ORDER_KINDS = ("physiotherapy", "massage", "compression", "nsaid", "ddimer", "ultrasound")
# Drug classes a medication record makes present while current (fhir_mappings.records).
DRUG_CLASS_LISTS = (
    F.ANTICOAGULANT,
    F.HORMONAL_CONTRACEPTION,
    F.LOOP_DIURETIC,
    F.THIAZIDE_DIURETIC,
    F.STATIN,
    F.BETA2_AGONIST,
)
# Contraceptives that do not raise the VTE risk (progestogen-only pill, levonorgestrel IUS,
# emergency levonorgestrel, spermicides; clinical-basis §1.13): a record of one does not make
# hormonal contraception a VTE risk factor, though the contraceptive sets hold it.
NO_VTE_CONTRACEPTION_LIST = "no_vte_contraception"
MEDICATION_LISTS = (*DRUG_CLASS_LISTS, CANCER_TREATMENT_LIST, NO_VTE_CONTRACEPTION_LIST)
SURGERY_CATEGORY_LIST = "recent_major_surgery"  # the surgical category; "history of surgery"
PROCEDURE_LISTS = (
    SURGERY_CATEGORY_LIST,
    MAJOR_SURGERY_LIST,
    ANAESTHESIA_LIST,
    CANCER_TREATMENT_LIST,
    DELIVERY_LIST,
    IMMOBILISATION_LIST,
)

# Record-based Wells criteria -> the data sets searched: the first one must have been retrieved
# for "none found" to be ABSENT (else UNKNOWN); the others are named when they were retrieved.
RECORD_BASED: dict[str, tuple[str, ...]] = {
    F.ACTIVE_CANCER: (
        "Condition",
        "Procedure",
        "MedicationRequest",  # chemotherapy: every medication record type (records.py)
        "MedicationStatement",
        "MedicationAdministration",
    ),
    F.PARALYSIS_OR_PLASTER: ("Condition", "Procedure"),
    F.BEDRIDDEN: ("Condition",),
    F.RECENT_MAJOR_SURGERY: ("Procedure",),
    F.PREVIOUS_DVT: ("Condition",),
    F.PREVIOUS_PE: ("Condition",),
}
RECORD_LABEL: dict[str, str] = {
    F.ACTIVE_CANCER: "active cancer",
    F.PARALYSIS_OR_PLASTER: "paralysis, paresis or immobilised lower-limb fracture",
    F.BEDRIDDEN: "recent bed confinement",
    F.RECENT_MAJOR_SURGERY: "surgery in the window",
    F.PREVIOUS_DVT: "previous DVT",
    F.PREVIOUS_PE: "previous PE",
}
# The code lists whose value sets a record-based "none found" names.
RECORD_LISTS: dict[str, tuple[str, ...]] = {
    F.ACTIVE_CANCER: (F.ACTIVE_CANCER,),
    F.PARALYSIS_OR_PLASTER: (F.PARALYSIS_OR_PLASTER, FRACTURE_LIST, IMMOBILISATION_LIST),
    F.BEDRIDDEN: (F.BEDRIDDEN,),
    F.RECENT_MAJOR_SURGERY: (MAJOR_SURGERY_LIST, SURGERY_CATEGORY_LIST),
    F.PREVIOUS_DVT: (F.PREVIOUS_DVT, "dvt"),
    F.PREVIOUS_PE: (F.PREVIOUS_PE, "pe"),
}

# Observations whose coded value is the answer (US Core Pregnancy Status: LOINC 82810-3 with
# SNOMED 77386006 Pregnant or 60001007 Not pregnant; clinical-basis §2.1, valuesets/SOURCES.md):
# LOINC code -> (values meaning present, values meaning absent); any other value is unknown.
STATUS_OBSERVATIONS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "82810-3": (frozenset({"77386006"}), frozenset({"60001007"})),
}

# Body sites that place tenderness on the leg (clinical-basis §2.1, BE): lower limb, lower leg,
# knee, thigh. Tenderness elsewhere is not "along the deep veins".
LEG_SITE_CODES = frozenset({"61685007", "30021000", "72696002", "68367000"})

# Saddle-region body sites (clinical-basis §1.6: perianal, perineal, genital numbness is a cauda
# equina red flag). A numbness / paraesthesia / anaesthesia finding (the saddle_numbness list) on
# one of these sites is saddle numbness, not leg numbness. Sources (valuesets/SOURCES.md): DICOM
# CID 4 "Anatomic Region" (46862004 Buttock, 38864007 Perineum, 18911002 Penis, 20233005 Scrotum,
# 45292006 Vulva); BE (18911002 Penile, 20233005 Scrotal, 45292006 Vulval structure); 3P, two
# agreeing (397158004 Perianal region).
SADDLE_SITE_CODES = frozenset(
    {"46862004", "38864007", "397158004", "18911002", "20233005", "45292006"}
)
