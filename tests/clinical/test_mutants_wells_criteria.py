"""Wells DVT calf swelling and bilateral pitting oedema, as the card shows them and the assessment
link asks them (docs/clinical-basis.md §1.1, §1.10).

Each chart has calf pain on the left leg; the card's Wells table gives every criterion with the
evidence it was judged on, and the draft order cites the records the score rests on.
"""

from __future__ import annotations

import json

from fhir_mappings.features import Laterality, Quantity
from tests.clinical.chart import LEFT, Chart, F, calf_pain, card, found, tender_deep_veins

APP = "https://app.example/launch"


def test_the_card_shows_the_calf_difference_it_scored() -> None:
    """A 3.5 cm larger left calf scores the point; the evidence cell gives the difference in cm
    and the Observation it came from, so the clinician can check the measurement."""
    swelling = found(
        F.CALF_DIFFERENCE, leg=LEFT, quantity=Quantity(3.5, "cm"), ref="Observation/calf"
    )
    detail = card(Chart([calf_pain(), swelling]), "dvt-ddimer").detail or ""
    assert (
        "| Calf swelling ≥ 3 cm vs the other leg (10 cm below tibial tuberosity) | +1 | present "
        "| +1 | difference 3.5 cm; Observation/calf (2026-11-25) |"
    ) in detail


def test_the_ddimer_order_cites_a_calf_measurement_the_rule_could_not_read() -> None:
    """A calf difference in inches is not documented for Wells (the range stays 1–2), yet it is
    one of the records the undetermined score rests on: the draft D-dimer order cites it."""
    swelling = found(
        F.CALF_DIFFERENCE, leg=LEFT, quantity=Quantity(2, "[in_i]"), ref="Observation/calf"
    )
    ddimer_card = card(Chart([calf_pain(), tender_deep_veins(), swelling]), "dvt-ddimer")
    (order,) = [s for s in ddimer_card.suggestions or [] if "d-dimer" in s.label.lower()]
    resource = (order.actions or [])[0].resource
    assert resource is not None
    assert {"reference": "Observation/calf"} in resource["reasonReference"]


def test_wells_1997_asks_bilateral_pitting_oedema_as_undocumented() -> None:
    """Wells 1997 scores pitting oedema "greater in the symptomatic leg": oedema of both legs
    cannot say which is greater, so the item is not documented and the assessment link asks
    it. Wells 2003 ("confined to the symptomatic leg") scores it absent and the range is
    decided, so there is no link."""
    oedema = found(F.PITTING_OEDEMA, leg=Laterality.BILATERAL, ref="Observation/oedema")
    chart = Chart([calf_pain(), tender_deep_veins(), oedema])
    older = card(chart, "dvt-ddimer", wells_version="1997", smart_launch_url=APP)
    (app,) = [link for link in older.links or [] if link.type == "smart"]
    context = json.loads(app.appContext or "{}")
    assert context["undocumented"] == ["pitting_oedema", "alternative_diagnosis"]
    assert "| Pitting oedema greater in the leg | +1 | not documented | ? |" in (older.detail or "")
    nice = card(chart, "dvt-ddimer", wells_version="2003", smart_launch_url=APP)
    assert [link for link in nice.links or [] if link.type == "smart"] == []
    assert "| Pitting oedema confined to the symptomatic leg | +1 | absent | 0 |" in (
        nice.detail or ""
    )
