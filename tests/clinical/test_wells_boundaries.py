"""Wells DVT at its published boundaries (docs/clinical-basis.md §1.1, §1.2).

Each chart has calf pain and tenderness along the deep veins (one point) on the left leg, so the
item under test decides between "DVT likely" (2 or more: proximal ultrasound, `dvt-likely`) and
"DVT unlikely" (1 or less: D-dimer first, `dvt-ddimer`).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from fhir_mappings.features import Quantity
from tests.clinical.chart import (
    LEFT,
    RIGHT,
    Chart,
    F,
    calf_pain,
    ddimer,
    found,
    tender_deep_veins,
    topics,
)

LIKELY = "dvt-likely"
UNLIKELY = "dvt-ddimer"


def one_point_and(*findings: object) -> Chart:
    return Chart([calf_pain(), tender_deep_veins(), *findings])  # type: ignore[list-item]


def calf_larger_by(value: float, unit: str = "cm", leg: object = LEFT) -> object:
    return found(F.CALF_DIFFERENCE, leg=leg, quantity=Quantity(value, unit))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("difference", "version", "expected"),
    [
        (3.0, "2003", LIKELY),  # NG158 (Wells 2003): calf swelling of at least 3 cm
        (2.9, "2003", UNLIKELY),
        (3.0, "1997", UNLIKELY),  # Wells 1997: more than 3 cm
        (3.1, "1997", LIKELY),
    ],
)
def test_calf_swelling_boundary_is_at_least_3_cm_in_2003_and_more_than_3_cm_in_1997(
    difference: float, version: str, expected: str
) -> None:
    chart = one_point_and(calf_larger_by(difference))
    assert expected in topics(chart, wells_version=version)


@pytest.mark.parametrize(("mm", "expected"), [(30, LIKELY), (29, UNLIKELY), (25, UNLIKELY)])
def test_calf_swelling_measured_in_mm_is_read_as_tenths_of_a_cm(mm: int, expected: str) -> None:
    assert expected in topics(one_point_and(calf_larger_by(mm, "mm")))


def test_calf_swelling_on_the_other_leg_does_not_score_for_the_painful_leg() -> None:
    assert UNLIKELY in topics(one_point_and(calf_larger_by(3.5, leg=RIGHT)))


def test_a_small_calf_difference_on_the_painful_leg_does_not_score() -> None:
    assert UNLIKELY in topics(one_point_and(calf_larger_by(1.0, leg=LEFT)))


@pytest.mark.parametrize(
    ("days", "unit", "version", "expected"),
    [
        (3, "d", "2003", LIKELY),  # NG158: bedridden for 3 days or more
        (2, "d", "2003", UNLIKELY),
        (2, "days", "2003", UNLIKELY),  # the same rule when the unit is spelled out
        (3, "d", "1997", UNLIKELY),  # Wells 1997: bedridden for more than 3 days
        (4, "d", "1997", LIKELY),
    ],
)
def test_bedridden_for_3_days_or_more_2003_and_more_than_3_days_1997(
    days: int, unit: str, version: str, expected: str
) -> None:
    bedridden = found(F.BEDRIDDEN, quantity=Quantity(days, unit), ref="Condition/bed")
    assert expected in topics(one_point_and(bedridden), wells_version=version)


@pytest.mark.parametrize(
    ("ago", "version", "expected"),
    [
        (timedelta(weeks=12), "2003", LIKELY),  # NG158: major surgery within 12 weeks
        (timedelta(weeks=12, days=1), "2003", UNLIKELY),
        (timedelta(weeks=4), "1997", LIKELY),  # Wells 1997: within 4 weeks
        (timedelta(weeks=4, days=1), "1997", UNLIKELY),
        (timedelta(weeks=5), "2003", LIKELY),
    ],
)
def test_major_surgery_within_12_weeks_2003_and_4_weeks_1997(
    ago: timedelta, version: str, expected: str
) -> None:
    surgery = found(F.RECENT_MAJOR_SURGERY, ago=ago, ref="Procedure/op")
    assert expected in topics(one_point_and(surgery), wells_version=version)


def test_two_documented_points_make_dvt_likely_and_one_does_not() -> None:
    assert LIKELY in topics(one_point_and(found(F.PITTING_OEDEMA, leg=LEFT)))
    assert topics(one_point_and()) & {LIKELY, UNLIKELY} == {UNLIKELY}


def test_previous_dvt_scores_in_2003_only() -> None:
    previous = found(F.PREVIOUS_DVT, ago=timedelta(days=800), ref="Condition/old-dvt")
    assert LIKELY in topics(one_point_and(previous))
    assert UNLIKELY in topics(one_point_and(previous), wells_version="1997")


def test_a_finding_recorded_on_the_other_leg_only_is_unknown_for_this_leg_not_absent() -> None:
    """Pitting oedema documented only on the right leg says nothing about the painful left leg:
    Wells stays 1-2, so even a negative D-dimer does not exclude DVT."""
    negative = [ddimer(300)]
    other_leg = Chart(
        [calf_pain(), tender_deep_veins(), found(F.PITTING_OEDEMA, leg=RIGHT)], ddimers=negative
    )
    assert UNLIKELY in topics(other_leg)
    settled = Chart([calf_pain(), tender_deep_veins()], ddimers=negative)
    assert not topics(settled) & {LIKELY, UNLIKELY}
