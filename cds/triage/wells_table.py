"""The Wells DVT score as a card shows it: every criterion with its points, its state (present /
absent / not documented) and the evidence, so a clinician can check and correct it; what was not
documented and whether documenting it could change the decision; the alternative-diagnosis
"with and without -2" values.
"""

from __future__ import annotations

from typing import Final, NamedTuple

from cards import markdown as md
from cds.triage.features_view import feature_evidence
from cds.triage.thresholds import WELLS_LIKELY_MIN
from cds.triage.wells_result import WellsResult, alternative_label
from fhir_mappings.features import State

STATE_TEXT: Final = {
    State.PRESENT: "present",
    State.ABSENT: "absent",
    State.UNKNOWN: "not documented",
}
HEADER: Final = ("Criterion", "Points", "Finding", "Counted", "Evidence")
COEXIST: Final = "Baker's cyst, cellulitis and superficial thrombophlebitis can coexist with DVT."


class WellsRow(NamedTuple):
    criterion: str
    points: int  # points the criterion is worth when present
    state: str  # "present" | "absent" | "not documented" | "not asserted" | ...
    scored: int | None  # points counted (None when not documented)
    evidence: str  # "Observation/12 (2026-11-24)", reason for unknown, ...

    def cells(self) -> tuple[str, ...]:
        counted = "?" if self.scored is None else md.signed(self.scored)
        return (self.criterion, md.signed(self.points), self.state, counted, self.evidence)


def wells_rows(wells: WellsResult) -> list[WellsRow]:
    rows = [
        WellsRow(c.label, c.points, STATE_TEXT[c.state], c.scored, c.note) for c in wells.criteria
    ]
    alt_points = -2
    if wells.alternative_applied:
        rows.append(
            WellsRow(
                "Alternative diagnosis at least as likely",
                alt_points,
                "asserted by a clinician",
                alt_points,
                wells.alternative_source,
            )
        )
    else:
        kinds = ", ".join(alternative_label(a.kind) for a in wells.alternative_candidates)
        state = f"recorded, not asserted ({kinds})" if kinds else "not asserted"
        rows.append(
            WellsRow(
                "Alternative diagnosis at least as likely",
                alt_points,
                state,
                0,
                "clinician judgement",
            )
        )
    for alt in wells.alternative_other_leg:
        side = alt.evidence.laterality.value if alt.evidence.laterality else "other"
        rows.append(
            WellsRow(
                f"Alternative diagnosis on the {side} leg ({alternative_label(alt.kind)})",
                alt_points,
                "other leg: not applied",
                0,
                alt.evidence.reference,
            )
        )
    if wells.homans is not None:
        rows.append(
            WellsRow(
                "Pain on dorsiflexion (Homans' sign): not a Wells criterion",
                0,
                STATE_TEXT[wells.homans.state],
                0,
                feature_evidence(wells.homans),
            )
        )
    return rows


def wells_section(wells: WellsResult) -> str:
    leg = f" on the {wells.leg.value} leg" if wells.leg is not None else ""
    if wells.both_legs and wells.leg is not None:
        # Both legs have findings: the score is the more symptomatic leg's (S1b), not "the left".
        leg = f" on the more symptomatic leg ({wells.leg.value}; both legs have findings)"
    version = "2003 (NICE NG158)" if wells.version == "2003" else "1997"
    head = (
        f"Wells DVT {version}{leg}: documented score **{wells.minimum}**, possible maximum "
        f"**{wells.maximum}** (likely ≥ {WELLS_LIKELY_MIN}, unlikely ≤ {WELLS_LIKELY_MIN - 1})."
    )
    parts = [head, md.table(HEADER, [row.cells() for row in wells_rows(wells)])]
    if wells.unknown:
        names = ", ".join(c.label for c in wells.unknown)
        change = (
            "Documenting them **could change** the decision."
            if wells.unknown_could_change
            else "Documenting them would not change the decision."
        )
        parts.append(f"Not documented: {names}. {change}")
    if wells.alternative_candidates and not wells.alternative_applied:
        alt = wells.score_text_if_alternative
        flip = (
            " **This would change DVT likely to DVT unlikely.**" if wells.alternative_flips else ""
        )
        parts.append(
            f"An alternative diagnosis is recorded but no clinician asserted it for this episode, "
            "so −2 is not applied. If judged at least as likely as DVT, Wells would be "
            f"{alt}.{flip} " + COEXIST
        )
    if wells.alternative_changed_decision:
        parts.append(
            f"A clinician asserted {wells.alternative_source} as at least as likely as DVT, "
            "so −2 is applied: "
            f"**without it Wells would be {wells.score_text_without_alternative} (DVT likely).** "
            + COEXIST
        )
    if wells.homans is not None:
        parts.append(
            "Pain on dorsiflexion (Homans' sign) adds no points, and its absence never lowers "
            "suspicion: the sign is neither sensitive nor specific (sensitivity 10–54%) and is "
            "not part of the Wells score (NICE NG158)."
        )
    if wells.version == "1997":
        parts.append(f"1997 three-level category of the documented score: {wells.three_level}.")
    return md.join_sections(*parts)
