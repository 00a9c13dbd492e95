"""``recent_present``: a finding counts as current only when a resource said it is present and
some evidence falls in the window, or no evidence carries a time at all. A finding the mapping
did not produce is unknown, never present (unknown is not negative, and it is not positive either).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from cds.triage.features_view import is_recent, recent_present
from fhir_mappings.features import Evidence, Feature, FeatureName, State
from tests.clinical.chart import NOW, fs, unknown
from tests.clinical.chart import documented_absent as absent


def _timed(name: str, *days_ago: float | None) -> Feature:
    evidence = tuple(
        Evidence(
            reference=f"Observation/{name}-{i}",
            time=None if days is None else NOW - timedelta(days=days),
        )
        for i, days in enumerate(days_ago)
    )
    return Feature(name=name, state=State.PRESENT, evidence=evidence)


def _naive(name: str, days_ago: float) -> Feature:
    moment = (NOW - timedelta(days=days_ago)).replace(tzinfo=None)
    return Feature(name, State.PRESENT, (Evidence(reference="Observation/n", time=moment),))


N = FeatureName
CASES: list[tuple[str, list[Feature], list[str]]] = [
    ("recent", [_timed(N.CALF_PAIN, 2)], [N.CALF_PAIN]),
    ("old", [_timed(N.CALF_PAIN, 40)], []),
    ("one recent of two", [_timed(N.CALF_PAIN, 40, 3)], [N.CALF_PAIN]),
    ("no time at all", [_timed(N.CALF_PAIN, None)], [N.CALF_PAIN]),
    ("untimed beside an old one", [_timed(N.CALF_PAIN, None, 40)], []),
    ("no evidence", [Feature(N.CALF_PAIN, State.PRESENT)], [N.CALF_PAIN]),
    ("absent", [absent(N.CALF_PAIN)], []),
    ("unknown", [unknown(N.CALF_PAIN)], []),
    ("not produced", [], []),
    ("naive recent", [_naive(N.CALF_PAIN, 1)], [N.CALF_PAIN]),
    ("naive old", [_naive(N.CALF_PAIN, 30)], []),
    ("order kept", [_timed(N.DYSPNOEA, 1), _timed(N.CALF_PAIN, 1)], [N.CALF_PAIN, N.DYSPNOEA]),
]


@pytest.mark.parametrize(("case", "features", "expected"), CASES, ids=[c[0] for c in CASES])
def test_recent_present_keeps_current_findings_only(
    case: str, features: list[Feature], expected: list[str]
) -> None:
    del case
    record = fs(*features, all_documented=False)
    found = recent_present(record, [N.CALF_PAIN, N.DYSPNOEA, N.SYNCOPE], 14)
    assert [f.name for f in found] == expected
    assert all(is_recent(f, record.now, 14) for f in found)
