"""Symptom features: what the service believes about the patient, and why.

This module is the contract between the mapping layer (FHIR -> features) and the triage rules
(features -> findings -> cards). It is pure data: no FHIR parsing, no HTTP.

Three-valued logic, because unknown is not negative:
- ``PRESENT``: a resource says the finding is there (with evidence);
- ``ABSENT``: a resource says it is not there (a negative finding, a measured normal value), or,
  for record-based history criteria only, the relevant record was retrieved and holds no match
  (the evidence then says so: "no active cancer in 12 Conditions retrieved");
- ``UNKNOWN``: nothing documented either way (``reason`` says what was missing).

Every ``Feature`` carries ``Evidence`` naming the FHIR resource(s) (``Observation/123``), the
coded concept, the value and the time that made it so, so a card can explain itself.

The value types (``Coding``, ``Evidence``, ``Quantity``, ``Feature``, results, ``Skipped``) are
immutable NamedTuples; change one with ``._replace``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import NamedTuple


class State(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    UNKNOWN = "unknown"


class Laterality(StrEnum):
    LEFT = "left"
    RIGHT = "right"
    BILATERAL = "bilateral"
    UNSPECIFIED = "unspecified"


class Certainty(StrEnum):
    """How firmly a source asserts something (Condition.verificationStatus, Observation.status)."""

    CONFIRMED = "confirmed"
    PROVISIONAL = "provisional"  # Condition provisional, Observation preliminary
    DIFFERENTIAL = "differential"
    UNCONFIRMED = "unconfirmed"


class Coding(NamedTuple):
    system: str
    code: str
    display: str | None = None


class Evidence(NamedTuple):
    """One resource that contributed to a feature."""

    reference: str  # "Observation/123"; "" when the evidence is the absence of a record
    concept: Coding | None = None
    value: str | None = (
        None  # human readable value with unit, e.g. "3.2 cm", "true", "612 ng/mL FEU"
    )
    time: datetime | None = None  # effective / onset / recorded / performed time
    laterality: Laterality | None = None
    certainty: Certainty = Certainty.CONFIRMED
    asserter: str | None = None  # e.g. "Practitioner/7" (Condition.asserter / recorder)
    encounter: str | None = None  # "Encounter/42"
    note: str | None = None  # "preliminary", "from ICD-10-CM laterality digit", ...


class Quantity(NamedTuple):
    """A numeric value in the feature's canonical unit (e.g. cm, /min, %, Cel, mmol/L)."""

    value: float
    unit: str


class Feature(NamedTuple):
    name: str  # a FeatureName value
    state: State
    evidence: tuple[Evidence, ...] = ()
    quantity: Quantity | None = None  # numeric features only, canonical unit
    laterality: Laterality | None = None  # for leg findings: which leg(s)
    reason: str | None = None  # why UNKNOWN (or why ABSENT by record), for the card

    @property
    def present(self) -> bool:
        return self.state is State.PRESENT

    @property
    def unknown(self) -> bool:
        return self.state is State.UNKNOWN


class DDimerUnit(StrEnum):
    FEU = "FEU"  # fibrinogen-equivalent units (LOINC 48065-7)
    DDU = "DDU"  # D-dimer units (LOINC 48066-5); FEU ~= 2 x DDU, never mixed silently


class DDimerResult(NamedTuple):
    """A D-dimer result normalised to ng/mL in its own unit kind (FEU or DDU)."""

    value_ng_ml: float
    kind: DDimerUnit
    original: str  # "0.62 mg/L FEU" as sent
    time: datetime | None
    evidence: Evidence
    assay_cutoff_ng_ml: float | None = None  # from referenceRange.high when given, same kind
    interpretation: str | None = None  # HL7 v3 interpretation code if sent (H, N, POS, NEG, ...)
    preliminary: bool = False
    # "<", "<=", ">=", ">" when the lab reports a bound (below or above its measuring range): the
    # value is then a limit, not the result.
    comparator: str | None = None


class LabResult(NamedTuple):
    """Potassium, magnesium, calcium, creatine kinase: canonical unit (mmol/L; CK in U/L)."""

    analyte: str  # "potassium" | "magnesium" | "calcium" | "creatine_kinase"
    value: float
    unit: str
    original: str
    time: datetime | None
    evidence: Evidence
    low: float | None = None  # referenceRange in canonical unit, when given
    high: float | None = None
    interpretation: str | None = None
    preliminary: bool = False
    comparator: str | None = None  # as for a D-dimer: the value is then a limit


class AlternativeDiagnosis(NamedTuple):
    """A diagnosis that competes with DVT (Baker's cyst, cellulitis, ...), never applied blindly."""

    kind: str  # "bakers_cyst" | "cellulitis" | "superficial_thrombophlebitis" | "calf_tear" | ...
    evidence: Evidence
    current_episode: bool  # asserted in the current encounter / episode window
    clinician_asserted: bool  # confirmed or provisional by a clinician (not differential)


@dataclass(frozen=True, slots=True)
class DraftOrder:
    """A draft order from order-select / order-sign context, classified for order-entry prompts."""

    reference: str  # "ServiceRequest/abc"
    resource_type: str
    # "physiotherapy" | "massage" | "compression" | "nsaid" | "ddimer" | "ultrasound" | "other"
    kind: str
    concept: Coding | None
    selected: bool  # in context.selections (order-select) / always True for order-sign
    resource: dict[str, object] = field(default_factory=dict, compare=False, hash=False)


class Skipped(NamedTuple):
    """A resource the mapping layer could not use, reported (never fatal)."""

    reference: str
    reason: str


@dataclass(slots=True)
class FeatureSet:
    """Everything the triage reads about one patient at one moment."""

    now: datetime
    patient_ref: str  # "Patient/123" (never logged)
    birth_date: date | None = None
    age_years: int | None = None
    sex: str | None = None  # administrative gender
    features: dict[str, Feature] = field(default_factory=dict)
    ddimers: list[DDimerResult] = field(default_factory=list)  # newest first
    labs: dict[str, list[LabResult]] = field(default_factory=dict)  # analyte -> newest first
    alternatives: list[AlternativeDiagnosis] = field(default_factory=list)
    draft_orders: list[DraftOrder] = field(default_factory=list)
    anticoagulation_started: datetime | None = None  # earliest current anticoagulant start
    episode_start: datetime | None = None  # onset of the current leg complaint
    skipped: list[Skipped] = field(default_factory=list)
    # Which data sets were actually available (e.g. "Condition", "Observation", "Procedure",
    # "MedicationRequest"); a record-based criterion can only be ABSENT if its data set is here.
    available: frozenset[str] = frozenset()
    # Leg findings per leg: FeatureName value -> Laterality -> Feature. ``features`` holds the
    # summary across legs (its ``laterality`` says which leg or legs); the two legs are never
    # merged, so the triage can score the more symptomatic leg (clinical-basis §1.1).
    legs: dict[str, dict[Laterality, Feature]] = field(default_factory=dict)

    def get(self, name: str) -> Feature:
        """The feature, or UNKNOWN with a reason when the mapping produced nothing for it."""
        found = self.features.get(name)
        if found is not None:
            return found
        return Feature(name=name, state=State.UNKNOWN, reason="not documented")


class FeatureName(StrEnum):
    """Every feature the mapping layer can produce. Triage rules declare which they read."""

    # Leg findings (laterality matters)
    CALF_PAIN = "calf_pain"  # incl. pain on dorsiflexion (Homans), non-specific, 0 points
    PAIN_ON_DORSIFLEXION = "pain_on_dorsiflexion"
    LEG_SWELLING = "leg_swelling"  # unilateral / any leg swelling
    BILATERAL_LEG_SWELLING = "bilateral_leg_swelling"
    ENTIRE_LEG_SWOLLEN = "entire_leg_swollen"
    CALF_DIFFERENCE = "calf_circumference_difference"  # quantity cm
    PITTING_OEDEMA = "pitting_oedema"
    DEEP_VEIN_TENDERNESS = "deep_vein_tenderness"
    COLLATERAL_VEINS = "collateral_superficial_veins"
    WARMTH = "warmth"
    REDNESS = "redness"
    SUDDEN_SEVERE_SWELLING = "sudden_severe_unilateral_swelling"
    THROBBING_PAIN_AT_REST = "throbbing_pain_unchanged_by_rest"
    # PE features and vital signs
    FEVER = "fever"  # quantity Cel when measured
    DYSPNOEA = "dyspnoea"
    CHEST_PAIN = "chest_pain"
    HAEMOPTYSIS = "haemoptysis"
    SYNCOPE = "syncope"
    HEART_RATE = "heart_rate"  # quantity /min; PRESENT = measured
    SPO2 = "spo2"  # quantity %; PRESENT = measured
    RESPIRATORY_RATE = "respiratory_rate"  # quantity /min
    TEMPERATURE = "temperature"  # quantity Cel
    # Wells risk factors (record based)
    ACTIVE_CANCER = "active_cancer"
    PARALYSIS_OR_PLASTER = "paralysis_paresis_or_plaster"
    BEDRIDDEN = "bedridden"
    RECENT_MAJOR_SURGERY = "recent_major_surgery"
    PREVIOUS_DVT = "previous_dvt"
    PREVIOUS_PE = "previous_pe"
    CURRENT_DVT = "current_dvt"  # active confirmed / suspected DVT now
    CURRENT_PE = "current_pe"  # active PE now: a known diagnosis, not "previous"
    PREGNANCY = "pregnancy"  # incl. postpartum
    HORMONAL_CONTRACEPTION = "hormonal_contraception"
    ANTICOAGULANT = "current_anticoagulant"
    # Current drugs that cause cramp or myopathy (clinical-basis §1.9)
    LOOP_DIURETIC = "loop_diuretic"
    THIAZIDE_DIURETIC = "thiazide_diuretic"  # thiazide and thiazide-like
    STATIN = "statin"
    BETA2_AGONIST = "beta2_agonist"
    # Musculoskeletal / neurological
    MUSCLE_STRAIN = "muscle_strain"  # strain, recent injury, sudden onset during exertion
    CRAMP = "cramp"
    SCIATICA = "sciatica"  # sciatica / radicular pain
    RADICULAR_SYMPTOMS = "radicular_symptoms"  # shooting/burning, tingling, numbness, weakness
    SADDLE_NUMBNESS = "saddle_numbness"
    BLADDER_BOWEL_DISTURBANCE = "bladder_bowel_disturbance"
    BILATERAL_LEG_NEURO = "bilateral_leg_neurological_symptoms"
    CAUDA_EQUINA = "cauda_equina_syndrome"
    RECENT_FRACTURE_OR_CRUSH = "recent_fracture_crush_or_cast"
    PAIN_OUT_OF_PROPORTION = "pain_out_of_proportion"  # or pain on passive stretch
    COMPARTMENT_SYNDROME = "compartment_syndrome"
    ACHILLES_RUPTURE = "achilles_rupture"
    # Course
    SYMPTOM_DURATION_DAYS = "symptom_duration_days"  # quantity d
    WALKING_DIFFICULTY = "walking_difficulty"
    RECURRENT_PAIN = "recurrent_pain"
