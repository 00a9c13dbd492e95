"""Which leg a Wells DVT finding belongs to (docs/clinical-basis.md §1.1, §1.10).

The painful leg is the left one. The mapping hands the triage a per-leg view of each leg finding
(``FeatureSet.legs``) beside the summary across legs; a finding on the other leg says nothing about
this one (unknown, not absent), and a finding recorded without a side counts for either leg (the
safer reading). Each chart holds one Wells point (calf pain and deep-vein tenderness on the left),
so the finding under test decides between "DVT likely" and "DVT unlikely"; where a negative
D-dimer is on file, an unknown item keeps DVT from being excluded.
"""

from __future__ import annotations

import pytest

from cards.models import Card
from cds.settings import Settings
from cds.triage import card_topic, evaluate
from fhir_mappings.features import Feature, FeatureSet, Laterality, Quantity
from tests.clinical.chart import (
    LEFT,
    RIGHT,
    Chart,
    F,
    calf_pain,
    ddimer,
    documented_absent,
    found,
    tender_deep_veins,
)

LIKELY = "dvt-likely"
UNLIKELY = "dvt-ddimer"
DVT_CARDS = {LIKELY, UNLIKELY}
NO_SIDE = Laterality.UNSPECIFIED


def dvt_topics(
    chart: Chart,
    legs: dict[Laterality, Feature] | None = None,
    tenderness: dict[Laterality, Feature] | None = None,
) -> set[str]:
    """The DVT cards for ``chart``; pitting oedema and deep-vein tenderness given per leg as the
    mapping gives them."""
    features = chart.feature_set()
    if legs is not None:
        features.legs[F.PITTING_OEDEMA] = legs
    if tenderness is not None:
        features.legs[F.DEEP_VEIN_TENDERNESS] = tenderness
    return {str(topic) for topic in _topics(features)} & DVT_CARDS


def _cards(features: FeatureSet) -> list[Card]:
    return evaluate(
        features, hook="patient-view", settings=Settings(), hook_instance="mutants-legs"
    )


def _topics(features: FeatureSet) -> set[str | None]:
    return {card_topic(c) for c in _cards(features)}


def one_point_and(*findings: Feature, negative_ddimer: bool = False) -> Chart:
    return Chart(
        [calf_pain(), tender_deep_veins(), *findings],
        ddimers=[ddimer(300)] if negative_ddimer else [],
    )


def oedema(leg: Laterality | None) -> Feature:
    return found(F.PITTING_OEDEMA, leg=leg)


def test_a_calf_difference_recorded_without_a_side_still_scores() -> None:
    """A 3.5 cm difference whose side nobody wrote down is the painful leg's swelling as far as
    anyone knows: it scores (the safer reading), so two points make DVT likely."""
    no_side = found(F.CALF_DIFFERENCE, quantity=Quantity(3.5, "cm"))
    assert dvt_topics(one_point_and(no_side)) == {LIKELY}


def test_both_legs_examined_each_leg_scores_its_own_findings() -> None:
    """Tenderness on the left, pitting oedema on the right, each examined on both legs: each leg
    scores 1 (DVT unlikely) and a negative D-dimer excludes DVT. Reading only the summary across
    legs would leave each item unknown on the other leg and DVT not excluded."""
    oedema_by_leg = {LEFT: documented_absent(F.PITTING_OEDEMA), RIGHT: oedema(RIGHT)}
    tenderness_by_leg = {
        LEFT: tender_deep_veins(),
        RIGHT: documented_absent(F.DEEP_VEIN_TENDERNESS),
    }
    chart = one_point_and(oedema(RIGHT), negative_ddimer=True)
    assert dvt_topics(chart, oedema_by_leg, tenderness_by_leg) == set()
    assert dvt_topics(chart) == {UNLIKELY}  # the summary alone: not excluded


def test_oedema_documented_on_the_other_leg_only_is_unknown_for_this_leg() -> None:
    """Per-leg view: oedema on the right, nothing said about the left (tenderness examined on both
    legs). Not absent: Wells 1-2 on the left, so a negative D-dimer does not exclude DVT."""
    tenderness_by_leg = {
        LEFT: tender_deep_veins(),
        RIGHT: documented_absent(F.DEEP_VEIN_TENDERNESS),
    }
    chart = one_point_and(oedema(RIGHT), negative_ddimer=True)
    assert dvt_topics(chart, {RIGHT: oedema(RIGHT)}, tenderness_by_leg) == {UNLIKELY}
    # The card says what was not documented, and for which leg.
    features = chart.feature_set()
    features.legs[F.PITTING_OEDEMA] = {RIGHT: oedema(RIGHT)}
    features.legs[F.DEEP_VEIN_TENDERNESS] = tenderness_by_leg
    (ddimer_card,) = _cards(features)
    assert "| not documented | ? | not documented for the left leg |" in (ddimer_card.detail or "")


@pytest.mark.parametrize(
    "legs",
    [
        {NO_SIDE: None},  # recorded without a side
        {LEFT: "absent", NO_SIDE: None},  # absent on the left, present somewhere unsaid
    ],
)
def test_oedema_recorded_without_a_side_counts_for_the_painful_leg(
    legs: dict[Laterality, str | None],
) -> None:
    view = {
        side: documented_absent(F.PITTING_OEDEMA) if what == "absent" else oedema(None)
        for side, what in legs.items()
    }
    assert dvt_topics(one_point_and(oedema(None)), view) == {LIKELY}


def test_oedema_documented_on_this_leg_scores_through_the_per_leg_view() -> None:
    legs = {LEFT: oedema(LEFT), RIGHT: documented_absent(F.PITTING_OEDEMA)}
    assert dvt_topics(one_point_and(oedema(LEFT)), legs) == {LIKELY}


@pytest.mark.parametrize(
    ("value", "unit", "suspected"),
    [(25, "mm", False), (30, "mm", True), (2.9, "cm", False), (3.0, "cm", True)],
)
def test_under_18_a_calf_difference_of_3_cm_or_30_mm_makes_dvt_suspected(
    value: float, unit: str, suspected: bool
) -> None:
    """Calf strain at 16 with a normal examination: DVT is suspected only from a 3 cm (30 mm)
    difference on (docs/clinical-basis.md §1.13); a value in mm is read as tenths of a cm."""
    chart = Chart(
        [
            calf_pain(),
            found(F.MUSCLE_STRAIN),
            documented_absent(F.LEG_SWELLING),
            found(F.CALF_DIFFERENCE, leg=LEFT, quantity=Quantity(value, unit)),
        ],
        age=16,
    )
    found_topics = _topics(chart.feature_set())
    assert ("dvt-outside-pathway" in found_topics) is suspected
    assert ("muscle-strain" in found_topics) is not suspected


def bilateral_oedema() -> Feature:
    return found(F.PITTING_OEDEMA, leg=Laterality.BILATERAL)


def test_bilateral_pitting_oedema_is_not_confined_to_the_painful_leg_in_2003() -> None:
    """NG158 (Wells 2003) scores pitting oedema "confined to the symptomatic leg": oedema in both
    legs is absent for the item, Wells stays 1 and a negative D-dimer excludes DVT. Wells 1997
    asks for oedema "greater in the symptomatic leg", which both sides alone cannot tell: unknown,
    so DVT is not excluded."""
    chart = one_point_and(bilateral_oedema(), negative_ddimer=True)
    assert dvt_topics(chart) == set()
    features = chart.feature_set()
    found_1997 = evaluate(
        features,
        hook="patient-view",
        settings=Settings(wells_version="1997"),
        hook_instance="mutants-legs",
    )
    (pending,) = [c for c in found_1997 if card_topic(c) in DVT_CARDS]
    assert card_topic(pending) == UNLIKELY
    assert "| not documented | ? | bilateral pitting oedema: " in (pending.detail or "")


def test_the_card_names_the_leg_a_finding_was_documented_on() -> None:
    """Without a per-leg view, the card says on which leg the finding was documented."""
    oedema_on_the_right = one_point_and(oedema(RIGHT))
    (detail,) = [c.detail or "" for c in _cards(oedema_on_the_right.feature_set())]
    assert "documented on the right leg only" in detail
    right_leg = Chart(
        [
            calf_pain(RIGHT),
            tender_deep_veins(RIGHT),
            found(F.ENTIRE_LEG_SWOLLEN, leg=RIGHT),
            oedema(LEFT),
        ]
    )
    (likely,) = [c for c in _cards(right_leg.feature_set()) if card_topic(c) == LIKELY]
    assert "documented on the left leg only" in (likely.detail or "")


def wells_line(chart: Chart) -> str:
    detail = next(c.detail or "" for c in _cards(chart.feature_set()) if card_topic(c) in DVT_CARDS)
    return next(line for line in detail.splitlines() if line.startswith("Wells DVT"))


def test_calf_pain_without_a_side_is_scored_without_naming_a_leg() -> None:
    assert wells_line(Chart([found(F.CALF_PAIN)])).startswith("Wells DVT 2003 (NICE NG158): ")


def test_calf_pain_recorded_on_each_leg_scores_a_named_leg() -> None:
    """Two records, one per leg, summarised as both legs: each leg is scored and the card names
    the one it reports as the more symptomatic leg (on a tie, the left), and says both legs have
    findings rather than "the left leg" alone."""
    left, right = calf_pain(LEFT), calf_pain(RIGHT)
    both = Feature(
        F.CALF_PAIN,
        left.state,
        (*left.evidence, *right.evidence),
        laterality=Laterality.BILATERAL,
    )
    line = wells_line(Chart([both]))
    assert line.startswith(
        "Wells DVT 2003 (NICE NG158) on the more symptomatic leg (left; both legs have findings): "
    )
