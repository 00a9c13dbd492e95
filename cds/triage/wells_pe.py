"""Wells score for pulmonary embolism, as a range like the Wells DVT score (docs/clinical-basis.md
§1.5; S12a-e), and the NICE NG158 PE pathway it decides.

A Wells PE item nobody documented is not absent: the documented minimum counts the PRESENT items,
the possible maximum adds every UNKNOWN one. "PE is the most likely diagnosis" is a clinician's
judgement the record cannot hold, so it is always unknown and both branches of the pathway are
shown until the minimum alone decides. "Clinical signs of DVT" are read from the same leg findings
the DVT side reads: leg swelling (swelling, an entire swollen leg, pitting oedema or calves
differing by the Wells 3 cm) together with tenderness along the deep veins.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, NamedTuple

from cds.triage.features_view import (
    calf_difference_cm,
    days_between,
    feature_evidence,
    recent_present,
)
from cds.triage.thresholds import (
    BEDRIDDEN_DAYS,
    CALF_DIFFERENCE_CM,
    HEART_RATE_HIGH_PER_MIN,
    WELLS_PE_POINTS,
    WELLS_PE_SURGERY_WEEKS,
    WELLS_PE_UNLIKELY_MAX,
)
from fhir_mappings.features import Feature, FeatureName, FeatureSet, State

PeDecision = Literal["likely", "unlikely", "undetermined"]

SWELLING: Final = (
    FeatureName.LEG_SWELLING,
    FeatureName.ENTIRE_LEG_SWOLLEN,
    FeatureName.PITTING_OEDEMA,
)
READS: Final = frozenset(
    {
        *SWELLING,
        FeatureName.CALF_DIFFERENCE,
        FeatureName.DEEP_VEIN_TENDERNESS,
        FeatureName.HEART_RATE,
        FeatureName.BEDRIDDEN,
        FeatureName.RECENT_MAJOR_SURGERY,
        FeatureName.PREVIOUS_DVT,
        FeatureName.PREVIOUS_PE,
        FeatureName.HAEMOPTYSIS,
        FeatureName.ACTIVE_CANCER,
    }
)
LABELS: Final = {
    "dvt_signs": "Clinical signs of DVT (leg swelling and tenderness along the deep veins)",
    "pe_most_likely": "PE the most likely diagnosis (clinician judgement)",
    "heart_rate": f"Heart rate > {HEART_RATE_HIGH_PER_MIN:g}/min",
    "immobilisation_or_surgery": (
        f"Immobilisation {BEDRIDDEN_DAYS} days or more, or surgery in the last "
        f"{WELLS_PE_SURGERY_WEEKS} weeks"
    ),
    "previous_vte": "Previous DVT or PE",
    "haemoptysis": "Haemoptysis",
    "malignancy": "Cancer (treatment ongoing, within 6 months, or palliative)",
}


class PeItem(NamedTuple):
    key: str
    points: float
    state: State
    note: str

    @property
    def label(self) -> str:
        return LABELS[self.key]


@dataclass(frozen=True, slots=True)
class WellsPe:
    items: tuple[PeItem, ...]

    @property
    def minimum(self) -> float:
        return sum(item.points for item in self.items if item.state is State.PRESENT)

    @property
    def maximum(self) -> float:
        return self.minimum + sum(item.points for item in self.unknown)

    @property
    def unknown(self) -> tuple[PeItem, ...]:
        return tuple(item for item in self.items if item.state is State.UNKNOWN)

    @property
    def decision(self) -> PeDecision:
        if self.minimum > WELLS_PE_UNLIKELY_MAX:
            return "likely"
        if self.maximum <= WELLS_PE_UNLIKELY_MAX:
            return "unlikely"
        return "undetermined"

    @property
    def score_text(self) -> str:
        if self.minimum == self.maximum:
            return f"{self.minimum:g}"
        return f"{self.minimum:g}–{self.maximum:g}"


def _either(*states: State) -> State:
    """Present if any is present, absent if all are absent, else unknown."""
    if State.PRESENT in states:
        return State.PRESENT
    if all(state is State.ABSENT for state in states):
        return State.ABSENT
    return State.UNKNOWN


def _swelling(fs: FeatureSet) -> State:
    difference = fs.get(FeatureName.CALF_DIFFERENCE)
    cm = calf_difference_cm(difference.quantity)
    asymmetric = State.UNKNOWN
    if cm is not None:
        asymmetric = State.PRESENT if cm >= CALF_DIFFERENCE_CM else State.ABSENT
    elif difference.state is State.ABSENT:
        asymmetric = State.ABSENT
    return _either(*(fs.get(name).state for name in SWELLING), asymmetric)


def _dvt_signs(fs: FeatureSet) -> PeItem:
    swelling = _swelling(fs)
    tenderness = fs.get(FeatureName.DEEP_VEIN_TENDERNESS)
    if swelling is State.PRESENT and tenderness.present:
        state = State.PRESENT
    elif swelling is State.ABSENT or tenderness.state is State.ABSENT:
        state = State.ABSENT
    else:
        state = State.UNKNOWN
    note = f"swelling {swelling.value}; deep-vein tenderness: {feature_evidence(tenderness)}"
    return PeItem("dvt_signs", WELLS_PE_POINTS["dvt_signs"], state, note)


def _heart_rate(heart_rate: Feature | None) -> PeItem:
    points = WELLS_PE_POINTS["heart_rate"]
    if heart_rate is None or heart_rate.quantity is None:
        return PeItem("heart_rate", points, State.UNKNOWN, "no current heart rate")
    value = heart_rate.quantity.value
    state = State.PRESENT if value > HEART_RATE_HIGH_PER_MIN else State.ABSENT
    return PeItem("heart_rate", points, state, f"{value:g}/min: {feature_evidence(heart_rate)}")


def _immobilisation_or_surgery(fs: FeatureSet) -> PeItem:
    bed = fs.get(FeatureName.BEDRIDDEN)
    bed_state = bed.state
    if bed.present and bed.quantity is not None and bed.quantity.unit in ("d", "day", "days"):
        bed_state = State.PRESENT if bed.quantity.value >= BEDRIDDEN_DAYS else State.ABSENT
    surgery = fs.get(FeatureName.RECENT_MAJOR_SURGERY)
    surgery_state = surgery.state
    surgery_note = feature_evidence(surgery)
    times = [ev.time for ev in surgery.evidence if ev.time is not None]
    if surgery.present and times:
        weeks = days_between(max(times), fs.now) / 7.0
        surgery_state = State.PRESENT if weeks <= WELLS_PE_SURGERY_WEEKS else State.ABSENT
        if surgery_state is State.ABSENT:
            surgery_note = f"{weeks:.0f} weeks ago, outside the window: {surgery_note}"
    note = f"bedridden: {feature_evidence(bed)}; surgery: {surgery_note}"
    points = WELLS_PE_POINTS["immobilisation_or_surgery"]
    return PeItem("immobilisation_or_surgery", points, _either(bed_state, surgery_state), note)


def _record(key: str, fs: FeatureSet, *names: str) -> PeItem:
    features = [fs.get(name) for name in names]
    note = "; ".join(feature_evidence(f) for f in features)
    return PeItem(key, WELLS_PE_POINTS[key], _either(*(f.state for f in features)), note)


def score_wells_pe(fs: FeatureSet, heart_rate: Feature | None, days: int) -> WellsPe:
    """Wells PE from the record; ``heart_rate`` is the current measurement (or None)."""
    coughing_blood = fs.get(FeatureName.HAEMOPTYSIS)
    recent = recent_present(fs, [FeatureName.HAEMOPTYSIS], days)
    haemoptysis_state = State.PRESENT if recent else coughing_blood.state
    if haemoptysis_state is State.PRESENT and not recent:
        haemoptysis_state = State.ABSENT  # coughing blood long ago is not a sign now
    return WellsPe(
        (
            _dvt_signs(fs),
            PeItem(
                "pe_most_likely",
                WELLS_PE_POINTS["pe_most_likely"],
                State.UNKNOWN,
                "a clinician judgement the record does not hold",
            ),
            _heart_rate(heart_rate),
            _immobilisation_or_surgery(fs),
            _record("previous_vte", fs, FeatureName.PREVIOUS_DVT, FeatureName.PREVIOUS_PE),
            PeItem(
                "haemoptysis",
                WELLS_PE_POINTS["haemoptysis"],
                haemoptysis_state,
                feature_evidence(coughing_blood),
            ),
            _record("malignancy", fs, FeatureName.ACTIVE_CANCER),
        )
    )
