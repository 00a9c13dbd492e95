"""Wells PE items at their published boundaries (docs/clinical-basis.md §1.5; S12a-e).

Calf pain with breathlessness brings the PE card. Every other Wells PE item is documented absent
(heart rate 80/min), so the documented score on the card is the item under test: 0, or 1.5 for
previous DVT or PE, immobilisation of 3 days or more or surgery in the last 4 weeks, and a heart
rate over 100/min.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from fhir_mappings.features import Feature, Quantity
from tests.clinical.chart import Chart, F, calf_pain, card, documented_absent, found, measured

NOTHING_ELSE = (
    documented_absent(F.PREVIOUS_PE),
    documented_absent(F.HAEMOPTYSIS),
    documented_absent(F.LEG_SWELLING),
)


def documented_score(*findings: Feature, heart_rate: float = 80) -> str:
    chart = Chart(
        [
            calf_pain(),
            found(F.DYSPNOEA),
            *NOTHING_ELSE,
            measured(F.HEART_RATE, heart_rate, "/min"),
            *findings,
        ]
    )
    detail = card(chart, "pe-emergency").detail or ""
    start = detail.index("documented score **") + len("documented score **")
    return detail[start : detail.index("**", start)]


def test_nothing_documented_present_scores_0() -> None:
    assert documented_score() == "0"


def test_a_previous_dvt_is_previous_vte_and_scores_1_5() -> None:
    old_clot = found(F.PREVIOUS_DVT, ago=timedelta(days=800), ref="Condition/old-dvt")
    assert documented_score(old_clot) == "1.5"


@pytest.mark.parametrize(
    ("days", "unit", "score"),
    [
        (3, "days", "1.5"),  # immobilisation 3 days or more, the unit spelled out
        (2, "days", "0"),
        (2, "day", "0"),
        (2, "d", "0"),
    ],
)
def test_immobilisation_counts_from_3_days_whatever_the_unit_spelling(
    days: int, unit: str, score: str
) -> None:
    bed = found(F.BEDRIDDEN, quantity=Quantity(days, unit), ref="Condition/bed")
    assert documented_score(bed) == score


def test_bed_rest_of_unknown_length_counts_as_recorded() -> None:
    """A bed-rest record without a length is taken as recorded: present."""
    assert documented_score(found(F.BEDRIDDEN, ref="Condition/bed")) == "1.5"


@pytest.mark.parametrize(("rate", "score"), [(100, "0"), (101, "1.5")])
def test_heart_rate_over_100_scores_1_5(rate: float, score: str) -> None:
    assert documented_score(heart_rate=rate) == score


@pytest.mark.parametrize(("weeks", "score"), [(4, "1.5"), (5, "0")])
def test_surgery_in_the_last_4_weeks_scores_1_5(weeks: int, score: str) -> None:
    surgery = found(F.RECENT_MAJOR_SURGERY, ago=timedelta(weeks=weeks), ref="Procedure/op")
    assert documented_score(surgery) == score


def test_immobilisation_and_surgery_together_score_once() -> None:
    bed = found(F.BEDRIDDEN, quantity=Quantity(5, "d"), ref="Condition/bed")
    surgery = found(F.RECENT_MAJOR_SURGERY, ago=timedelta(weeks=2), ref="Procedure/op")
    assert documented_score(bed, surgery) == "1.5"


def test_recent_haemoptysis_scores_1() -> None:
    assert documented_score(found(F.HAEMOPTYSIS)) == "1"


def test_haemoptysis_long_ago_is_not_a_sign_now() -> None:
    assert documented_score(found(F.HAEMOPTYSIS, ago=timedelta(days=400))) == "0"


def pe_detail(*findings: Feature) -> str:
    chart = Chart(
        [
            calf_pain(),
            found(F.DYSPNOEA),
            *NOTHING_ELSE,
            measured(F.HEART_RATE, 80, "/min"),
            *findings,
        ]
    )
    return card(chart, "pe-emergency").detail or ""


@pytest.mark.parametrize(("cm", "score", "maximum"), [(3.0, "3", "6"), (2.9, "0", "3")])
def test_calves_differing_by_3_cm_with_deep_vein_tenderness_are_clinical_signs_of_dvt(
    cm: float, score: str, maximum: str
) -> None:
    """Leg swelling for Wells PE includes calves differing by the Wells 3 cm; with tenderness
    along the deep veins that is the 3-point item. Only "PE the most likely diagnosis" (3) stays
    open."""
    difference = found(F.CALF_DIFFERENCE, quantity=Quantity(cm, "cm"))
    tender = found(F.DEEP_VEIN_TENDERNESS)
    detail = pe_detail(difference, tender)
    assert f"documented score **{score}**, possible maximum **{maximum}**" in detail


def test_the_pe_card_says_surgery_was_outside_the_4_weeks() -> None:
    surgery = found(F.RECENT_MAJOR_SURGERY, ago=timedelta(weeks=6), ref="Procedure/op")
    assert "surgery: 6 weeks ago, outside the window: Procedure/op" in pe_detail(surgery)


def test_the_wells_pe_table_says_what_is_unknown_and_why() -> None:
    """Without a current heart rate or any record of previous clots, the items are not
    documented and the card says so; "PE the most likely diagnosis" is the clinician's call."""
    chart = Chart(
        [
            calf_pain(),
            found(F.DYSPNOEA),
            documented_absent(F.HAEMOPTYSIS),
            documented_absent(F.LEG_SWELLING),
        ]
    )
    rows = (card(chart, "pe-emergency").detail or "").splitlines()
    assert "| Heart rate > 100/min | +1.5 | not documented | ? | no current heart rate |" in rows
    assert (
        "| PE the most likely diagnosis (clinician judgement) | +3 | not documented | ? | "
        "a clinician judgement the record does not hold |"
    ) in rows
    assert (
        "| Previous DVT or PE | +1.5 | not documented | ? | "
        "no match in the records retrieved; not documented |"
    ) in rows
