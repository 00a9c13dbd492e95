"""Findings -> Features: newest statement wins, legs apart, record-based absences explained.

Rules (docs/fhir-conventions.md):
- a PRESENT finding stands unless a documented negative is newer; ties go to PRESENT (safer);
- findings outside their window or not current never decide a state, but they explain an
  UNKNOWN ("only older records") and travel as evidence;
- leg findings are decided per leg (bilateral evidence counts for both legs); the summary
  feature says which leg(s) through its laterality;
- record-based Wells criteria are ABSENT only when their data set was retrieved with no match.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from fhir_mappings.catalog import (
    FINDING_LISTS,
    RECORD_BASED,
    RECORD_LABEL,
    RECORD_LISTS,
    SUPPLEMENT_PREFIX,
)
from fhir_mappings.collect import Collector, Finding, Measurement, Unread
from fhir_mappings.features import Evidence, Feature, FeatureName, Laterality, Quantity, State
from fhir_mappings.semantics import merge_laterality

F = FeatureName
_OLDEST = datetime.min.replace(tzinfo=UTC)
NO_CODE = "no verified code; site may add a local code"
_LEGS = (Laterality.LEFT, Laterality.RIGHT, Laterality.UNSPECIFIED)


def _key(when: datetime | None) -> datetime:
    return when or _OLDEST


def _dedupe(evidence: Iterable[Evidence]) -> tuple[Evidence, ...]:
    seen: dict[tuple[str, str | None], Evidence] = {}
    for ev in evidence:
        seen.setdefault((ev.reference, ev.note), ev)
    return tuple(sorted(seen.values(), key=lambda e: _key(e.time), reverse=True))


def decide(name: str, findings: Sequence[Finding], laterality: Laterality | None = None) -> Feature:
    eligible = [f for f in findings if f.eligible]
    if not eligible:
        reasons = sorted({f.reason for f in findings if f.reason})
        return Feature(
            name,
            State.UNKNOWN,
            _dedupe(f.evidence for f in findings),
            laterality=laterality,
            reason=("only " + "; ".join(reasons)) if reasons else "not documented",
        )
    absents = [f for f in eligible if f.state is State.ABSENT]
    newest_absent = max((_key(f.recency) for f in absents), default=None)
    presents = [
        f
        for f in eligible
        if f.state is State.PRESENT
        and (newest_absent is None or f.recency is None or f.recency >= newest_absent)
    ]
    if presents:
        quantity = next((f.quantity for f in presents if f.quantity), None)
        return Feature(
            name, State.PRESENT, _dedupe(f.evidence for f in presents), quantity, laterality
        )
    if absents:
        return Feature(
            name,
            State.ABSENT,
            _dedupe(f.evidence for f in absents),
            laterality=laterality,
            reason="documented negative",
        )
    unknowns = [f for f in eligible if f.state is State.UNKNOWN]
    reasons = sorted({f.reason for f in unknowns if f.reason})
    return Feature(
        name,
        State.UNKNOWN,
        _dedupe(f.evidence for f in unknowns),
        laterality=laterality,
        reason="; ".join(reasons) or "not documented",
    )


def decide_leg_feature(
    name: str, findings: Sequence[Finding]
) -> tuple[Feature, dict[Laterality, Feature]]:
    groups: dict[Laterality, list[Finding]] = {}
    for finding in findings:
        side = finding.laterality
        targets = (Laterality.LEFT, Laterality.RIGHT) if side is Laterality.BILATERAL else (side,)
        for target in targets:
            groups.setdefault(target, []).append(finding)
    per_leg = {side: decide(name, groups[side], side) for side in _LEGS if side in groups}
    return summarise(name, per_leg), per_leg


def summarise(name: str, per_leg: dict[Laterality, Feature]) -> Feature:
    for state in (State.PRESENT, State.ABSENT):
        chosen = {side: f for side, f in per_leg.items() if f.state is state}
        if chosen:
            sides = set(chosen) - {Laterality.UNSPECIFIED} or {Laterality.UNSPECIFIED}
            quantity = next((f.quantity for f in chosen.values() if f.quantity), None)
            reason = next((f.reason for f in chosen.values() if f.reason), None)
            return Feature(
                name,
                state,
                _dedupe(e for f in chosen.values() for e in f.evidence),
                quantity,
                merge_laterality(sides),
                reason,
            )
    if not per_leg:
        return Feature(name, State.UNKNOWN, reason="not documented")
    reasons = sorted({f.reason for f in per_leg.values() if f.reason})
    return Feature(
        name,
        State.UNKNOWN,
        _dedupe(e for f in per_leg.values() for e in f.evidence),
        reason="; ".join(reasons) or "not documented",
    )


def measured(
    col: Collector,
    name: str,
    items: Sequence[Measurement],
    unit: str,
    laterality: Laterality | None = None,
) -> Feature:
    """Newest usable measurement in the recent window: PRESENT with its quantity."""
    ordered = sorted(items, key=lambda m: _key(m.time), reverse=True)
    usable = [m for m in ordered if m.value is not None and col.recent(m.time)]
    if usable:
        best = usable[0]
        return Feature(
            name,
            State.PRESENT,
            (best.evidence,),
            Quantity(best.value or 0.0, unit),
            laterality or best.laterality,
        )
    if not ordered:
        return Feature(name, State.UNKNOWN, reason="not measured")
    newest = ordered[0]
    return Feature(name, State.UNKNOWN, (newest.evidence,), reason=_unusable(col, newest))


def _unusable(col: Collector, m: Measurement) -> str:
    """Why the newest measurement does not count: its own reason (unit missing...) or its age."""
    return m.reason or (
        f"last measured {m.time:%Y-%m-%d}, older than {col.options.recent_symptom_days} days"
        if m.time
        else "undated measurement"
    )


def calf_difference(col: Collector) -> Feature:
    name = F.CALF_DIFFERENCE
    diffs = [m for m in col.measurements if m.feature == "calf_circumference_difference"]
    direct = measured(col, name, diffs, "cm")
    if direct.present:
        return direct
    newest: dict[Laterality, Measurement] = {}
    for m in sorted(col.calf_legs, key=lambda m: _key(m.time)):
        side = m.laterality
        if side is not None and m.value is not None and col.recent(m.time):
            newest[side] = m
    left, right = newest.get(Laterality.LEFT), newest.get(Laterality.RIGHT)
    if left is None or right is None or left.value is None or right.value is None:
        return (
            direct
            if diffs
            else Feature(
                name,
                State.UNKNOWN,
                tuple(m.evidence for m in col.calf_legs),
                reason=_legs_missing(col, newest),
            )
        )
    larger = Laterality.LEFT if left.value > right.value else Laterality.RIGHT
    if left.value == right.value:
        larger = Laterality.BILATERAL
    value = round(abs(left.value - right.value), 3)
    return Feature(
        name,
        State.PRESENT,
        (left.evidence, right.evidence),
        Quantity(value, "cm"),
        larger,
        reason="difference of the two legs' newest circumferences",
    )


def _legs_missing(col: Collector, usable: dict[Laterality, Measurement]) -> str:
    """Why the two legs give no difference: what each leg without a usable circumference lacks."""
    if not col.calf_legs:
        return "no difference and no recent left and right calf circumference"
    missing: list[str] = []
    for side in (Laterality.LEFT, Laterality.RIGHT):
        if side in usable:
            continue
        taken = [m for m in col.calf_legs if m.laterality is side]
        if not taken:
            missing.append(f"{side.value} calf circumference: not measured")
        else:
            last = max(taken, key=lambda m: _key(m.time))
            missing.append(f"{side.value} calf circumference: {_unusable(col, last)}")
    return "no difference; " + "; ".join(missing)


def _could_be(col: Collector, name: str, record: Unread) -> bool:
    """Whether an unread record could be what ``name`` looks for: any Condition for a previous
    clot; a current one for the other criteria; a procedure or medication within the criterion's
    window (undated ones included)."""
    if name in (F.PREVIOUS_DVT, F.PREVIOUS_PE):
        return True
    if record.resource_type == "Condition" and not record.current:
        return False
    if name == F.ACTIVE_CANCER:
        if record.resource_type == "Condition":
            return True
        since = col.since(months=col.options.cancer_treatment_months)
    elif name == F.PARALYSIS_OR_PLASTER and record.resource_type == "Condition":
        return True
    else:
        since = col.since(weeks=col.options.surgery_window_weeks)
    return record.time is None or record.time >= since


def record_based(col: Collector, feature: Feature, available: frozenset[str]) -> Feature:
    """ABSENT "by record" when the data set was retrieved and nothing current matched; the
    reason says what was searched (data sets with their counts, and the value sets)."""
    reason = feature.reason or ""
    undecided = feature.state is State.UNKNOWN and (
        reason.startswith("only") or reason == "not documented"
    )
    if not undecided:
        return feature  # decided, or eligible but undecidable (surgery without anaesthesia)
    name = feature.name
    datasets = RECORD_BASED[name]
    label = RECORD_LABEL[name]
    if datasets[0] not in available:
        why = f"{datasets[0]} data not available (not retrieved or not readable); {label} unknown"
        return Feature(name, State.UNKNOWN, feature.evidence, reason=why)
    counts = [_count(col.counts.get(datasets[0], 0), datasets[0])]
    counts += [_count(col.counts[d], d) for d in datasets[1:] if d in available and col.counts[d]]
    text = f"no {label} found among {' and '.join(counts)} (value sets: {_titles(col, name)})"
    unread = [r for r in col.unread if r.resource_type in datasets and _could_be(col, name, r)]
    if unread:
        # Not found is not absent: a record coded in no system we read could be just that.
        shown = "; ".join(f"{r.reference} ({r.text})" for r in unread[:3])
        more = f" and {len(unread) - 3} more" if len(unread) > 3 else ""
        why = (
            f"{text}, but {_count(len(unread), 'record')} could not be read (coded in no system "
            f"the lists hold, e.g. CPT only, or text only): {shown}{more}; {label} unknown"
        )
        evidence = tuple(Evidence(reference=r.reference, note=r.text) for r in unread)
        return Feature(name, State.UNKNOWN, (*evidence, *feature.evidence), reason=why)
    if reason.startswith("only"):
        text += f" ({reason})"
    if col.terminology_note:
        text += f"; {col.terminology_note}"
    evidence = (Evidence(reference="", note=text), *feature.evidence)
    return Feature(name, State.ABSENT, evidence, reason=text)


def _titles(col: Collector, name: str) -> str:
    """The value sets searched: each list's public sets, or its supplement when it has none."""
    titles: list[str] = []
    for list_name in RECORD_LISTS[name]:
        ids = col.index.value_sets.get(list_name, ())
        public = [vid for vid in ids if not vid.startswith(SUPPLEMENT_PREFIX)]
        titles += col.index.titles_of(list_name, public or ids)
    shown = list(dict.fromkeys(titles))
    return ", ".join(shown[:4]) + (f" and {len(shown) - 4} more" if len(shown) > 4 else "")


def _count(number: int, dataset: str) -> str:
    return f"{number} {dataset}" + ("" if number == 1 else "s")


def feature_lists() -> dict[str, list[str]]:
    """Feature -> the code lists that feed it (for "no verified code" reasons)."""
    fed: dict[str, list[str]] = {}
    for list_name, (feature, _) in FINDING_LISTS.items():
        fed.setdefault(feature, []).append(list_name)
    return fed
