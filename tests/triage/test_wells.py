"""Wells DVT score spec (docs/clinical-basis.md §1.1, §1.2; NICE NG158 Table 1): each case reads
like the guideline row it pins."""

from __future__ import annotations

import pytest

from cds.triage.wells import score_wells
from cds.triage.wells_result import decide
from fhir_mappings.features import Feature, FeatureName, Laterality, Quantity, State
from tests.clinical.chart import (
    alternative,
    calf_difference,
    calf_pain,
    fs,
    present,
    wells_points,
)
from tests.clinical.chart import (
    documented_absent as absent,
)

F = FeatureName
L, R = Laterality.LEFT, Laterality.RIGHT


def score(*features: Feature, version: str = "2003", **kw: object):  # type: ignore[no-untyped-def]
    return score_wells(fs(calf_pain(), *features, **kw), version)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("points", "asserted_alternative", "expected", "decision"),
    [
        (0, True, -2, "unlikely"),  # lowest score: alternative diagnosis asserted, nothing else
        (0, False, 0, "unlikely"),
        (1, False, 1, "unlikely"),  # <= 1 unlikely (S2)
        (2, False, 2, "likely"),  # >= 2 likely (S2)
        (3, False, 3, "likely"),
        (9, False, 9, "likely"),  # highest 2003 score (S2: range -2..9)
    ],
)
def test_two_level_score_boundaries(
    points: int, asserted_alternative: bool, expected: int, decision: str
) -> None:
    alts = [alternative()] if asserted_alternative else []
    result = score(*wells_points(points), alternatives=alts)
    assert (result.minimum, result.maximum) == (expected, expected)
    assert result.decision == decision


def test_1997_has_no_previous_dvt_item_and_tops_out_at_8() -> None:
    result = score(*wells_points(9), version="1997")
    assert result.minimum == 8
    assert "previous_dvt" not in {c.key for c in result.criteria}


@pytest.mark.parametrize(
    ("cm", "version", "scores"),
    [
        (3.0, "2003", True),  # "at least 3 cm" (S2)
        (3.0, "1997", False),  # "> 3 cm" (S1c, S7)
        (2.9, "2003", False),
        (3.1, "1997", True),
        (2.99999999, "2003", True),  # rounding guard: 29.9999999 mm is 3.0 cm
    ],
)
def test_calf_difference_boundary_by_version(cm: float, version: str, scores: bool) -> None:
    result = score(calf_difference(cm), version=version)
    calf = next(c for c in result.criteria if c.key == "calf_swelling")
    assert calf.state is (State.PRESENT if scores else State.ABSENT)
    assert result.minimum == (1 if scores else 0)


def test_calf_difference_in_mm_is_converted() -> None:
    feature = present(F.CALF_DIFFERENCE, lat=L, quantity=Quantity(30, "mm"))
    assert score(feature).minimum == 1


def test_calf_difference_without_a_value_is_unknown_not_absent() -> None:
    feature = present(F.CALF_DIFFERENCE, lat=L)
    result = score(feature)
    assert (result.minimum, result.maximum) == (0, 1)


@pytest.mark.parametrize(
    ("days", "version", "scores"),
    [(3, "2003", True), (3, "1997", False), (4, "1997", True), (2, "2003", False)],
)
def test_bedridden_days_by_version(days: int, version: str, scores: bool) -> None:
    bed = present(F.BEDRIDDEN, quantity=Quantity(days, "d"))
    assert score(bed, version=version).minimum == (1 if scores else 0)


@pytest.mark.parametrize(
    ("weeks_ago", "version", "scores"),
    [(5, "2003", True), (5, "1997", False), (3, "1997", True), (13, "2003", False)],
)
def test_major_surgery_window_12_vs_4_weeks(weeks_ago: int, version: str, scores: bool) -> None:
    surgery = present(F.RECENT_MAJOR_SURGERY, days_ago=weeks_ago * 7, ref="Procedure/op")
    assert score(surgery, version=version).minimum == (1 if scores else 0)


def test_unknown_criteria_give_a_range_and_say_they_could_change_the_decision() -> None:
    result = score_wells(
        fs(calf_pain(), present(F.ACTIVE_CANCER), absent(F.PREVIOUS_DVT), all_documented=False)
    )
    # 1 present (cancer), 1 absent (previous DVT), 7 not documented -> 1..8
    assert (result.minimum, result.maximum) == (1, 8)
    assert result.decision == "undetermined"
    assert result.unknown_could_change
    assert len(result.unknown) == 7


def test_unknowns_that_cannot_change_the_decision() -> None:
    # Two documented points: likely whatever the unknown criteria hold.
    result = score_wells(fs(calf_pain(), *wells_points(2), all_documented=False))
    assert result.minimum == 2 and result.maximum > 2
    assert result.decision == "likely"
    assert not result.unknown_could_change


@pytest.mark.parametrize(
    ("current", "asserted", "applied"),
    [(True, True, True), (True, False, False), (False, True, False), (False, False, False)],
)
def test_alternative_diagnosis_applies_only_when_clinician_asserted_this_episode(
    current: bool, asserted: bool, applied: bool
) -> None:
    result = score(*wells_points(2), alternatives=[alternative(current=current, asserted=asserted)])
    assert result.minimum == (0 if applied else 2)


@pytest.mark.parametrize(("points", "flips"), [(2, True), (3, True), (4, False), (1, False)])
def test_unasserted_alternative_flags_a_flip_from_likely_to_unlikely(
    points: int, flips: bool
) -> None:
    result = score(*wells_points(points), alternatives=[alternative(asserted=False)])
    assert result.alternative_flips is flips
    assert result.score_text_if_alternative == str(points - 2)


@pytest.mark.parametrize("homans", [State.PRESENT, State.ABSENT])
def test_pain_on_dorsiflexion_adds_no_points_and_never_lowers_suspicion(homans: State) -> None:
    feature = Feature(F.PAIN_ON_DORSIFLEXION, homans)
    base = score(*wells_points(2))
    with_homans = score(*wells_points(2), feature)
    assert (with_homans.minimum, with_homans.maximum) == (base.minimum, base.maximum)


def test_more_symptomatic_leg_is_scored() -> None:
    left = [present(F.DEEP_VEIN_TENDERNESS, lat=L)]
    right = [present(F.PITTING_OEDEMA, lat=R), calf_difference(4.0, R)]
    result = score_wells(fs(calf_pain(L), present(F.LEG_SWELLING, lat=R), *left, *right))
    assert result.leg is R
    assert result.minimum == 2


def test_per_leg_view_from_the_mapping_layer_is_used() -> None:
    features = fs(calf_pain(L))
    features.legs[F.PITTING_OEDEMA] = {
        L: present(F.PITTING_OEDEMA, lat=L),
        R: absent(F.PITTING_OEDEMA),
    }
    features.features[F.PITTING_OEDEMA] = present(F.PITTING_OEDEMA, lat=L)
    assert score_wells(features).minimum == 1


def test_bilateral_pitting_oedema_is_not_confined_to_the_symptomatic_leg_2003() -> None:
    both = Feature(
        F.PITTING_OEDEMA,
        State.PRESENT,
        present(F.PITTING_OEDEMA).evidence,
        laterality=Laterality.BILATERAL,
    )
    assert score(both).minimum == 0
    assert score(both, version="1997").maximum == 1  # "greater in the leg": cannot tell


@pytest.mark.parametrize(
    ("minimum", "maximum", "expected"),
    [
        (2, 2, "likely"),
        (1, 1, "unlikely"),
        (1, 2, "undetermined"),
        (-2, 1, "unlikely"),
        (0, 4, "undetermined"),
        (2, 9, "likely"),
    ],
)
def test_decision_from_range(minimum: int, maximum: int, expected: str) -> None:
    assert decide(minimum, maximum) == expected
