"""What a muscle complaint is judged by: the recent bloods and the drugs on record that explain
them (docs/clinical-basis.md §1.9).

A low potassium, magnesium or calcium, or a CK at or above 3 x the lab's upper limit, is flagged;
the lab's own reference range wins over our default limits when it is sent; without one, a CK is
shown but not judged (no default upper limit is published). A current loop or thiazide diuretic
lowers potassium and magnesium, a beta-2 agonist lowers potassium (S38), and a statin causes
cramp and myopathy (S18d, S36): such a drug on record is named as the record names it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from cds.triage.context import Context
from cds.triage.features_view import after, below, measured_value
from cds.triage.thresholds import (
    CALCIUM_LOW_MMOL_L,
    CK_ULN_MULTIPLE,
    MAGNESIUM_LOW_MMOL_L,
    MAGNESIUM_SEVERE_MMOL_L,
    POTASSIUM_LOW_MMOL_L,
    POTASSIUM_SEVERE_MMOL_L,
)
from fhir_mappings.features import Evidence, FeatureName, FeatureSet, LabResult

CK: Final = "creatine_kinase"
ELECTROLYTES: Final = ("potassium", "magnesium", "calcium")
MUSCLE_LABS: Final = (*ELECTROLYTES, CK)
LOW_LIMITS: Final[dict[str, tuple[float, float | None]]] = {
    "potassium": (POTASSIUM_LOW_MMOL_L, POTASSIUM_SEVERE_MMOL_L),  # S18e
    "magnesium": (MAGNESIUM_LOW_MMOL_L, MAGNESIUM_SEVERE_MMOL_L),  # S18f, S18g
    "calcium": (CALCIUM_LOW_MMOL_L, None),  # S18i / USC, see thresholds.py
}
LAB_NAMES: Final = {
    "potassium": "potassium",
    "magnesium": "magnesium",
    "calcium": "calcium",
    CK: "CK",
}

# Drug classes that cause cramp or myopathy (S18d), with the electrolytes each lowers (S38).
DRUG_CLASSES: Final[dict[str, str]] = {
    FeatureName.LOOP_DIURETIC: "loop diuretic",
    FeatureName.THIAZIDE_DIURETIC: "thiazide diuretic",
    FeatureName.BETA2_AGONIST: "beta-2 agonist",
    FeatureName.STATIN: "statin",
}
LOWERS: Final[dict[str, tuple[str, ...]]] = {
    FeatureName.LOOP_DIURETIC: ("potassium", "magnesium"),
    FeatureName.THIAZIDE_DIURETIC: ("potassium", "magnesium"),
    FeatureName.BETA2_AGONIST: ("potassium",),
}
DRUG_READS: Final = frozenset(DRUG_CLASSES)


@dataclass(frozen=True, slots=True)
class LabFinding:
    analyte: str
    result: LabResult
    abnormal: bool
    text: str  # "potassium 3.1 mmol/L (low, < 3.5)"
    uln_multiple: float | None = None  # CK only: value / the lab's upper limit, when sent

    @property
    def value_text(self) -> str:
        """The name and value without the judgement: "potassium 3.1 mmol/L"."""
        return self.text.split(" (")[0]


@dataclass(frozen=True, slots=True)
class DrugOnRecord:
    drug_class: str  # a DRUG_CLASSES key
    name: str  # as the record names it ("furosemide", "atorvastatin 40 MG Oral Tablet")
    evidence: Evidence

    @property
    def label(self) -> str:
        return f"{self.name} ({DRUG_CLASSES[self.drug_class]})"

    def lowers(self, analyte: str) -> bool:
        return analyte in LOWERS.get(self.drug_class, ())


def judge_lab(analyte: str, result: LabResult) -> LabFinding:
    """Flag a low electrolyte or a CK >= 3 x ULN; the lab's own range wins when it is sent."""
    name = LAB_NAMES[analyte]
    bound = result.comparator or ""
    value = f"{name} {bound}{measured_value(result.value)} {result.unit}"
    if analyte == CK:
        if result.high is None or result.high <= 0:
            return LabFinding(analyte, result, False, f"{value} (no reference range sent)")
        multiple = result.value / result.high
        under = below(result.value, result.comparator, CK_ULN_MULTIPLE * result.high)
        flag = {
            True: "not markedly raised",
            False: f"≥ {CK_ULN_MULTIPLE:g}× upper limit",
            None: f"a limit: ≥ {CK_ULN_MULTIPLE:g}× upper limit or not, not known",
        }[under]
        return LabFinding(analyte, result, under is False, f"{value} ({flag})", multiple)
    if result.unit != "mmol/L":
        return LabFinding(analyte, result, False, f"{value} (unit not judged)")
    low, severe = LOW_LIMITS[analyte]
    if result.low is not None:
        low = result.low
    if severe is not None and below(result.value, result.comparator, severe):
        return LabFinding(analyte, result, True, f"{value} (severely low, < {severe:g})")
    is_low = below(result.value, result.comparator, low)
    if is_low is None:  # a limit on both sides of the threshold: unknown is not normal
        return LabFinding(analyte, result, False, f"{value} (a limit: low or not, not known)")
    if is_low:
        return LabFinding(analyte, result, True, f"{value} (low, < {low:g})")
    return LabFinding(analyte, result, False, f"{value} (not low)")


def latest_labs(ctx: Context) -> tuple[dict[str, LabFinding], tuple[str, ...]]:
    """The latest recent final result per analyte, judged, and the analytes with none."""
    horizon = ctx.fs.now - timedelta(days=ctx.settings.lab_recent_days)
    found: dict[str, LabFinding] = {}
    missing: list[str] = []
    for analyte in MUSCLE_LABS:
        recent = [
            r
            for r in ctx.fs.labs.get(analyte, [])
            if r.time is not None and after(r.time, horizon) and not r.preliminary
        ]
        if recent:
            latest = max(recent, key=lambda r: r.time.timestamp() if r.time else 0.0)
            found[analyte] = judge_lab(analyte, latest)
        else:
            missing.append(analyte)
    return found, tuple(missing)


def drug_name(evidence: Evidence) -> str:
    concept = evidence.concept
    if concept is None:
        return "a drug on record"
    return concept.display or f"code {concept.code}"


def current_drugs(
    fs: FeatureSet, classes: tuple[str, ...] = tuple(DRUG_CLASSES)
) -> list[DrugOnRecord]:
    """The current drugs of these classes, once per record and class."""
    drugs: list[DrugOnRecord] = []
    for drug_class in classes:
        feature = fs.get(drug_class)
        if not feature.present:
            continue
        seen: set[str] = set()
        for ev in feature.evidence:
            if ev.reference and ev.reference not in seen:
                seen.add(ev.reference)
                drugs.append(DrugOnRecord(drug_class, drug_name(ev), ev))
    return drugs
