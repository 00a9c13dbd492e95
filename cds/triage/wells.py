"""Wells DVT score, versioned (2003 NICE default, 1997 selectable), three-valued and per leg.

Why a range and not a number: a criterion nobody documented is not absent
(docs/clinical-basis.md §1.10).
The documented minimum counts only PRESENT criteria; the possible maximum adds every UNKNOWN one.
The decision is "likely" only when even the minimum is >= 2, "unlikely" only when even the
maximum is <= 1, and otherwise "undetermined" (treated as not excluded by the pathway).

The -2 for an alternative diagnosis is a clinician's judgement (S2, §1.7): it counts only when a
clinician asserted that diagnosis for the current episode. Otherwise both values are reported and
a flip from likely to unlikely is flagged. Pain on dorsiflexion (Homans' sign) is never scored
(§1.4). Both legs with symptoms: the more symptomatic leg is scored (§1.1, S1b).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from cds.triage.features_view import (
    DVT_TRIGGERS,
    calf_difference_cm,
    days_between,
    explicitly_bilateral,
    feature_evidence,
    present,
    sides,
)
from cds.triage.thresholds import (
    BEDRIDDEN_DAYS,
    CALF_DIFFERENCE_CM,
    SURGERY_WEEKS,
    WELLS_POINTS,
    WellsVersion,
)
from cds.triage.wells_result import (
    CriterionResult,
    WellsResult,
)
from fhir_mappings.features import (
    AlternativeDiagnosis,
    Feature,
    FeatureName,
    FeatureSet,
    Laterality,
    State,
)

LABELS: Final[dict[str, str]] = {
    "active_cancer": "Active cancer (treatment ongoing, within 6 months, or palliative)",
    "paralysis": "Paralysis, paresis or recent plaster immobilisation of the leg",
    "bedridden_or_surgery": "Bedridden {bed} or major surgery within {weeks} weeks",
    "deep_vein_tenderness": "Localised tenderness along the deep venous system",
    "entire_leg_swollen": "Entire leg swollen",
    "calf_swelling": "Calf swelling {op} 3 cm vs the other leg (10 cm below tibial tuberosity)",
    "pitting_oedema": "Pitting oedema {where}",
    "collateral_veins": "Collateral superficial veins (non-varicose)",
    "previous_dvt": "Previously documented DVT",
    "alternative_diagnosis": "Alternative diagnosis at least as likely as DVT",
}
RECORD_CRITERIA: Final[dict[str, FeatureName]] = {
    "active_cancer": FeatureName.ACTIVE_CANCER,
    "paralysis": FeatureName.PARALYSIS_OR_PLASTER,
    "previous_dvt": FeatureName.PREVIOUS_DVT,
}
LEG_CRITERIA: Final[dict[str, FeatureName]] = {
    "deep_vein_tenderness": FeatureName.DEEP_VEIN_TENDERNESS,
    "entire_leg_swollen": FeatureName.ENTIRE_LEG_SWOLLEN,
    "pitting_oedema": FeatureName.PITTING_OEDEMA,
    "collateral_veins": FeatureName.COLLATERAL_VEINS,
}
READS: Final = frozenset(
    {
        *RECORD_CRITERIA.values(),
        *LEG_CRITERIA.values(),
        FeatureName.BEDRIDDEN,
        FeatureName.RECENT_MAJOR_SURGERY,
        FeatureName.CALF_DIFFERENCE,
        FeatureName.PAIN_ON_DORSIFLEXION,
        *DVT_TRIGGERS,
        "alternatives",
    }
)


def _format_label(key: str, version: WellsVersion) -> str:
    text = LABELS[key]
    if key == "bedridden_or_surgery":
        bed = f"{BEDRIDDEN_DAYS} days or more" if version == "2003" else f"> {BEDRIDDEN_DAYS} days"
        text = text.format(bed=bed, weeks=SURGERY_WEEKS[version])
        if version == "2003":
            text += " (general or regional anaesthesia)"
    elif key == "calf_swelling":
        text = text.format(op="≥" if version == "2003" else ">")
    elif key == "pitting_oedema":
        where = "confined to the symptomatic leg" if version == "2003" else "greater in the leg"
        text = text.format(where=where)
    return text


# Labels depend only on (version, criterion): formatted once at import, not per request.
_LABEL_TEXT: Final[dict[WellsVersion, dict[str, str]]] = {
    version: {key: _format_label(key, version) for key in LABELS} for version in WELLS_POINTS
}


def _label(key: str, version: WellsVersion) -> str:
    return _LABEL_TEXT[version][key]


def _criterion(
    key: str, version: WellsVersion, feature: Feature, note: str = ""
) -> CriterionResult:
    state = feature.state
    return CriterionResult(
        key=key,
        label=_label(key, version),
        points=WELLS_POINTS[version][key],
        state=state,
        evidence=feature.evidence,
        note=note or feature_evidence(feature),
    )


def _bedridden_or_surgery(fs: FeatureSet, version: WellsVersion) -> CriterionResult:
    bed = fs.get(FeatureName.BEDRIDDEN)
    surgery = fs.get(FeatureName.RECENT_MAJOR_SURGERY)
    states: list[tuple[State, str]] = []
    bed_state = bed.state
    bed_note = feature_evidence(bed)
    if bed.present and bed.quantity is not None and bed.quantity.unit in ("d", "day", "days"):
        days = bed.quantity.value
        ok = days >= BEDRIDDEN_DAYS if version == "2003" else days > BEDRIDDEN_DAYS
        bed_state = State.PRESENT if ok else State.ABSENT
        bed_note = f"bedridden {days:g} days: {bed_note}"
    states.append((bed_state, f"bedridden: {bed_note}"))
    surgery_state = surgery.state
    surgery_note = feature_evidence(surgery)
    if surgery.present:
        times = [ev.time for ev in surgery.evidence if ev.time is not None]
        if times:
            weeks = days_between(max(times), fs.now) / 7.0
            if weeks > SURGERY_WEEKS[version]:
                surgery_state = State.ABSENT
                surgery_note = f"surgery {weeks:.0f} weeks ago, outside the window: {surgery_note}"
    states.append((surgery_state, f"surgery: {surgery_note}"))
    evidence = (*bed.evidence, *surgery.evidence)
    found = [s for s, _ in states]
    if State.PRESENT in found:
        state = State.PRESENT
    elif all(s is State.ABSENT for s in found):
        state = State.ABSENT
    else:
        state = State.UNKNOWN
    return CriterionResult(
        key="bedridden_or_surgery",
        label=_label("bedridden_or_surgery", version),
        points=WELLS_POINTS[version]["bedridden_or_surgery"],
        state=state,
        evidence=evidence,
        note="; ".join(n for _, n in states),
    )


def _calf_swelling(
    fs: FeatureSet, version: WellsVersion, leg: Laterality | None
) -> CriterionResult:
    feature = fs.get(FeatureName.CALF_DIFFERENCE)
    key = "calf_swelling"
    if feature.state is State.ABSENT:
        return _criterion(key, version, feature)
    quantity = feature.quantity
    value = calf_difference_cm(quantity)
    if value is None:
        why = "difference not measured" if quantity is None else f"unit {quantity.unit!r}"
        return _criterion(
            key,
            version,
            Feature(feature.name, State.UNKNOWN, feature.evidence, reason=feature.reason or why),
        )
    if version == "2003":
        meets = value >= CALF_DIFFERENCE_CM
    else:
        meets = value > CALF_DIFFERENCE_CM
    if leg is not None and feature.laterality in (Laterality.LEFT, Laterality.RIGHT):
        meets = meets and feature.laterality is leg
    state = State.PRESENT if meets else State.ABSENT
    note = f"difference {value:g} cm; {feature_evidence(feature)}"
    return CriterionResult(
        key, _label(key, version), WELLS_POINTS[version][key], state, feature.evidence, note
    )


def leg_feature(fs: FeatureSet, name: str, leg: Laterality) -> Feature | None:
    """The finding on one leg from the mapping's per-leg view (``fs.legs``), or None if absent.

    A finding recorded without a side counts for either leg when present (the safer reading).
    """
    per_leg = fs.legs.get(name)
    if not per_leg:
        return None
    on_leg = per_leg.get(leg)
    no_side = per_leg.get(Laterality.UNSPECIFIED)
    for candidate in (on_leg, no_side):
        if candidate is not None and candidate.present:
            return candidate
    if on_leg is not None:
        return on_leg
    if no_side is not None:
        return no_side
    return Feature(name, State.UNKNOWN, reason=f"not documented for the {leg.value} leg")


def _leg_criterion(
    fs: FeatureSet, version: WellsVersion, key: str, leg: Laterality | None
) -> CriterionResult:
    feature = fs.get(LEG_CRITERIA[key])
    if leg is None:
        return _criterion(key, version, feature)
    if key == "pitting_oedema" and feature.present and explicitly_bilateral(feature):
        # 2003: "confined to the symptomatic leg" (S2) -> bilateral oedema does not score;
        # 1997: "greater in the symptomatic leg" (S1c) -> cannot tell from laterality alone.
        state = State.ABSENT if version == "2003" else State.UNKNOWN
        note = f"bilateral pitting oedema: {feature_evidence(feature)}"
        return CriterionResult(
            key, _label(key, version), WELLS_POINTS[version][key], state, feature.evidence, note
        )
    per_leg = leg_feature(fs, LEG_CRITERIA[key], leg)
    if per_leg is not None:
        return _criterion(key, version, per_leg)
    if not feature.present or leg in sides(feature):
        return _criterion(key, version, feature)
    other = "right" if leg is Laterality.LEFT else "left"
    note = f"documented on the {other} leg only: {feature_evidence(feature)}"
    return CriterionResult(
        key, _label(key, version), WELLS_POINTS[version][key], State.UNKNOWN, feature.evidence, note
    )


def _on_leg(alternative: AlternativeDiagnosis, leg: Laterality | None) -> bool:
    """An alternative diagnosis on the other leg does not explain this leg (e.g. left cellulitis,
    right calf pain): it is never applied to this leg's score."""
    side = alternative.evidence.laterality
    if leg is None or side in (None, Laterality.UNSPECIFIED, Laterality.BILATERAL):
        return True
    return side is leg


def symptomatic_legs(fs: FeatureSet) -> list[Laterality | None]:
    """The legs to score: those with a present leg finding; [None] when laterality is unknown."""
    legs: set[Laterality] = set()
    lateral_known = False
    for feature in present(fs, DVT_TRIGGERS):
        lats = {feature.laterality} | {ev.laterality for ev in feature.evidence}
        if not lats.isdisjoint(_SIDED):
            lateral_known = True
        legs |= sides(feature)
    if not lateral_known:
        return [None]
    return [leg for leg in (Laterality.LEFT, Laterality.RIGHT) if leg in legs]


_SIDED: Final = frozenset({Laterality.LEFT, Laterality.RIGHT, Laterality.BILATERAL})


def score_leg(fs: FeatureSet, version: WellsVersion, leg: Laterality | None) -> WellsResult:
    criteria: list[CriterionResult] = []
    for key in WELLS_POINTS[version]:
        if key == "alternative_diagnosis":
            continue
        if key in RECORD_CRITERIA:
            criteria.append(_criterion(key, version, fs.get(RECORD_CRITERIA[key])))
        elif key in LEG_CRITERIA:
            criteria.append(_leg_criterion(fs, version, key, leg))
        elif key == "bedridden_or_surgery":
            criteria.append(_bedridden_or_surgery(fs, version))
        elif key == "calf_swelling":
            criteria.append(_calf_swelling(fs, version, leg))
    this_leg = tuple(a for a in fs.alternatives if _on_leg(a, leg))
    applied = tuple(a for a in this_leg if a.current_episode and a.clinician_asserted)
    candidates = tuple(a for a in this_leg if a not in applied)
    homans = fs.get(FeatureName.PAIN_ON_DORSIFLEXION)
    return WellsResult(
        version=version,
        leg=leg,
        criteria=tuple(criteria),
        alternative_applied=applied,
        alternative_candidates=candidates,
        alternative_other_leg=tuple(a for a in fs.alternatives if a not in this_leg),
        homans=homans if homans.state is not State.UNKNOWN else None,
    )


def score_wells(fs: FeatureSet, version: WellsVersion = "2003") -> WellsResult:
    """Scores every symptomatic leg and keeps the more symptomatic one (highest score)."""
    results = [score_leg(fs, version, leg) for leg in symptomatic_legs(fs)]
    best = max(results, key=lambda r: (r.minimum, r.maximum))
    return replace(best, both_legs=True) if len(results) > 1 else best
