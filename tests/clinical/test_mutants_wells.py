"""Wells DVT bed rest, as the card counts and explains it (docs/clinical-basis.md §1.1, §1.10).

Each chart has calf pain and tenderness along the deep veins (one point) on the left leg, so bed
rest decides between "DVT likely" (`dvt-likely`) and "DVT unlikely" (`dvt-ddimer`).
"""

from __future__ import annotations

import pytest

from fhir_mappings.features import Quantity
from tests.clinical.chart import Chart, F, calf_pain, card, found, tender_deep_veins, topics


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
