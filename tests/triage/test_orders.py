"""Order-entry prompts spec: order-select / order-sign with draft orders."""

from __future__ import annotations

import pytest

from cards.models import Card
from fhir_mappings.features import Coding, DraftOrder, FeatureName
from tests.clinical.chart import calf_pain, ddimer, fs, present, run, wells_points
from tests.clinical.chart import card_topics as topics
from tests.triage.contract import check_cards

F = FeatureName


def draft(kind: str, *, selected: bool = True, ref: str | None = None) -> DraftOrder:
    resource_type = "MedicationRequest" if kind == "nsaid" else "ServiceRequest"
    return DraftOrder(
        reference=ref or f"{resource_type}/{kind}-1",
        resource_type=resource_type,
        kind=kind,
        concept=Coding("http://snomed.info/sct", "0", kind.title()),
        selected=selected,
    )


def action_summary(card: Card) -> list[list[tuple[str, str]]]:
    out = []
    for sugg in card.suggestions or []:
        row = []
        for action in sugg.actions or []:
            if action.type == "delete":
                row.append(("delete", str(action.resourceId)))
            else:
                assert action.resource is not None
                row.append((action.type, action.resource["code"]["coding"][0]["code"]))
        out.append(row)
    return out


@pytest.mark.parametrize("kind", ["physiotherapy", "massage", "compression"])
@pytest.mark.parametrize("hook", ["order-select", "order-sign"])
def test_risky_order_while_dvt_not_excluded_is_challenged(kind: str, hook: str) -> None:
    order = draft(kind)
    cards = run(fs(calf_pain(), *wells_points(1), draft_orders=[order]), hook=hook)
    check_cards(cards)
    assert topics(cards) == ["dvt-order-check"]
    card = cards[0]
    assert "ordered while DVT is not excluded: D-dimer first" in card.summary
    assert card.selectionBehavior == "at-most-one"
    assert action_summary(card) == [
        [("delete", order.reference), ("create", "48065-7")],
        [("create", "48065-7")],
    ]


@pytest.mark.parametrize("hook", ["order-select", "order-sign"])
def test_an_nsaid_keeps_the_analgesia_choice_and_adds_the_test(hook: str) -> None:
    """The reason is bleeding if anticoagulation starts; removing the NSAID is never the default."""
    order = draft("nsaid")
    cards = run(fs(calf_pain(), *wells_points(1), draft_orders=[order]), hook=hook)
    check_cards(cards)
    card = cards[0]
    assert "bleeding risk if anticoagulation starts" in card.summary
    assert "paracetamol" in card.summary
    assert "NSAID taken with an anticoagulant raises the risk of bleeding" in (card.detail or "")
    assert action_summary(card) == [
        [("create", "48065-7")],
        [("delete", order.reference), ("create", "48065-7")],
    ]
    suggestions = card.suggestions or []
    assert [s.isRecommended for s in suggestions] == [True, None]


def test_when_dvt_likely_the_replacement_is_the_ultrasound() -> None:
    cards = run(
        fs(calf_pain(), *wells_points(2), draft_orders=[draft("massage")]), hook="order-sign"
    )
    check_cards(cards)
    assert action_summary(cards[0])[0] == [
        ("delete", "ServiceRequest/massage-1"),
        ("create", "30881-7"),
    ]


def test_unselected_draft_is_ignored_on_order_select_but_checked_on_order_sign() -> None:
    features = fs(
        calf_pain(), *wells_points(1), draft_orders=[draft("physiotherapy", selected=False)]
    )
    assert run(features, hook="order-select") == []
    assert topics(run(features, hook="order-sign")) == ["dvt-order-check"]


def test_physiotherapy_after_dvt_excluded_is_fine() -> None:
    features = fs(
        calf_pain(), *wells_points(1), ddimers=[ddimer(300)], draft_orders=[draft("physiotherapy")]
    )
    assert run(features, hook="order-sign") == []


def test_physiotherapy_without_any_leg_trigger_is_fine() -> None:
    assert run(fs(draft_orders=[draft("physiotherapy")]), hook="order-select") == []


def test_massage_with_known_dvt_is_challenged_even_without_leg_symptoms() -> None:
    features = fs(present(F.CURRENT_DVT, ref="Condition/dvt"), draft_orders=[draft("massage")])
    cards = run(features, hook="order-select")
    check_cards(cards)
    assert topics(cards) == ["dvt-order-check"]
    assert action_summary(cards[0]) == [[("delete", "ServiceRequest/massage-1")]]


def test_ddimer_order_when_dvt_likely_suggests_ultrasound() -> None:
    cards = run(
        fs(calf_pain(), *wells_points(3), draft_orders=[draft("ddimer")]), hook="order-select"
    )
    check_cards(cards)
    assert topics(cards) == ["dvt-order-check"]
    assert cards[0].summary.startswith("D-dimer ordered but DVT likely (Wells 3)")
    assert action_summary(cards[0]) == [[("create", "30881-7")]]


def test_ddimer_order_with_ultrasound_already_drafted_is_fine() -> None:
    orders = [draft("ddimer"), draft("ultrasound", selected=False)]
    assert run(fs(calf_pain(), *wells_points(3), draft_orders=orders), hook="order-select") == []


def test_ddimer_order_when_dvt_unlikely_is_fine() -> None:
    features = fs(calf_pain(), *wells_points(1), draft_orders=[draft("ddimer")])
    assert run(features, hook="order-select") == []


def test_needed_test_already_drafted_is_not_created_twice() -> None:
    orders = [draft("physiotherapy"), draft("ddimer", selected=False)]
    cards = run(fs(calf_pain(), *wells_points(1), draft_orders=orders), hook="order-sign")
    check_cards(cards)
    assert action_summary(cards[0]) == [[("delete", "ServiceRequest/physiotherapy-1")]]


def test_order_sign_pe_red_flag_is_critical() -> None:
    features = fs(calf_pain(), present(F.DYSPNOEA), *wells_points(1), draft_orders=[draft("nsaid")])
    cards = run(features, hook="order-sign")
    check_cards(cards)
    assert topics(cards) == ["pe-emergency", "dvt-order-check"]
    assert cards[0].indicator == "critical"


def test_patient_view_ignores_draft_orders() -> None:
    features = fs(calf_pain(), *wells_points(1), draft_orders=[draft("physiotherapy")])
    assert topics(run(features)) == ["dvt-ddimer"]


def test_two_risky_orders_get_two_cards_with_distinct_ids() -> None:
    orders = [draft("physiotherapy"), draft("massage")]
    cards = run(fs(calf_pain(), *wells_points(1), draft_orders=orders), hook="order-sign")
    check_cards(cards)
    assert topics(cards) == ["dvt-order-check", "dvt-order-check"]
