"""Small, pure readers over a FeatureSet shared by the rules.

They keep the three-valued logic honest in one place: a feature is "present" only when a resource
said so, and "recent" only when its evidence falls in the window (or carries no time at all,
which we do not hold against it: the mapping layer already applied its own recent window).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Final

from cds.triage.thresholds import (
    CALF_DIFFERENCE_CM,
    CALF_DIFFERENCE_DECIMALS,
    VITALS_RECENT_HOURS,
)
from fhir_mappings.features import (
    Certainty,
    Evidence,
    Feature,
    FeatureName,
    FeatureSet,
    Laterality,
    Quantity,
    State,
)

# Leg findings that make DVT a possibility and so trigger the Wells assessment
# (docs/clinical-basis.md §1.1: apply Wells only when history/examination make VTE a
# possibility, S8; §1.4: pain on dorsiflexion is non-specific calf pain that may trigger an
# assessment; §1.7: a calf strain is hard to tell from DVT on examination, S16a).
DVT_TRIGGERS: Final = (
    FeatureName.CALF_PAIN,
    FeatureName.PAIN_ON_DORSIFLEXION,
    FeatureName.LEG_SWELLING,
    FeatureName.ENTIRE_LEG_SWOLLEN,
    FeatureName.PITTING_OEDEMA,
    FeatureName.DEEP_VEIN_TENDERNESS,
    FeatureName.SUDDEN_SEVERE_SWELLING,
    FeatureName.THROBBING_PAIN_AT_REST,
    FeatureName.MUSCLE_STRAIN,
)
SWELLING_TRIGGERS: Final = frozenset(
    {
        FeatureName.LEG_SWELLING,
        FeatureName.ENTIRE_LEG_SWOLLEN,
        FeatureName.PITTING_OEDEMA,
    }
)
# Any current leg complaint: without one of these the leg rules stay silent.
LEG_TRIGGERS: Final = (
    *DVT_TRIGGERS,
    FeatureName.CRAMP,
    FeatureName.SCIATICA,
    FeatureName.RADICULAR_SYMPTOMS,
    FeatureName.ACHILLES_RUPTURE,
    FeatureName.PAIN_OUT_OF_PROPORTION,
)
_OTHER_LEG_TRIGGERS: Final = tuple(name for name in LEG_TRIGGERS if name not in DVT_TRIGGERS)
# What ``dvt_triggers`` and ``leg_complaints`` read (the calf difference tells a bilateral
# swelling with asymmetric calves from a symmetrical one).
DVT_TRIGGER_READS: Final = frozenset({*DVT_TRIGGERS, FeatureName.CALF_DIFFERENCE})
LEG_COMPLAINT_READS: Final = frozenset({*LEG_TRIGGERS, FeatureName.CALF_DIFFERENCE})

READABLE: Final[dict[str, str]] = {
    FeatureName.CALF_PAIN: "calf pain",
    FeatureName.PAIN_ON_DORSIFLEXION: "pain on dorsiflexion (Homans' sign)",
    FeatureName.LEG_SWELLING: "leg swelling",
    FeatureName.ENTIRE_LEG_SWOLLEN: "entire leg swollen",
    FeatureName.PITTING_OEDEMA: "pitting oedema",
    FeatureName.DEEP_VEIN_TENDERNESS: "tenderness along the deep veins",
    FeatureName.SUDDEN_SEVERE_SWELLING: "sudden severe unilateral swelling",
    FeatureName.THROBBING_PAIN_AT_REST: "throbbing pain unchanged by rest",
    FeatureName.MUSCLE_STRAIN: "calf muscle strain",
    FeatureName.CRAMP: "cramp",
    FeatureName.SCIATICA: "sciatica",
    FeatureName.RADICULAR_SYMPTOMS: "radicular symptoms (tingling, numbness, shooting pain)",
    FeatureName.ACHILLES_RUPTURE: "possible Achilles rupture",
    FeatureName.PAIN_OUT_OF_PROPORTION: "pain out of proportion / on passive stretch",
    FeatureName.DYSPNOEA: "breathlessness",
    FeatureName.HEART_RATE: "heart rate",
    FeatureName.SPO2: "oxygen saturation (SpO2)",
    FeatureName.CHEST_PAIN: "chest pain",
    FeatureName.HAEMOPTYSIS: "haemoptysis",
    FeatureName.SYNCOPE: "syncope",
    FeatureName.SADDLE_NUMBNESS: "saddle numbness",
    FeatureName.BLADDER_BOWEL_DISTURBANCE: "bladder or bowel disturbance",
    FeatureName.BILATERAL_LEG_NEURO: "bilateral leg neurological symptoms",
    FeatureName.CAUDA_EQUINA: "cauda equina syndrome recorded",
    FeatureName.RECENT_FRACTURE_OR_CRUSH: "recent fracture, crush injury or tight cast",
    FeatureName.COMPARTMENT_SYNDROME: "compartment syndrome recorded",
    FeatureName.CURRENT_DVT: "current DVT",
    FeatureName.CURRENT_PE: "current PE",
    FeatureName.SYMPTOM_DURATION_DAYS: "symptom duration",
    FeatureName.ANTICOAGULANT: "anticoagulant on record",
    FeatureName.PREGNANCY: "pregnancy or postpartum",
    FeatureName.ACTIVE_CANCER: "active cancer",
    FeatureName.PARALYSIS_OR_PLASTER: "paralysis, paresis or leg plaster",
    FeatureName.BEDRIDDEN: "bedridden",
    FeatureName.RECENT_MAJOR_SURGERY: "recent major surgery",
    FeatureName.PREVIOUS_DVT: "previous DVT",
    FeatureName.PREVIOUS_PE: "previous PE",
    FeatureName.HORMONAL_CONTRACEPTION: "hormonal contraception",
}


# Short words for summaries, which must stay under 140 characters with their action.
SHORT: Final[dict[str, str]] = {
    FeatureName.RECENT_FRACTURE_OR_CRUSH: "recent fracture/crush/cast",
    FeatureName.RADICULAR_SYMPTOMS: "paraesthesia",
    FeatureName.PAIN_OUT_OF_PROPORTION: "pain out of proportion",
    FeatureName.COMPARTMENT_SYNDROME: "compartment syndrome recorded",
    FeatureName.BLADDER_BOWEL_DISTURBANCE: "bladder/bowel disturbance",
    FeatureName.BILATERAL_LEG_NEURO: "bilateral leg symptoms",
    FeatureName.CAUDA_EQUINA: "CES recorded",
    FeatureName.SUDDEN_SEVERE_SWELLING: "sudden severe leg swelling",
    FeatureName.THROBBING_PAIN_AT_REST: "throbbing pain unchanged by rest",
}


def short(name: str) -> str:
    return SHORT.get(name) or readable(name)


def readable(name: str) -> str:
    return READABLE.get(name, name.replace("_", " "))


def is_recent(feature: Feature, now: datetime, days: float) -> bool:
    """Present, and at least one piece of evidence is within ``days`` (or carries no time)."""
    return feature.state is State.PRESENT and _within(feature, now, now - timedelta(days=days))


def measured_value(value: float) -> str:
    """A measured value with the precision a lab reports: a converted 0.493726 mmol/L reads
    0.49, 3.1 stays 3.1, 140 stays 140."""
    digits = 2 if abs(value) < 10 else (1 if abs(value) < 100 else 0)
    return f"{round(value, digits):g}"


def current_vital(fs: FeatureSet, name: str) -> Feature | None:
    """A vital sign measured within VITALS_RECENT_HOURS, or None: an older reading does not
    describe the patient now."""
    feature = fs.get(name)
    if feature.quantity is None or not is_recent(feature, fs.now, VITALS_RECENT_HOURS / 24):
        return None
    return feature


def _within(feature: Feature, now: datetime, horizon: datetime) -> bool:
    """Some evidence at or after ``horizon``, or no evidence carries a time at all."""
    timed = False
    for ev in feature.evidence:
        if ev.time is not None:
            if _aware(ev.time, now) >= horizon:
                return True
            timed = True
    return not timed


def _aware(moment: datetime, like: datetime) -> datetime:
    """Compare naive and aware datetimes safely (a naive time is read in ``like``'s zone)."""
    if (moment.tzinfo is None) == (like.tzinfo is None):
        return moment
    if moment.tzinfo is None:
        return moment.replace(tzinfo=like.tzinfo)
    return moment.replace(tzinfo=None)


def after(moment: datetime, reference: datetime) -> bool:
    return _aware(moment, reference) >= reference


def days_between(earlier: datetime, later: datetime) -> float:
    return (later - _aware(earlier, later)).total_seconds() / 86400.0


def recent_present(fs: FeatureSet, names: Iterable[str], days: float) -> list[Feature]:
    """The features among ``names`` that are ``is_recent``, in the order of ``names``."""
    found = (fs.get(name) for name in names)
    return [feature for feature in found if is_recent(feature, fs.now, days)]


def below(value: float, comparator: str | None, threshold: float) -> bool | None:
    """Whether a result lies below ``threshold``; None when the lab reports it as a limit that
    does not say ("<600" against 500, ">400" against 500, "ad")."""
    if comparator is None:
        return value < threshold
    if comparator in ("<", "<="):
        return True if value < threshold or (comparator == "<" and value == threshold) else None
    if comparator in (">", ">="):
        return False if value >= threshold else None
    return None


def calf_difference_cm(quantity: Quantity | None) -> float | None:
    """A calf circumference difference in cm (a difference sent in mm converted), rounded so a
    conversion cannot turn 3.0 cm into 2.9999999; None when it is not a length in cm or mm."""
    if quantity is None or quantity.unit not in ("cm", "mm"):
        return None
    value = quantity.value / 10.0 if quantity.unit == "mm" else quantity.value
    return round(value, CALF_DIFFERENCE_DECIMALS)


def dvt_triggers(fs: FeatureSet, days: int) -> list[Feature]:
    """Current leg findings that make DVT a possibility.

    Symmetrical swelling of both legs (heart failure, drug or venous oedema,
    docs/clinical-basis.md §1.7, S16b) is not by itself a DVT picture: a swelling-type finding
    recorded only as bilateral counts when the calves differ by the Wells asymmetry boundary
    (>= 3 cm, S2).
    """
    found = recent_present(fs, DVT_TRIGGERS, days)
    difference = calf_difference_cm(fs.get(FeatureName.CALF_DIFFERENCE).quantity)
    if difference is not None and difference >= CALF_DIFFERENCE_CM:
        return found
    return [f for f in found if not (f.name in SWELLING_TRIGGERS and only_bilateral(f))]


def leg_complaints(fs: FeatureSet, days: int, triggers: Sequence[Feature]) -> list[Feature]:
    """Any current leg complaint, ``triggers`` (``dvt_triggers(fs, days)``) first."""
    return [*triggers, *recent_present(fs, _OTHER_LEG_TRIGGERS, days)]


def only_bilateral(feature: Feature) -> bool:
    """Recorded on both legs (or as bilateral), so it does not single out one leg."""
    if feature.laterality is Laterality.BILATERAL:
        return True
    lats = {ev.laterality for ev in feature.evidence}
    return lats == {Laterality.BILATERAL}


def present(fs: FeatureSet, names: Iterable[str]) -> list[Feature]:
    found = (fs.features.get(name) for name in names)
    return [feature for feature in found if feature is not None and feature.present]


def sides(feature: Feature) -> frozenset[Laterality]:
    """Which legs a finding is on; unspecified counts for either leg."""
    found = {feature.laterality} | {ev.laterality for ev in feature.evidence}
    found.discard(None)
    legs: set[Laterality] = set()
    for lat in found:
        if lat in (Laterality.LEFT, Laterality.RIGHT):
            legs.add(lat)
        else:
            legs.update((Laterality.LEFT, Laterality.RIGHT))
    return frozenset(legs or (Laterality.LEFT, Laterality.RIGHT))


def explicitly_bilateral(feature: Feature) -> bool:
    lats = {feature.laterality} | {ev.laterality for ev in feature.evidence}
    return Laterality.BILATERAL in lats or {Laterality.LEFT, Laterality.RIGHT} <= lats


def evidence_text(evidence: Sequence[Evidence], limit: int = 3, *, named: bool = True) -> str:
    """'Observation/1 (3.2 cm, 2026-11-24)', 'Condition/2 (Malignant tumor of colon, 2026-01-05)':
    a record other than an Observation is cited with its code's display, which the clinician
    recognises from the chart (an Observation's value is the point, its criterion names it);
    ``named=False`` where the card has just named it. Never patient identifiers."""
    parts: list[str] = []
    for ev in evidence[:limit]:
        bits = [b for b in (ev.value, ev.time.date().isoformat() if ev.time else None) if b]
        display = ev.concept.display if named and ev.concept is not None else None
        if display and not ev.reference.startswith("Observation/") and display not in bits:
            bits.insert(0, display)
        if ev.certainty is not Certainty.CONFIRMED:
            bits.append(ev.certainty.value)
        if ev.note and ev.note not in bits:
            bits.append(ev.note)
        ref = ev.reference or "record"
        parts.append(f"{ref} ({', '.join(bits)})" if bits else ref)
    if len(evidence) > limit:
        parts.append(f"+{len(evidence) - limit} more")
    return "; ".join(parts)


def feature_evidence(feature: Feature) -> str:
    """Evidence for a card: resource references, or the reason for unknown / absent-by-record."""
    if feature.state is State.UNKNOWN:
        return feature.reason or "not documented"
    real = tuple(ev for ev in feature.evidence if ev.reference)
    if not real:
        notes = [ev.note for ev in feature.evidence if ev.note]
        default = "documented absent" if feature.state is State.ABSENT else "recorded"
        return feature.reason or (notes[0] if notes else default)
    # absent by record with older records: what was searched first, then what was found
    searched = [ev.note for ev in feature.evidence if not ev.reference and ev.note]
    if searched and feature.state is State.ABSENT:
        return f"{searched[0]}: {evidence_text(real)}"
    return evidence_text(real)


def references(features: Iterable[Feature]) -> list[str]:
    refs: list[str] = []
    for feature in features:
        for ev in feature.evidence:
            if ev.reference and ev.reference not in refs:
                refs.append(ev.reference)
    return refs
