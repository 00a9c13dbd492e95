"""A measurement or result read the same way wherever a rule reads it (docs/clinical-basis.md
§1.2, §1.3 item 7, §1.5).

A calf circumference difference sent in mm is the same difference in cm for the Wells DVT
score, the Wells PE "clinical signs of DVT" and the bilateral-swelling check; a D-dimer without a
collection time is undated, whatever other result the record holds.
"""

from __future__ import annotations

import pytest

from fhir_mappings.features import Evidence, Laterality, Quantity
from tests.clinical.chart import (
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
