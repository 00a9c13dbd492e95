"""``WellsResult`` holds the Wells range: a documented minimum and a possible maximum.

Documented minimum = points of PRESENT criteria (plus -2 for an asserted alternative diagnosis);
possible maximum = minimum + points of UNKNOWN criteria; the decision follows from both
(docs/clinical-basis.md §1.10: unknown is not negative).
"""

from __future__ import annotations

import pytest

from cds.triage.wells_result import CriterionResult, Decision, WellsResult
from fhir_mappings.features import AlternativeDiagnosis, State
from tests.clinical.chart import ev

P, A, U = State.PRESENT, State.ABSENT, State.UNKNOWN


def _result(states: list[State], *, alternative: bool) -> WellsResult:
    criteria = tuple(
        CriterionResult(key=f"c{i}", label=f"criterion {i}", points=1, state=state)
        for i, state in enumerate(states)
    )
    applied = (
        (AlternativeDiagnosis("cellulitis", ev(), current_episode=True, clinician_asserted=True),)
        if alternative
        else ()
    )
    return WellsResult(
        version="2003",
        leg=None,
        criteria=criteria,
        alternative_applied=applied,
        alternative_candidates=(),
        alternative_other_leg=(),
        homans=None,
    )


@pytest.mark.parametrize(
    ("states", "alternative", "minimum", "maximum", "unknown", "decision", "text"),
    [
        ([P, P, A, A], False, 2, 2, 0, "likely", "2"),
        ([P, A, U, A], False, 1, 2, 1, "undetermined", "1–2"),
        ([A, A, U, U], False, 0, 2, 2, "undetermined", "0–2"),
        ([A, A, A, A], False, 0, 0, 0, "unlikely", "0"),
        ([P, P, U, A], True, 0, 1, 1, "unlikely", "0–1"),
        ([P, U, U, A], True, -1, 1, 2, "unlikely", "-1 to 1"),
        ([P, P, P, U], True, 1, 2, 1, "undetermined", "1–2"),
    ],
)
def test_range_and_decision(
    states: list[State],
    alternative: bool,
    minimum: int,
    maximum: int,
    unknown: int,
    decision: Decision,
    text: str,
) -> None:
    result = _result(states, alternative=alternative)
    assert (result.minimum, result.maximum) == (minimum, maximum)
    assert [c.key for c in result.unknown] == [f"c{i}" for i, s in enumerate(states) if s is U]
    assert len(result.unknown) == unknown
    assert result.decision == decision
    assert result.score_text == text
    assert result.unknown_could_change == (decision == "undetermined")
