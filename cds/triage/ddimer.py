"""Which D-dimer counts, and against which cut-off (NICE NG158, docs/clinical-basis.md §1.3 item 7).

- A D-dimer counts only if taken in the current episode and before any anticoagulation started:
  anticoagulation lowers the result (2020 NG158 change, S3), and an old result says nothing
  about today's leg.
- FEU and DDU are never mixed: FEU ~= 2 x DDU, so each kind has its own cut-off (§2.3). The
  assay's own cut-off (referenceRange.high) wins when the lab sends one.
- The age-adjusted cut-off (age x 10 FEU, 5 x age DDU, age > 50; S18a, S18b) is a setting and is
  only used when DVT is decisively unlikely: never when likely or still undetermined, nor when a
  red flag sends the leg to the scan whatever the score (S18c, S6c).
- A preliminary negative never rules DVT out; a preliminary positive is acted on without waiting
  for the final result. A lab's own "high" flag is honoured when it is more cautious than our
  cut-off.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Final

from cards import markdown as md
from cds.settings import Settings
from cds.triage.features_view import after, below
from cds.triage.thresholds import (
    AGE_ADJUST_DDU_PER_YEAR,
    AGE_ADJUST_FEU_PER_YEAR,
    AGE_ADJUST_MIN_AGE_EXCLUSIVE,
    CONVENTIONAL_CUTOFF_RANGE,
    DDIMER_CUTOFF_DDU_NG_ML,
    DDIMER_CUTOFF_FEU_NG_ML,
    POSITIVE_INTERPRETATIONS,
)
from cds.triage.wells_result import Decision
from fhir_mappings.features import DDimerResult, DDimerUnit, FeatureName, FeatureSet

# What ``assess`` reads.
READS: Final = frozenset(
    {"ddimers", "anticoagulation_started", "episode_start", "age_years", FeatureName.ANTICOAGULANT}
)
CONVENTIONAL_CUTOFF = {
    DDimerUnit.FEU: DDIMER_CUTOFF_FEU_NG_ML,
    DDimerUnit.DDU: DDIMER_CUTOFF_DDU_NG_ML,
}
AGE_FACTOR = {
    DDimerUnit.FEU: AGE_ADJUST_FEU_PER_YEAR,
    DDimerUnit.DDU: AGE_ADJUST_DDU_PER_YEAR,
}
# Each factor's published source as the card cites it (S18a, S18b).
AGE_FACTOR_SOURCE = {
    DDimerUnit.FEU: "Schouten, BMJ 2013",
    DDimerUnit.DDU: "Eur J Emerg Med 2018",
}
UNDATED: Final = "no collection time: cannot place it in this episode"
SUPERSEDED: Final = "superseded by a newer result"


@dataclass(frozen=True, slots=True)
class DDimerAssessment:
    result: DDimerResult | None = None  # the result that counts, if any
    ignored: tuple[tuple[DDimerResult, str], ...] = ()  # results that do not count, and why
    cutoff_ng_ml: float | None = None
    cutoff_basis: str = ""
    positive: bool | None = None
    notes: tuple[str, ...] = field(default=())
    # False when a current anticoagulant is recorded without a start time: a negative result may
    # have been taken on anticoagulation, so it cannot rule DVT out.
    reliable_negative: bool = True
    # The lab's own "high" flag (H, POS, ...) on a result the age-adjusted cut-off calls negative:
    # the card must say so (docs/clinical-basis.md §1.16).
    lab_flag_overruled: str = ""

    @property
    def status(self) -> str:
        """'none' | 'positive' | 'negative' | 'negative-preliminary'."""
        if self.result is None or self.positive is None:
            return "none"
        if self.positive:
            return "positive"
        return "negative-preliminary" if self.result.preliminary else "negative"

    @property
    def preliminary(self) -> bool:
        """The result that counts is the lab's preliminary one (its final result is to come)."""
        return self.result is not None and self.result.preliminary

    @property
    def rules_out(self) -> bool:
        """A final negative result (only meaningful when Wells is decisively unlikely)."""
        return self.status == "negative" and self.reliable_negative

    def value_text(self) -> str:
        if self.result is None:
            return "no D-dimer in this episode"
        kind = self.result.kind.value
        cutoff = f"{self.cutoff_ng_ml:g} ng/mL {kind}" if self.cutoff_ng_ml is not None else "?"
        bound = self.result.comparator or ""
        return f"{bound}{self.result.value_ng_ml:g} ng/mL {kind} (cut-off {cutoff})"


def eligible(
    fs: FeatureSet, settings: Settings
) -> tuple[DDimerResult | None, list[tuple[DDimerResult, str]]]:
    """The newest D-dimer that counts for this episode, and those that do not, with reasons."""
    ignored: list[tuple[DDimerResult, str]] = []
    horizon = fs.now - timedelta(days=settings.episode_days)
    # Newest first; results without a time sort last (and are ignored, with a reason).
    newest_first = sorted(
        fs.ddimers,
        key=lambda d: (d.time is not None, d.time.timestamp() if d.time else 0.0),
        reverse=True,
    )
    for position, result in enumerate(newest_first):
        if result.time is None:
            ignored.append((result, UNDATED))
        elif fs.anticoagulation_started is not None and after(
            result.time, fs.anticoagulation_started
        ):
            ignored.append((result, "taken after anticoagulation started (unreliable, NG158)"))
        elif fs.episode_start is not None and not after(result.time, fs.episode_start):
            ignored.append((result, "taken before the current leg episode"))
        elif not after(result.time, horizon):
            ignored.append((result, f"older than {settings.episode_days} days"))
        else:
            # Undated results sort after every dated one: they are undated, not older.
            older = newest_first[position + 1 :]
            ignored.extend((r, UNDATED if r.time is None else SUPERSEDED) for r in older)
            return result, ignored
    return None, ignored


def assess(fs: FeatureSet, settings: Settings, decision: Decision | None) -> DDimerAssessment:
    """Interpret the D-dimer for this episode; ``decision`` is the pathway's (or None): the Wells
    decision, or "likely" when a red flag sends the leg to the scan whatever the score."""
    result, ignored = eligible(fs, settings)
    notes: list[str] = []
    unknown_start = fs.get(FeatureName.ANTICOAGULANT).present and fs.anticoagulation_started is None
    if unknown_start:
        notes.append(
            "Current anticoagulant recorded without a start time: a D-dimer may read falsely low, "
            "so a negative result cannot rule DVT out."
        )
    if result is None:
        return DDimerAssessment(ignored=tuple(ignored), notes=tuple(notes))
    conventional = CONVENTIONAL_CUTOFF[result.kind]
    cutoff = conventional
    basis = f"conventional {result.kind.value} cut-off"
    if result.assay_cutoff_ng_ml is not None:
        cutoff = result.assay_cutoff_ng_ml
        basis = "the assay's cut-off (reference range)"
    age = fs.age_years
    adjusted = False
    if settings.age_adjusted_ddimer:
        if age is None:
            notes.append("Age-adjusted cut-off not used: age not documented.")
        elif age <= AGE_ADJUST_MIN_AGE_EXCLUSIVE:
            notes.append(f"Age-adjusted cut-off applies only over {AGE_ADJUST_MIN_AGE_EXCLUSIVE}.")
        elif decision != "unlikely":
            # Never when DVT is likely or undetermined (S18c, S6c).
            notes.append("Age-adjusted cut-off not used: DVT is not decisively unlikely.")
        elif result.assay_cutoff_ng_ml is not None and not (
            CONVENTIONAL_CUTOFF_RANGE[result.kind.value][0]
            <= result.assay_cutoff_ng_ml
            <= CONVENTIONAL_CUTOFF_RANGE[result.kind.value][1]
        ):
            notes.append("Age-adjusted cut-off not used: the assay has its own cut-off.")
        else:
            cutoff = max(conventional, age * AGE_FACTOR[result.kind])
            factor = AGE_FACTOR[result.kind]
            basis = (
                f"age-adjusted ({age} × {factor:g} {result.kind.value}; "
                f"{AGE_FACTOR_SOURCE[result.kind]})"
            )
            adjusted = True
    negative = below(result.value_ng_ml, result.comparator, cutoff)
    if negative is None:
        # "<600" against 500, ">400" against 500: the limit the lab gives does not say on which
        # side of the cut-off the result lies, so it cannot count (unknown is not negative).
        limit = f"{result.comparator}{result.value_ng_ml:g} ng/mL {result.kind.value}"
        why = f"reported as {limit}: a limit that does not decide against the cut-off {cutoff:g}"
        return DDimerAssessment(ignored=((result, why), *ignored), notes=tuple(notes))
    positive = not negative
    flag = (result.interpretation or "").upper()
    overruled = ""
    if not positive and flag in POSITIVE_INTERPRETATIONS:
        if adjusted:
            overruled = flag
        else:
            positive = True
            notes.append(f"The lab flagged the result as {flag}: treated as positive.")
    if result.preliminary:
        notes.append(
            "Preliminary result: a positive preliminary value is acted on now; the final result "
            "is still to come."
            if positive
            else "Preliminary result: a negative preliminary value does not rule DVT out."
        )
    return DDimerAssessment(
        result=result,
        ignored=tuple(ignored),
        cutoff_ng_ml=cutoff,
        cutoff_basis=basis,
        positive=positive,
        notes=tuple(notes),
        reliable_negative=not unknown_start,
        lab_flag_overruled=overruled,
    )


def ddimer_section(ddimer: DDimerAssessment) -> str:
    """The D-dimer as a card shows it: the result that counts, with unit and cut-off, and those
    that do not, with the reason."""
    lines: list[str] = []
    if ddimer.result is not None:
        r = ddimer.result
        when = r.time.date().isoformat() if r.time else "time unknown"
        verdict = "positive" if ddimer.positive else "negative"
        if r.preliminary:
            verdict += " (preliminary)"
        lines.append(
            f"D-dimer {ddimer.value_text()} using {ddimer.cutoff_basis}; sent as "
            f"{r.original}, taken {when} ({r.evidence.reference}): **{verdict}**."
        )
    else:
        lines.append("No D-dimer that counts for this episode.")
    for result, why in ddimer.ignored:
        lines.append(f"Not counted: {result.original} ({result.evidence.reference}): {why}.")
    lines.extend(ddimer.notes)
    return md.bullets(lines)
