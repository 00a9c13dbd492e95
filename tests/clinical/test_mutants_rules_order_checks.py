"""Order-entry prompts while DVT is not excluded (docs/clinical-basis.md §1.9, §1.15):
physiotherapy, massage or compression over a possible DVT, an NSAID before anticoagulation may
start, and a D-dimer when Wells says DVT likely (NICE NG158 sends the patient to ultrasound).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from cards.models import Card
from cds.hooks import HookName
from cds.settings import Settings
from cds.triage import card_topic, evaluate
from fhir_mappings.features import Coding, DraftOrder, Feature, Laterality, State
from tests.clinical.chart import Chart, F, calf_pain, ddimer, found, tender_deep_veins

NG158 = "Sources: [NICE NG158](https://www.nice.org.uk/guidance/ng158/chapter/Recommendations)"
WHY_NOT_EXCLUDED = (
    "{kind} for calf pain before DVT is excluded treats a symptom of a possibly undiagnosed "
    "DVT; NICE NG158 asks for {action} first."
)
NSAID_WHY = (
    "If DVT is confirmed, anticoagulation starts, and an NSAID taken with an anticoagulant raises "
    "the risk of bleeding (BNF interactions; NICE CKS, NSAIDs: prescribing issues). The choice of "
    "analgesia stays with you: paracetamol is an option while DVT is being excluded. DVT is not "
    "excluded yet: NICE NG158 asks for D-dimer."
)


def draft(kind: str, display: str | None = None, *, selected: bool = True) -> DraftOrder:
    concept = Coding("http://snomed.info/sct", "0", display) if display else None
    return DraftOrder(f"ServiceRequest/{kind}", "ServiceRequest", kind, concept, selected)


def checks(chart: Chart, *orders: DraftOrder, hook: HookName = "order-sign") -> list[Card]:
    features = replace(chart.feature_set(), draft_orders=list(orders))
    shown = evaluate(features, hook=hook, settings=Settings(), hook_instance="h")
    return [c for c in shown if card_topic(c) == "dvt-order-check"]


def check(chart: Chart, *orders: DraftOrder) -> Card:
    (shown,) = checks(chart, *orders)
    return shown


def offered(shown: Card) -> list[tuple[str, bool | None, list[tuple[str, str]]]]:
    """Each suggestion: label, recommended, and its actions (type, description)."""
    return [
        (
            s.label,
            s.isRecommended,
            [(a.type, a.description) for a in s.actions or []],
        )
        for s in shown.suggestions or []
    ]


def resource(shown: Card, suggestion: int, action: int) -> dict[str, Any]:
    return ((shown.suggestions or [])[suggestion].actions or [])[action].resource or {}


def detail(shown: Card) -> list[str]:
    return (shown.detail or "").splitlines()


def test_physiotherapy_while_a_ddimer_is_the_next_test_is_replaced_by_the_ddimer() -> None:
    shown = check(Chart([calf_pain()]), draft("physiotherapy", "Physiotherapy referral"))
    assert shown.indicator == "warning"
    assert shown.summary == (
        "Physiotherapy ordered while DVT is not excluded: D-dimer first (NICE NG158)"
    )
    assert detail(shown) == [
        "Draft order: Physiotherapy referral (ServiceRequest/physiotherapy).",
        "",
        "Leg findings: calf pain. Wells: 0.",
        "",
        WHY_NOT_EXCLUDED.format(kind="Physiotherapy", action="D-dimer"),
        "",
        NG158,
    ]
    create = ("create", "Create a draft D-dimer order")
    assert offered(shown) == [
        (
            "Replace with D-dimer",
            True,
            [("delete", "Remove the draft physiotherapy order"), create],
        ),
        ("Keep the order and add D-dimer", None, [create]),
    ]
    test = resource(shown, 0, 1)
    assert test["priority"] == "stat"
    assert test["note"] == [{"text": "Result needed within 4 h (NICE NG158)."}]
    assert test["reasonCode"] == [{"text": "Suspected DVT (NICE NG158)"}]
    assert "bodySite" not in test


def test_an_nsaid_keeps_the_analgesia_choice_and_adds_the_test() -> None:
    shown = check(Chart([calf_pain()]), draft("nsaid", "Ibuprofen 400 mg"))
    assert shown.summary == (
        "NSAID while DVT is not excluded: bleeding risk if anticoagulation starts; consider "
        "paracetamol, add the D-dimer"
    )
    assert detail(shown)[4] == NSAID_WHY
    create = ("create", "Create a draft D-dimer order")
    assert offered(shown) == [
        ("Keep the analgesia choice and add D-dimer", True, [create]),
        (
            "Remove the NSAID order and add D-dimer",
            None,
            [("delete", "Remove the draft NSAID order"), create],
        ),
    ]


def test_an_nsaid_with_the_test_already_drafted_does_not_ask_to_add_it() -> None:
    shown = check(Chart([calf_pain()]), draft("nsaid", "Ibuprofen"), draft("ddimer"))
    assert shown.summary == (
        "NSAID while DVT is not excluded: bleeding risk if anticoagulation starts; consider "
        "paracetamol until the drafted D-dimer is back"
    )
    assert detail(shown)[4] == NSAID_WHY.replace(
        "asks for D-dimer.", "asks for D-dimer, already among the draft orders."
    )
    assert offered(shown) == [
        ("Remove the NSAID order", None, [("delete", "Remove the draft NSAID order")])
    ]


def test_an_nsaid_beside_a_drafted_ddimer_while_dvt_is_likely_asks_for_the_ultrasound() -> None:
    likely = Chart([calf_pain(), tender_deep_veins(), found(F.ENTIRE_LEG_SWOLLEN)])
    shown = checks(likely, draft("nsaid", "Ibuprofen"), draft("ddimer"))
    (nsaid,) = [c for c in shown if c.summary.startswith("NSAID")]
    assert nsaid.summary == (
        "NSAID while DVT is not excluded: bleeding risk if anticoagulation starts; consider "
        "paracetamol, add the proximal leg vein ultrasound"
    )
    scan = ("create", "Create a draft proximal leg vein ultrasound order")
    assert offered(nsaid)[0] == (
        "Keep the analgesia choice and add proximal leg vein ultrasound",
        True,
        [scan],
    )


def test_an_nsaid_beside_a_drafted_ultrasound_waits_for_the_scan() -> None:
    likely = Chart([calf_pain(), tender_deep_veins(), found(F.ENTIRE_LEG_SWOLLEN)])
    (nsaid,) = checks(likely, draft("nsaid", "Ibuprofen"), draft("ultrasound"))
    assert nsaid.summary == (
        "NSAID while DVT is not excluded: bleeding risk if anticoagulation starts; consider "
        "paracetamol until the drafted ultrasound is back"
    )


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("physiotherapy", "physiotherapy"),
        ("massage", "massage"),
        ("compression", "compression"),
        ("nsaid", "NSAID"),
    ],
)
def test_every_order_kind_reads_as_written_inside_a_sentence(kind: str, words: str) -> None:
    """An order without a display is named by its kind: an acronym keeps its capitals."""
    shown = check(Chart([calf_pain()]), draft(kind))
    assert detail(shown)[0] == f"Draft order: {words} (ServiceRequest/{kind})."
    removals = [
        a.description
        for s in shown.suggestions or []
        for a in s.actions or []
        if a.type == "delete"
    ]
    assert set(removals) == {f"Remove the draft {words} order"}


def test_a_ddimer_when_dvt_is_likely_gets_an_ultrasound_on_the_painful_leg() -> None:
    likely = Chart([calf_pain(), tender_deep_veins(), found(F.ENTIRE_LEG_SWOLLEN)])
    shown = check(likely, draft("ddimer"))
    assert shown.summary == (
        "D-dimer ordered but DVT likely (Wells 2): order a proximal leg vein ultrasound too"
    )
    assert detail(shown) == [
        "Draft order: D-dimer (ServiceRequest/ddimer).",
        "",
        "Leg findings: calf pain, entire leg swollen, tenderness along the deep veins. Wells: 2.",
        "",
        "Wells 2 means DVT likely: NG158 asks for a proximal leg vein ultrasound with the result "
        "within 4 h; the D-dimer is for a negative scan or when the scan is delayed (then before "
        "interim anticoagulation).",
        "",
        NG158,
    ]
    assert offered(shown) == [
        (
            "Add a proximal leg vein ultrasound (keep the D-dimer)",
            True,
            [("create", "Create a draft proximal leg vein ultrasound order")],
        )
    ]
    scan = resource(shown, 0, 0)
    assert scan["note"] == [{"text": "Result needed within 4 h (NICE NG158)."}]
    assert scan["bodySite"][0]["text"] == "Left lower limb"


def test_a_ddimer_beside_a_drafted_ultrasound_or_while_dvt_is_unlikely_is_not_questioned() -> None:
    likely = Chart([calf_pain(), tender_deep_veins(), found(F.ENTIRE_LEG_SWOLLEN)])
    assert not checks(likely, draft("ddimer"), draft("ultrasound"))
    assert not checks(Chart([calf_pain()]), draft("ddimer"))


def test_order_select_checks_the_selected_orders_only() -> None:
    chart = Chart([calf_pain()])
    assert not checks(chart, draft("massage", selected=False), hook="order-select")
    assert len(checks(chart, draft("massage", selected=False), hook="order-sign")) == 1
    assert len(checks(chart, draft("massage"), hook="order-select")) == 1


def test_each_risky_order_gets_its_own_card() -> None:
    shown = checks(Chart([calf_pain()]), draft("massage"), draft("compression"))
    assert [c.summary.split(" ordered")[0] for c in shown] == ["Massage", "Compression"]
    assert len({c.uuid for c in shown}) == 2


def not_excluded(chart: Chart, kind: str = "massage") -> tuple[str, list[str], list[Any]]:
    shown = check(chart, draft(kind))
    return shown.summary, detail(shown), offered(shown)


def test_outside_the_pathway_the_order_waits_for_specialist_assessment() -> None:
    pregnant = Chart([calf_pain(), found(F.PREGNANCY)], sex="female", age=30)
    summary, lines, suggestions = not_excluded(pregnant, "compression")
    assert summary == (
        "Compression ordered while DVT is not excluded: specialist assessment first (NICE NG158)"
    )
    assert lines[2] == "Leg findings: calf pain. Wells: not scored."
    assert lines[4] == WHY_NOT_EXCLUDED.format(kind="Compression", action="specialist assessment")
    assert suggestions == [
        ("Remove the order", True, [("delete", "Remove the draft compression order")])
    ]


def test_with_a_known_dvt_the_order_waits_for_its_treatment() -> None:
    summary, lines, _ = not_excluded(Chart([found(F.CURRENT_DVT, ref="Condition/dvt")]))
    assert summary == (
        "Massage ordered while DVT is not excluded: treatment of the DVT first (NICE NG158)"
    )
    assert lines[2] == "Leg findings: current DVT. Wells: not scored."


def test_with_a_known_pe_the_order_waits_for_its_treatment() -> None:
    chart = Chart([calf_pain(), found(F.CURRENT_PE, ref="Condition/pe")])
    summary, _, _ = not_excluded(chart)
    assert summary == (
        "Massage ordered while DVT is not excluded: treatment of the PE first (NICE NG158)"
    )


def test_an_incomplete_wells_with_a_negative_ddimer_asks_to_complete_the_score() -> None:
    """Wells 1-2 and a negative D-dimer: NG158 names no test until the score is complete."""
    chart = Chart(
        [
            calf_pain(),
            tender_deep_veins(),
            Feature(F.COLLATERAL_VEINS, State.UNKNOWN, reason="not documented"),
        ],
        ddimers=[ddimer(300)],
    )
    summary, _, suggestions = not_excluded(chart, "physiotherapy")
    assert summary == (
        "Physiotherapy ordered while DVT is not excluded: completing the Wells score first "
        "(NICE NG158)"
    )
    assert suggestions == [
        ("Remove the order", True, [("delete", "Remove the draft physiotherapy order")])
    ]


PRELIMINARY = ddimer(300, preliminary=True)
AWAITING_WHY = (
    "{kind} for calf pain before DVT is excluded treats a symptom of a possibly undiagnosed "
    "DVT; the D-dimer on record is negative but preliminary: its final result is awaited (no new "
    "D-dimer)."
)


@pytest.mark.parametrize(
    "findings",
    [
        [calf_pain()],
        [
            calf_pain(),
            tender_deep_veins(),
            Feature(F.COLLATERAL_VEINS, State.UNKNOWN, reason="not documented"),
        ],
    ],
    ids=["wells-0", "wells-incomplete"],
)
def test_physiotherapy_beside_a_preliminary_negative_ddimer_awaits_its_final_result(
    findings: list[Feature],
) -> None:
    """The D-dimer is done: the prompt waits for its final result and orders no new one (nor
    does it ask to complete the Wells score before that result)."""
    summary, lines, suggestions = not_excluded(
        Chart(findings, ddimers=[PRELIMINARY]), "physiotherapy"
    )
    assert summary == (
        "Physiotherapy ordered while DVT is not excluded: D-dimer preliminary, await the final "
        "result (NICE NG158)"
    )
    assert lines[4] == AWAITING_WHY.format(kind="Physiotherapy")
    assert suggestions == [
        ("Remove the order", True, [("delete", "Remove the draft physiotherapy order")])
    ]


def test_an_nsaid_beside_a_preliminary_negative_ddimer_keeps_its_reason_and_awaits_the_result() -> (
    None
):
    shown = check(Chart([calf_pain()], ddimers=[PRELIMINARY]), draft("nsaid", "Ibuprofen"))
    assert shown.summary == (
        "NSAID while DVT is not excluded: bleeding risk if anticoagulation starts; consider "
        "paracetamol until the final D-dimer result is back"
    )
    assert detail(shown)[4] == NSAID_WHY.replace(
        "DVT is not excluded yet: NICE NG158 asks for D-dimer.",
        "DVT is not excluded yet; the D-dimer on record is negative but preliminary: its final "
        "result is awaited (no new D-dimer).",
    )
    assert offered(shown) == [
        ("Remove the NSAID order", None, [("delete", "Remove the draft NSAID order")])
    ]


@pytest.mark.parametrize(
    ("chart", "test"),
    [
        (
            Chart([calf_pain(), found(F.ANTICOAGULANT)], ddimers=[PRELIMINARY]),
            "proximal leg vein ultrasound",
        ),
        (
            Chart([calf_pain()], ddimers=[ddimer(900, preliminary=True)]),
            "proximal leg vein ultrasound",
        ),
    ],
    ids=["preliminary-negative-anticoagulated", "preliminary-positive"],
)
def test_a_preliminary_ddimer_that_leads_to_the_scan_asks_for_the_scan(
    chart: Chart, test: str
) -> None:
    summary, _, suggestions = not_excluded(chart, "physiotherapy")
    assert summary == (
        f"Physiotherapy ordered while DVT is not excluded: {test} first (NICE NG158)"
    )
    assert suggestions[0][0] == f"Replace with {test}"


def test_a_negative_ddimer_beside_an_anticoagulant_without_a_start_asks_for_the_scan() -> None:
    """Wells 0 is complete, but the negative D-dimer may have been taken on the anticoagulant:
    the scan decides, as the DVT card says, not the Wells score."""
    chart = Chart([calf_pain(), found(F.ANTICOAGULANT)], ddimers=[ddimer(300)])
    summary, _, suggestions = not_excluded(chart, "massage")
    assert summary == (
        "Massage ordered while DVT is not excluded: proximal leg vein ultrasound first (NICE NG158)"
    )
    assert [label for label, _, _ in suggestions] == [
        "Replace with proximal leg vein ultrasound",
        "Keep the order and add proximal leg vein ultrasound",
    ]


def test_no_prompt_once_dvt_is_excluded() -> None:
    assert not checks(Chart([calf_pain()], ddimers=[ddimer(300)]), draft("physiotherapy"))


def test_every_card_and_suggestion_of_a_response_has_its_own_id_and_the_test_is_one_order() -> None:
    """Four risky drafts give four cards; accepting the D-dimer on any of them creates the same
    draft D-dimer, never two."""
    shown = checks(
        Chart([calf_pain()]),
        draft("physiotherapy"),
        draft("massage"),
        DraftOrder("MedicationRequest/ibuprofen", "MedicationRequest", "nsaid", None, True),
        DraftOrder("MedicationRequest/naproxen", "MedicationRequest", "nsaid", None, True),
    )
    assert len(shown) == 4
    assert len({c.uuid for c in shown}) == 4
    suggestions = [s.uuid for c in shown for s in c.suggestions or []]
    assert len(suggestions) == 8
    assert len(set(suggestions)) == 8
    tests = {
        (a.resource or {})["id"]
        for c in shown
        for s in c.suggestions or []
        for a in s.actions or []
        if a.type == "create"
    }
    assert len(tests) == 1


def test_every_prompt_links_nice_ng158() -> None:
    shown = check(Chart([calf_pain()]), draft("massage"))
    assert [(link.label, link.url) for link in shown.links or []] == [
        ("NICE NG158", "https://www.nice.org.uk/guidance/ng158/chapter/Recommendations")
    ]


def test_a_ddimer_beside_sudden_severe_swelling_gets_an_ultrasound_whatever_the_score() -> None:
    chart = Chart([calf_pain(), found(F.SUDDEN_SEVERE_SWELLING, leg=Laterality.LEFT)])
    shown = check(chart, draft("ddimer"))
    assert shown.summary.startswith("D-dimer ordered but DVT likely (Wells 0)")


def test_an_ultrasound_for_a_leg_without_a_recorded_side_names_no_side() -> None:
    unsided = Chart(
        [found(F.CALF_PAIN), found(F.DEEP_VEIN_TENDERNESS), found(F.ENTIRE_LEG_SWOLLEN)]
    )
    scan = resource(check(unsided, draft("ddimer")), 0, 0)
    assert len(scan["bodySite"][0]["coding"]) == 1
    assert "text" not in scan["bodySite"][0]


def test_an_nsaid_outside_the_pathway_waits_for_specialist_assessment() -> None:
    pregnant = Chart([calf_pain(), found(F.PREGNANCY)], sex="female", age=30)
    shown = check(pregnant, draft("nsaid"))
    assert shown.summary == (
        "NSAID while DVT is not excluded: bleeding risk if anticoagulation starts; consider "
        "paracetamol, specialist assessment first"
    )
