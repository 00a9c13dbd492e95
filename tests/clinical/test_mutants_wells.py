"""Wells DVT bed rest, as the card counts and explains it (docs/clinical-basis.md §1.1, §1.10).

Each chart has calf pain and tenderness along the deep veins (one point) on the left leg, so bed
rest decides between "DVT likely" (`dvt-likely`) and "DVT unlikely" (`dvt-ddimer`).
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from fhir_mappings.features import Feature, Quantity, State
from tests.clinical.chart import (
    LEFT,
    RIGHT,
    Chart,
    F,
    calf_pain,
    card,
    ddimer,
    found,
    tender_deep_veins,
    topics,
)


@pytest.mark.parametrize(
    ("days", "expected"),
    [(2, "dvt-ddimer"), (3, "dvt-likely")],  # NG158: bedridden for 3 days or more
)
def test_bed_rest_in_day_units_is_held_to_3_days(days: int, expected: str) -> None:
    """ "2 day" is the same 2 days as "2 d": it does not reach the 3 days NG158 asks for."""
    bedridden = found(F.BEDRIDDEN, quantity=Quantity(days, "day"), ref="Condition/bed")
    chart = Chart([calf_pain(), tender_deep_veins(), bedridden])
    assert expected in topics(chart)


def test_the_card_says_what_was_searched_for_bed_rest_and_surgery() -> None:
    """Nothing on record: the Wells table's evidence for the item says no record matched, for
    bed rest and for surgery alike (not found is not absent without saying so)."""
    detail = card(Chart([calf_pain(), tender_deep_veins()]), "dvt-ddimer").detail or ""
    assert (
        "| bedridden: no match in the records retrieved; "
        "surgery: no match in the records retrieved |"
    ) in detail


def test_the_card_gives_the_length_of_bed_rest_it_judged() -> None:
    bedridden = found(F.BEDRIDDEN, quantity=Quantity(2, "d"), ref="Condition/bed")
    detail = card(Chart([calf_pain(), tender_deep_veins(), bedridden]), "dvt-ddimer").detail
    assert "bedridden: bedridden 2 days: Condition/bed" in (detail or "")


def test_surgery_outside_the_12_weeks_is_absent_not_unknown() -> None:
    """Surgery 13 weeks ago is documented and outside the NG158 window: the item is absent, Wells
    stays 1, and a negative D-dimer excludes DVT. The card says why the surgery did not count."""
    surgery = found(F.RECENT_MAJOR_SURGERY, ago=timedelta(weeks=13), ref="Procedure/op")
    excluded = Chart([calf_pain(), tender_deep_veins(), surgery], ddimers=[ddimer(300)])
    assert not topics(excluded) & {"dvt-likely", "dvt-ddimer"}
    pending = Chart([calf_pain(), tender_deep_veins(), surgery])
    detail = card(pending, "dvt-ddimer").detail or ""
    assert "surgery: surgery 13 weeks ago, outside the window: Procedure/op" in detail


def test_the_ultrasound_order_cites_the_bed_rest_that_made_dvt_likely() -> None:
    bed = found(F.BEDRIDDEN, quantity=Quantity(5, "d"), ref="Condition/bed")
    likely = card(Chart([calf_pain(), tender_deep_veins(), bed]), "dvt-likely")
    first = (likely.suggestions or [])[0]
    scan = (first.actions or [])[0].resource
    assert scan is not None and "ultrasound" in first.label.lower()
    assert {"reference": "Condition/bed"} in scan["reasonReference"]


@pytest.mark.parametrize(
    ("quantity", "why"),
    [(None, "difference not measured"), (Quantity(2, "[in_i]"), "unit '[in_i]'")],
)
def test_a_calf_difference_without_a_usable_measurement_is_not_documented_and_says_why(
    quantity: Quantity | None, why: str
) -> None:
    """Calf swelling recorded without a number, or in a unit the rule does not read (inches), is
    neither present nor absent: the item stays undocumented and the card says why."""
    swelling = found(F.CALF_DIFFERENCE, leg=LEFT, quantity=quantity, ref="Observation/calf")
    detail = card(Chart([calf_pain(), tender_deep_veins(), swelling]), "dvt-ddimer").detail
    assert f"| +1 | not documented | ? | {why} |" in (detail or "")


def assessment_context(*findings: Feature) -> dict[str, object]:
    """What the assessment app link of the undetermined DVT card asks (app configured)."""
    chart = Chart([calf_pain(), tender_deep_veins(), *findings])
    links = card(chart, "dvt-ddimer", smart_launch_url="https://app.example/launch").links or []
    (app,) = [link for link in links if link.type == "smart"]
    context: dict[str, object] = json.loads(app.appContext or "{}")
    return context


def test_the_assessment_link_asks_the_criteria_nobody_documented() -> None:
    """Bed rest, surgery and pitting oedema were never recorded either way: the app asks those
    Wells criteria (and the clinician's alternative-diagnosis judgement), nothing else."""
    context = assessment_context(
        Feature(F.BEDRIDDEN, State.UNKNOWN, reason="not documented"),
        Feature(F.RECENT_MAJOR_SURGERY, State.UNKNOWN, reason="not documented"),
        Feature(F.PITTING_OEDEMA, State.UNKNOWN, reason="not documented"),
    )
    assert context["leg"] == "left"
    assert context["undocumented"] == [
        "bedridden_or_surgery",
        "pitting_oedema",
        "alternative_diagnosis",
    ]


def test_the_assessment_link_asks_a_finding_documented_on_the_other_leg_only() -> None:
    context = assessment_context(found(F.PITTING_OEDEMA, leg=RIGHT))
    assert context["undocumented"] == ["pitting_oedema", "alternative_diagnosis"]


def test_a_recorded_homans_sign_is_shown_unscored_and_an_unrecorded_one_is_not_mentioned() -> None:
    """Pain on dorsiflexion adds no Wells points (NG158): when recorded the card shows it with 0
    points and says why; when nobody recorded it the card does not bring it up."""
    recorded = Chart([calf_pain(), tender_deep_veins(), found(F.PAIN_ON_DORSIFLEXION)])
    detail = card(recorded, "dvt-ddimer").detail or ""
    assert "| Pain on dorsiflexion (Homans' sign): not a Wells criterion | 0 | present | 0 |" in (
        detail
    )
    unrecorded = Chart(
        [calf_pain(), tender_deep_veins(), Feature(F.PAIN_ON_DORSIFLEXION, State.UNKNOWN)]
    )
    assert "Homans" not in (card(unrecorded, "dvt-ddimer").detail or "")
