"""Musculoskeletal and neurological rules: strain, cramp, sciatica, physiotherapy (CLINICAL.md
§1.8, §1.9). Pure: features in, findings out. Cards are composed in ``msk_cards``.

These run only after DVT was made unlikely by the NG158 pathway (or was never a possibility) and
no red flag fired: RICE includes compression, and physiotherapy or massage over an undiagnosed
DVT is exactly the harm the service exists to prevent. The exception is a possible Achilles
rupture ("pop" or "snap"), which always goes to A&E (S17a).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from cds.triage.features_view import after, days_between, recent_present
from cds.triage.thresholds import (
    CALCIUM_LOW_MMOL_L,
    CK_ULN_MULTIPLE,
    MAGNESIUM_LOW_MMOL_L,
    MAGNESIUM_SEVERE_MMOL_L,
    PHYSIO_PERSISTENT_DAYS,
    POTASSIUM_LOW_MMOL_L,
    POTASSIUM_SEVERE_MMOL_L,
)
from fhir_mappings.features import Feature, FeatureName, FeatureSet, LabResult

ELECTROLYTES: Final = ("potassium", "magnesium", "calcium")
CRAMP_LABS: Final = (*ELECTROLYTES, "creatine_kinase")
LOW_LIMITS: Final[dict[str, tuple[float, float | None]]] = {
    "potassium": (POTASSIUM_LOW_MMOL_L, POTASSIUM_SEVERE_MMOL_L),  # S18e
    "magnesium": (MAGNESIUM_LOW_MMOL_L, MAGNESIUM_SEVERE_MMOL_L),  # S18f, S18g
    "calcium": (CALCIUM_LOW_MMOL_L, None),  # S18i / USC, see thresholds.py
}
LAB_NAMES: Final = {
    "potassium": "potassium",
    "magnesium": "magnesium",
    "calcium": "calcium",
    "creatine_kinase": "CK",
}


@dataclass(frozen=True, slots=True)
class LabFinding:
    analyte: str
    result: LabResult
    abnormal: bool
    text: str  # "potassium 3.1 mmol/L (low, < 3.5)"


@dataclass(frozen=True, slots=True)
class CrampFinding:
    cramp: Feature
    labs: tuple[LabFinding, ...]  # latest recent result per analyte
    missing: tuple[str, ...]  # analytes with no recent result

    @property
    def abnormal(self) -> tuple[LabFinding, ...]:
        return tuple(lab for lab in self.labs if lab.abnormal)


def judge_lab(analyte: str, result: LabResult) -> LabFinding:
    """Flag a low electrolyte or a CK >= 3 x ULN; the lab's own range wins when it is sent."""
    name = LAB_NAMES[analyte]
    value = f"{name} {result.value:g} {result.unit}"
    if analyte == "creatine_kinase":
        if result.high is None:
            return LabFinding(analyte, result, False, f"{value} (no reference range sent)")
        limit = CK_ULN_MULTIPLE * result.high
        high = result.value >= limit
        flag = f"≥ {CK_ULN_MULTIPLE:g}× upper limit" if high else "not markedly raised"
        return LabFinding(analyte, result, high, f"{value} ({flag})")
    if result.unit != "mmol/L":
        return LabFinding(analyte, result, False, f"{value} (unit not judged)")
    low, severe = LOW_LIMITS[analyte]
    if result.low is not None:
        low = result.low
    if severe is not None and result.value < severe:
        return LabFinding(analyte, result, True, f"{value} (severely low, < {severe:g})")
    if result.value < low:
        return LabFinding(analyte, result, True, f"{value} (low, < {low:g})")
    return LabFinding(analyte, result, False, f"{value} (not low)")


@dataclass(frozen=True)
class CrampRule:
    days: int
    lab_recent_days: int
    requires: frozenset[str] = frozenset({FeatureName.CRAMP})

    def evaluate(self, fs: FeatureSet) -> CrampFinding | None:
        found = recent_present(fs, [FeatureName.CRAMP], self.days)
        if not found:
            return None
        horizon = fs.now - timedelta(days=self.lab_recent_days)
        labs: list[LabFinding] = []
        missing: list[str] = []
        for analyte in CRAMP_LABS:
            recent = [
                r
                for r in fs.labs.get(analyte, [])
                if r.time is not None and after(r.time, horizon) and not r.preliminary
            ]
            if recent:
                latest = max(recent, key=lambda r: r.time.timestamp() if r.time else 0.0)
                labs.append(judge_lab(analyte, latest))
            else:
                missing.append(analyte)
        return CrampFinding(found[0], tuple(labs), tuple(missing))


@dataclass(frozen=True, slots=True)
class MskFinding:
    strain: Feature | None
    sciatica: tuple[Feature, ...]
    achilles: Feature | None
    physio_reasons: tuple[str, ...]  # why a physiotherapy referral fits ("pain for 6 days")
    physio_evidence: tuple[Feature, ...]


def duration_days(fs: FeatureSet) -> float | None:
    duration = fs.get(FeatureName.SYMPTOM_DURATION_DAYS)
    if duration.present and duration.quantity is not None and duration.quantity.unit == "d":
        return duration.quantity.value
    if fs.episode_start is not None:
        return days_between(fs.episode_start, fs.now)
    return None


@dataclass(frozen=True)
class MskRule:
    """Strain, sciatica, Achilles rupture, and whether a physiotherapy referral fits (§1.8)."""

    days: int
    requires: frozenset[str] = frozenset(
        {
            FeatureName.MUSCLE_STRAIN,
            FeatureName.SCIATICA,
            FeatureName.RADICULAR_SYMPTOMS,
            FeatureName.ACHILLES_RUPTURE,
            FeatureName.SYMPTOM_DURATION_DAYS,
            FeatureName.RECURRENT_PAIN,
            FeatureName.WALKING_DIFFICULTY,
        }
    )

    def evaluate(self, fs: FeatureSet) -> MskFinding:
        strain = recent_present(fs, [FeatureName.MUSCLE_STRAIN], self.days)
        sciatica = recent_present(
            fs, [FeatureName.SCIATICA, FeatureName.RADICULAR_SYMPTOMS], self.days
        )
        achilles = recent_present(fs, [FeatureName.ACHILLES_RUPTURE], self.days)
        reasons: list[str] = []
        evidence: list[Feature] = []
        if (strain or sciatica) and not achilles:
            days = duration_days(fs)
            if days is not None and days > PHYSIO_PERSISTENT_DAYS:
                reasons.append(f"persisting {days:.0f} days")  # beyond the RICE period
                duration = fs.get(FeatureName.SYMPTOM_DURATION_DAYS)
                if duration.present:
                    evidence.append(duration)
            for name, why in (
                (FeatureName.RECURRENT_PAIN, "recurring"),
                (FeatureName.WALKING_DIFFICULTY, "preventing walking"),
            ):
                feature = fs.get(name)
                if feature.present:
                    reasons.append(why)
                    evidence.append(feature)
        return MskFinding(
            strain=strain[0] if strain else None,
            sciatica=tuple(sciatica),
            achilles=achilles[0] if achilles else None,
            physio_reasons=tuple(reasons),
            physio_evidence=(*strain, *sciatica, *evidence),
        )
