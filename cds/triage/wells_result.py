"""What a Wells DVT score says: the criteria scored, the documented minimum and possible maximum,
the decision they allow, and how a clinician-asserted alternative diagnosis moved it.

Scoring lives in ``cds.triage.wells``; this module is the result a card, the pathway and the
assessment app read (docs/clinical-basis.md §1.10: a criterion nobody documented is not absent).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, NamedTuple

from cds.triage.thresholds import (
    WELLS_HIGH_MIN,
    WELLS_LIKELY_MIN,
    WELLS_MODERATE_MIN,
    WELLS_POINTS,
    WellsVersion,
)
from fhir_mappings.features import (
    AlternativeDiagnosis,
    Evidence,
    Feature,
    Laterality,
    State,
)

Decision = Literal["likely", "unlikely", "undetermined"]

# The alternative diagnoses a clinician can assert for the -2 (clinical-basis §1.7), by the kind
# the mapping reports (fhir_mappings.catalog.alternative_kind), as a card names them.
ALTERNATIVE_LABELS: Final[dict[str, str]] = {
    "bakers_cyst": "Baker's cyst",
    "cellulitis": "cellulitis",
    "superficial_thrombophlebitis": "superficial thrombophlebitis",
    "calf_tear": "calf muscle strain or tear",
    "claudication": "PAD / intermittent claudication",
    "sciatica": "sciatica",
    "cramp": "cramp",
}


class CriterionResult(NamedTuple):
    """One scored criterion."""

    key: str
    label: str
    points: int
    state: State
    evidence: tuple[Evidence, ...] = ()
    note: str = ""

    @property
    def scored(self) -> int | None:
        if self.state is State.UNKNOWN:
            return None
        return self.points if self.state is State.PRESENT else 0


@dataclass(frozen=True, slots=True)
class WellsResult:
    version: WellsVersion
    leg: Laterality | None  # the scored leg; None when laterality is not documented
    criteria: tuple[CriterionResult, ...]  # every criterion except the alternative diagnosis
    alternative_applied: tuple[AlternativeDiagnosis, ...]  # clinician-asserted, current episode
    alternative_candidates: tuple[AlternativeDiagnosis, ...]  # recorded but not asserted
    alternative_other_leg: tuple[AlternativeDiagnosis, ...]  # on the other leg: never applied
    homans: Feature | None  # pain on dorsiflexion when recorded (never scored)
    both_legs: bool = False  # both legs have findings: ``leg`` is the more symptomatic one

    @property
    def unknown(self) -> tuple[CriterionResult, ...]:
        """The criteria nobody documented (UNKNOWN)."""
        return tuple(c for c in self.criteria if c.state is State.UNKNOWN)

    @property
    def minimum(self) -> int:
        """Documented score: PRESENT criteria only (plus an asserted alternative diagnosis)."""
        present = sum(c.points for c in self.criteria if c.state is State.PRESENT)
        return present + self.alternative_points

    @property
    def maximum(self) -> int:
        """Possible score if every undocumented (UNKNOWN) criterion turned out present."""
        return self.minimum + sum(c.points for c in self.unknown)

    @property
    def decision(self) -> Decision:
        return decide(self.minimum, self.maximum)

    @property
    def alternative_points(self) -> int:
        return (
            WELLS_POINTS[self.version]["alternative_diagnosis"] if self.alternative_applied else 0
        )

    @property
    def score_text(self) -> str:
        return score_text(self.minimum, self.maximum)

    @property
    def decision_if_alternative(self) -> Decision | None:
        """The decision if a clinician judged the recorded alternative at least as likely."""
        if self.alternative_applied or not self.alternative_candidates:
            return None
        minus = WELLS_POINTS[self.version]["alternative_diagnosis"]
        return decide(self.minimum + minus, self.maximum + minus)

    @property
    def score_text_if_alternative(self) -> str | None:
        if self.decision_if_alternative is None:
            return None
        minus = WELLS_POINTS[self.version]["alternative_diagnosis"]
        return score_text(self.minimum + minus, self.maximum + minus)

    @property
    def decision_without_alternative(self) -> Decision | None:
        """The decision without the asserted alternative's -2 (None when none was applied)."""
        if not self.alternative_applied:
            return None
        return decide(
            self.minimum - self.alternative_points, self.maximum - self.alternative_points
        )

    @property
    def score_text_without_alternative(self) -> str | None:
        if not self.alternative_applied:
            return None
        return score_text(
            self.minimum - self.alternative_points, self.maximum - self.alternative_points
        )

    @property
    def alternative_source(self) -> str:
        """Which asserted diagnosis the -2 stands for and the Condition it came from, e.g.
        "sciatica (Condition/c1, right leg)" ("" when none was applied)."""
        return "; ".join(alternative_source(a, self.leg) for a in self.alternative_applied)

    @property
    def alternative_changed_decision(self) -> bool:
        """True when the applied -2 turned "likely" into "unlikely" or "undetermined"."""
        return self.decision_without_alternative == "likely" and self.decision != "likely"

    @property
    def alternative_flips(self) -> bool:
        """True when the -2 (not applied) would turn "likely" into "unlikely"."""
        return self.decision == "likely" and self.decision_if_alternative == "unlikely"

    @property
    def unknown_could_change(self) -> bool:
        """Whether documenting the unknown criteria could change likely/unlikely."""
        return self.decision == "undetermined"

    @property
    def three_level(self) -> str:
        """1997 three-level category of the documented score (S1b, S1c), for information."""
        if self.minimum >= WELLS_HIGH_MIN:
            return "high"
        return "moderate" if self.minimum >= WELLS_MODERATE_MIN else "low"


def decide(minimum: int, maximum: int) -> Decision:
    if minimum >= WELLS_LIKELY_MIN:
        return "likely"
    if maximum < WELLS_LIKELY_MIN:
        return "unlikely"
    return "undetermined"


def score_text(minimum: int, maximum: int) -> str:
    """ "3", "0–4", or "-1 to 1" (a dash between negative numbers would read as a minus)."""
    if minimum == maximum:
        return str(minimum)
    return f"{minimum} to {maximum}" if minimum < 0 else f"{minimum}–{maximum}"


def alternative_label(kind: str) -> str:
    """The diagnosis as a card names it ("sciatica", "Baker's cyst")."""
    return ALTERNATIVE_LABELS.get(kind, kind.replace("_", " "))


def alternative_source(alternative: AlternativeDiagnosis, leg: Laterality | None) -> str:
    """The diagnosis, its Condition and its side. A diagnosis recorded without a side is applied
    to the scored leg (the clinician made it for this complaint), and the card says so."""
    side = alternative.evidence.laterality
    if side is Laterality.BILATERAL:
        where = "both legs"
    elif side in (Laterality.LEFT, Laterality.RIGHT):
        where = f"{side.value} leg"
    elif leg is not None:
        where = f"no side recorded, taken as the {leg.value} leg"
    else:
        where = "no side recorded"
    return f"{alternative_label(alternative.kind)} ({alternative.evidence.reference}, {where})"
