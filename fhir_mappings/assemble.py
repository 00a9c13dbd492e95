"""Collector -> FeatureSet: every FeatureName gets a Feature with a state and a reason.

Derived features live here: bilateral leg swelling / neurology from per-leg findings, symptom
duration from the episode start, and the "no verified code" reason for features whose code lists
are empty (docs/clinical-basis.md marks their codes unverified; a site can add a local code).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from functools import lru_cache

from fhir_mappings.aggregate import (
    NO_CODE,
    calf_difference,
    decide,
    decide_leg_feature,
    feature_lists,
    measured,
    record_based,
)
from fhir_mappings.catalog import LEG_FEATURES, RECORD_BASED, VITAL_LISTS
from fhir_mappings.codelists import CodeIndex
from fhir_mappings.collect import Collector, Finding, Measurement
from fhir_mappings.features import (
    Evidence,
    Feature,
    FeatureName,
    FeatureSet,
    Laterality,
    Quantity,
    State,
)

F = FeatureName
_DERIVED = frozenset({F.CALF_DIFFERENCE, F.SYMPTOM_DURATION_DAYS, *VITAL_LISTS})
_OLDEST = datetime.min.replace(tzinfo=UTC)
_FED = feature_lists()  # built from constant catalogs: once, not per request (read only)
_DECIDED = tuple(name for name in F if name not in _DERIVED)  # iterating an Enum is slow
_RECORD_BASED_DECIDED = tuple(name for name in _DECIDED if name in RECORD_BASED)

# Reads computed here from other reads; the searches for a read also ask for what it is computed
# from (fhir_mappings.sources reads DERIVED_FROM). A finding present on both legs comes from the
# per-leg findings; a fever without a coded finding shows the measured temperature; the episode
# start is the earliest current leg complaint, and the symptom duration runs from it.
_BOTH_LEGS: Mapping[str, tuple[str, ...]] = {
    F.BILATERAL_LEG_SWELLING: (F.LEG_SWELLING,),
    F.BILATERAL_LEG_NEURO: (F.SCIATICA, F.RADICULAR_SYMPTOMS),
}
_FEVER_SHOWN_FROM = F.TEMPERATURE
_EPISODE_FROM = LEG_FEATURES
DERIVED_FROM: Mapping[str, frozenset[str]] = {
    **{name: frozenset(sources) for name, sources in _BOTH_LEGS.items()},
    F.FEVER: frozenset({_FEVER_SHOWN_FROM}),
    "episode_start": _EPISODE_FROM,
    F.SYMPTOM_DURATION_DAYS: frozenset({"episode_start"}),
}


@lru_cache(maxsize=8)
def _undocumented(index: CodeIndex) -> dict[str, Feature]:
    """What each decided feature is without findings, for one code index (built once per index).

    "not documented" when the index has a code that could have documented it; the "no verified
    code" reason when none of its lists has a code (a site can add one). Features are immutable,
    so these instances are shared by every request (record-based ones are still turned into
    "absent by record" per request, from the data sets retrieved).
    """
    undocumented: dict[str, Feature] = {}
    for name in _DECIDED:
        coded = name == F.BILATERAL_LEG_NEURO or any(  # derived only: never "no code"
            index.has_codes(lst) for lst in _FED.get(name, [])
        )
        reason = "not documented" if coded else NO_CODE
        undocumented[name] = Feature(name, State.UNKNOWN, reason=reason)
    return undocumented


def _age(birth: date | None, now: datetime) -> int | None:
    if birth is None:
        return None
    today = now.date()
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _both_legs(fs: FeatureSet, *names: str) -> Feature | None:
    sides: set[Laterality] = set()
    evidence: list[Evidence] = []
    for name in names:
        for side, feature in fs.legs.get(name, {}).items():
            if feature.present and side in (Laterality.LEFT, Laterality.RIGHT):
                sides.add(side)
                evidence.extend(feature.evidence)
    if sides == {Laterality.LEFT, Laterality.RIGHT}:
        return Feature(
            names[0],
            State.PRESENT,
            tuple(evidence),
            laterality=Laterality.BILATERAL,
            reason="present on both legs",
        )
    return None


def _episode_start(col: Collector) -> datetime | None:
    times = [
        f.evidence.time
        for f in col.findings
        if f.feature in _EPISODE_FROM
        and f.eligible
        and f.state is State.PRESENT
        and f.evidence.time
    ]
    return min(times) if times else None


def assemble(col: Collector, available: frozenset[str]) -> FeatureSet:
    fs = FeatureSet(
        now=col.now,
        patient_ref=col.patient_ref,
        birth_date=col.birth_date if isinstance(col.birth_date, date) else None,
        sex=col.sex,
        available=available,
    )
    fs.age_years = _age(fs.birth_date, col.now)
    by_feature: dict[str, list[Finding]] = {}
    for finding in col.findings:
        by_feature.setdefault(finding.feature, []).append(finding)
    # Every decided feature, in _DECIDED order: the shared undocumented ones copied at once (most
    # features have no findings in a request), then those with findings decided in their place.
    fs.features = dict(_undocumented(col.index))
    for name in _DECIDED:
        findings = by_feature.get(name)
        if findings is None:
            continue
        if name in LEG_FEATURES:
            feature, per_leg = decide_leg_feature(name, findings)
            if per_leg:
                fs.legs[name] = per_leg
        else:
            feature = decide(name, findings)
        fs.features[name] = feature
    for name in _RECORD_BASED_DECIDED:
        if fs.features[name].reason != NO_CODE:
            fs.features[name] = record_based(col, fs.features[name], available)
    by_vital: dict[str, list[Measurement]] = {vital: [] for vital in VITAL_LISTS}
    for m in col.measurements:  # one pass, each vital's measurements in their original order
        if m.feature in by_vital:
            by_vital[m.feature].append(m)
    for vital, unit in VITAL_LISTS.items():
        fs.features[vital] = measured(col, vital, by_vital[vital], unit)
    calf = calf_difference(col)
    fs.features[F.CALF_DIFFERENCE] = calf
    if calf.laterality in (Laterality.LEFT, Laterality.RIGHT):
        fs.legs[F.CALF_DIFFERENCE] = {calf.laterality: calf}
    for derived, sources in _BOTH_LEGS.items():
        if not fs.features[derived].present:
            both = _both_legs(fs, *sources)
            if both is not None:
                fs.features[derived] = Feature(
                    derived,
                    State.PRESENT,
                    both.evidence,
                    laterality=Laterality.BILATERAL,
                    reason=both.reason,
                )
    temperature = fs.features[_FEVER_SHOWN_FROM]
    if fs.features[F.FEVER].unknown and temperature.present and temperature.quantity:
        fs.features[F.FEVER] = Feature(
            F.FEVER,
            State.UNKNOWN,
            temperature.evidence,
            temperature.quantity,
            reason="no fever finding coded; body temperature measured (see temperature)",
        )
    fs.episode_start = _episode_start(col)
    if fs.episode_start is not None:
        days = (col.now - fs.episode_start).total_seconds() / 86400
        fs.features[F.SYMPTOM_DURATION_DAYS] = Feature(
            F.SYMPTOM_DURATION_DAYS,
            State.PRESENT,
            quantity=Quantity(round(days, 2), "d"),
            reason="from the earliest onset of the current leg complaint",
        )
    else:
        fs.features[F.SYMPTOM_DURATION_DAYS] = Feature(
            F.SYMPTOM_DURATION_DAYS,
            State.UNKNOWN,
            reason="onset of the leg complaint not documented",
        )
    fs.ddimers = sorted(col.ddimers, key=lambda d: d.time or _OLDEST, reverse=True)
    fs.labs = {
        k: sorted(v, key=lambda r: r.time or _OLDEST, reverse=True) for k, v in col.labs.items()
    }
    fs.alternatives = list(col.alternatives)
    fs.draft_orders = list(col.drafts)
    fs.anticoagulation_started = min(col.anticoagulant_starts, default=None)
    fs.skipped = list(col.skipped)
    return fs


def more_symptomatic_leg(fs: FeatureSet) -> Laterality | None:
    """The leg with more PRESENT Wells leg signs (clinical-basis §1.1); None on a tie or none."""
    wells = (
        F.CALF_PAIN,
        F.LEG_SWELLING,
        F.ENTIRE_LEG_SWOLLEN,
        F.PITTING_OEDEMA,
        F.DEEP_VEIN_TENDERNESS,
        F.COLLATERAL_VEINS,
        F.CALF_DIFFERENCE,
    )
    score = {Laterality.LEFT: 0, Laterality.RIGHT: 0}
    for name in wells:
        for side, feature in fs.legs.get(name, {}).items():
            if side in score and feature.present:
                score[side] += 1
    if score[Laterality.LEFT] == score[Laterality.RIGHT]:
        return None
    return max(score, key=lambda side: score[side])
