"""A measurement or result read the same way wherever a rule reads it (docs/clinical-basis.md
§1.2, §1.3 item 7, §1.5).

A calf circumference difference sent in mm is the same difference in cm for the Wells DVT
score, the Wells PE "clinical signs of DVT" and the bilateral-swelling check; a D-dimer without a
collection time is undated, whatever other result the record holds.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from cds.settings import Settings
from cds.triage import card_topic, evaluate
from fhir_mappings.features import DDimerResult, Evidence, Laterality, Quantity
from tests.clinical.chart import (
    NOW,
    Chart,
    F,
    calf_pain,
    card,
    ddimer,
    documented_absent,
    found,
    measured,
    topics,
)


def pe_scores(difference: Quantity) -> str:
    """The Wells PE documented score and maximum with deep-vein tenderness, every kind of leg
    swelling documented absent and the calves differing by ``difference``."""
    chart = Chart(
        [
            calf_pain(),
            found(F.DYSPNOEA),
            documented_absent(F.PREVIOUS_PE),
            documented_absent(F.HAEMOPTYSIS),
            documented_absent(F.LEG_SWELLING),
            measured(F.HEART_RATE, 80, "/min"),
            found(F.DEEP_VEIN_TENDERNESS),
            found(F.CALF_DIFFERENCE, quantity=difference),
        ]
    )
    detail = card(chart, "pe-emergency").detail or ""
    start = detail.index("documented score **")
    return detail[start : detail.index("(PE likely", start)].strip()


@pytest.mark.parametrize(
    ("difference", "scores"),
    [
        (Quantity(30, "mm"), "documented score **3**, possible maximum **6**"),
        (Quantity(29, "mm"), "documented score **0**, possible maximum **3**"),
        (Quantity(3, "cm"), "documented score **3**, possible maximum **6**"),
    ],
)
def test_wells_pe_reads_a_calf_difference_in_mm_as_the_same_difference_in_cm(
    difference: Quantity, scores: str
) -> None:
    """30 mm are the Wells 3 cm: with tenderness along the deep veins, clinical signs of DVT
    (+3); 29 mm are not, and only "PE the most likely diagnosis" (3) stays open."""
    assert pe_scores(difference) == scores


def test_a_calf_difference_in_another_unit_leaves_the_pe_dvt_signs_open() -> None:
    """A difference in inches is not read: leg swelling is not documented, so the signs of DVT
    (+3) stay possible, neither counted nor ruled out."""
    assert pe_scores(Quantity(2, "[in_i]")) == "documented score **0**, possible maximum **6**"


@pytest.mark.parametrize(("mm", "dvt_card"), [(30, True), (29, False)])
def test_bilateral_swelling_with_calves_differing_by_30_mm_is_a_dvt_picture(
    mm: float, dvt_card: bool
) -> None:
    """Swelling of both legs alone is not a DVT picture (§1.7), but calves differing by the Wells
    3 cm single one leg out, whether the difference is sent in cm or in mm."""
    chart = Chart(
        [
            found(F.LEG_SWELLING, leg=Laterality.BILATERAL),
            found(F.CALF_DIFFERENCE, quantity=Quantity(mm, "mm")),
        ]
    )
    assert ("dvt-ddimer" in topics(chart)) is dvt_card


def test_an_undated_ddimer_beside_a_counted_one_is_named_undated_not_superseded() -> None:
    """An undated result cannot be placed in time, so it is not older than the one that counts:
    the card says it has no collection time."""
    undated = ddimer(300)._replace(time=None, evidence=Evidence(reference="Observation/undated"))
    counted = ddimer(900)
    chart = Chart([calf_pain()], ddimers=[undated, counted])
    lines = (card(chart, "dvt-ddimer").detail or "").splitlines()
    assert (
        "- Not counted: 300 ng/mL FEU (Observation/undated): "
        "no collection time: cannot place it in this episode."
    ) in lines
    assert not [line for line in lines if "superseded" in line]


def not_counted(*results: DDimerResult) -> list[str]:
    features = replace(
        Chart([calf_pain()], ddimers=list(results)).feature_set(),
        episode_start=NOW - timedelta(days=2),
    )
    shown = evaluate(features, hook="patient-view", settings=Settings(), hook_instance="h")
    dvt = next(c for c in shown if card_topic(c) == "dvt-ddimer")
    return [line for line in (dvt.detail or "").splitlines() if "Not counted" in line]


UNDATED_700 = (
    "- Not counted: 700 ng/mL FEU (Observation/undated): no collection time: cannot place it in "
    "this episode."
)


def test_ddimers_that_do_not_count_are_listed_newest_first_and_undated_last() -> None:
    undated = ddimer(700)._replace(time=None, evidence=Evidence(reference="Observation/undated"))
    older = ddimer(400)._replace(time=NOW - timedelta(hours=5))
    assert not_counted(undated, older, ddimer(900)) == [
        "- Not counted: 400 ng/mL FEU (Observation/dd): superseded by a newer result.",
        UNDATED_700,
    ]


def test_a_ddimer_from_before_this_leg_episode_does_not_count() -> None:
    before_episode = ddimer(450)._replace(time=NOW - timedelta(days=5))
    assert not_counted(before_episode) == [
        "- Not counted: 450 ng/mL FEU (Observation/dd): taken before the current leg episode."
    ]
