"""NICE NG158 pathway spec end to end through ``evaluate`` (docs/clinical-basis.md §1.3, §1.10)."""

from __future__ import annotations

import pytest

from cards.models import Card
from fhir_mappings.features import Certainty, FeatureName, Laterality
from tests.clinical.chart import (
    HOOK_INSTANCE,
    alternative,
    calf_pain,
    ddimer,
    fs,
    present,
    run,
    settings,
    wells_points,
)
from tests.clinical.chart import card_topics as topics
from tests.triage.contract import check_cards

F = FeatureName


def only(cards: list[Card]) -> Card:
    check_cards(cards)
    assert len(cards) == 1, [c.summary for c in cards]
    return cards[0]


def actions(card: Card) -> list[tuple[str, str]]:
    """(type, code) of every action, e.g. ("create", "30881-7")."""
    out: list[tuple[str, str]] = []
    for sugg in card.suggestions or []:
        for action in sugg.actions or []:
            code = ""
            if action.resource is not None:
                code = action.resource["code"]["coding"][0]["code"]
            out.append((action.type, code or str(action.resourceId)))
    return out


def test_no_leg_symptoms_no_cards() -> None:
    assert run(fs(*wells_points(3))) == []


def test_old_leg_symptoms_are_not_a_trigger() -> None:
    assert run(fs(present(F.CALF_PAIN, days_ago=30), *wells_points(3))) == []


@pytest.mark.parametrize("points", [2, 3, 9])
def test_dvt_likely_asks_for_ultrasound_within_4_hours(points: int) -> None:
    card = only(run(fs(calf_pain(), *wells_points(points))))
    assert topics([card]) == ["dvt-likely"]
    assert card.indicator == "warning"
    assert card.summary == f"DVT likely (Wells {points}): proximal leg vein ultrasound within 4 h"
    assert ("create", "30881-7") in actions(card)
    assert "| Criterion | Points |" in (card.detail or "")
    assert card.suggestions and card.suggestions[0].isRecommended


@pytest.mark.parametrize("points", [0, 1])
def test_dvt_unlikely_asks_for_ddimer(points: int) -> None:
    card = only(run(fs(calf_pain(), *wells_points(points))))
    assert topics([card]) == ["dvt-ddimer"]
    assert card.summary.startswith(f"DVT unlikely (Wells {points}): D-dimer now")
    assert actions(card) == [("create", "48065-7")]


def test_lowest_score_minus_two_with_asserted_alternative_still_needs_ddimer() -> None:
    card = only(run(fs(calf_pain(), alternatives=[alternative()])))
    assert "Wells -2" in card.summary
    assert topics([card]) == ["dvt-ddimer"]


def test_unlikely_with_positive_ddimer_asks_for_scan() -> None:
    card = only(run(fs(calf_pain(), *wells_points(1), ddimers=[ddimer(612)])))
    assert topics([card]) == ["dvt-ddimer"]
    assert card.summary.startswith("D-dimer positive (612 ng/mL FEU), Wells 1")
    assert actions(card) == [("create", "30881-7")]
    assert "cut-off 500 ng/mL FEU" in (card.detail or "")


def test_unlikely_with_negative_ddimer_excludes_dvt_and_is_silent_without_msk() -> None:
    assert run(fs(calf_pain(), *wells_points(1), ddimers=[ddimer(300)])) == []


def test_likely_with_negative_ddimer_still_needs_the_scan() -> None:
    card = only(run(fs(calf_pain(), *wells_points(2), ddimers=[ddimer(300)])))
    assert topics([card]) == ["dvt-likely"]
    assert "300 ng/mL FEU" in (card.detail or "")


def test_undocumented_criteria_straddling_the_threshold_are_not_excluded() -> None:
    card = only(run(fs(calf_pain(), all_documented=False)))
    assert topics([card]) == ["dvt-ddimer"]
    assert card.summary.startswith(
        "Wells 0–9 so far (9 criteria undocumented): examine and document, then D-dimer"
    )
    assert "could change" in (card.detail or "")


def test_straddling_range_with_negative_ddimer_asks_to_document_not_to_discharge() -> None:
    features = fs(
        calf_pain(),
        present(F.MUSCLE_STRAIN),
        present(F.WALKING_DIFFICULTY),
        ddimers=[ddimer(300)],
        all_documented=False,
    )
    cards = run(features)
    check_cards(cards)
    assert topics(cards) == ["dvt-ddimer"]
    assert "document 9 criteria" in cards[0].summary


def test_alternative_flip_is_flagged_on_the_likely_card() -> None:
    card = only(run(fs(calf_pain(), *wells_points(2), alternatives=[alternative(asserted=False)])))
    assert topics([card]) == ["dvt-likely"]
    assert "0 if the alternative diagnosis is judged as likely" in card.summary
    assert "would change DVT likely to DVT unlikely" in (card.detail or "")


def test_asserted_alternative_turns_likely_into_unlikely_and_says_so() -> None:
    card = only(run(fs(calf_pain(), *wells_points(2), alternatives=[alternative()])))
    assert card.summary.startswith("DVT unlikely (Wells 0; 2 without the asserted −2)")
    detail = card.detail or ""
    assert "without it Wells would be 2 (DVT likely)" in detail
    assert "cellulitis and superficial thrombophlebitis can coexist with DVT" in detail


def test_an_asserted_alternative_that_changes_nothing_is_not_flagged() -> None:
    card = only(run(fs(calf_pain(), *wells_points(5), alternatives=[alternative()])))
    assert card.summary.startswith("DVT likely (Wells 3)")
    assert "without it" not in (card.detail or "")


@pytest.mark.parametrize(("version", "expected"), [("2003", "dvt-likely"), ("1997", "dvt-ddimer")])
def test_calf_difference_of_3_cm_decides_the_pathway_by_version(
    version: str, expected: str
) -> None:
    from tests.clinical.chart import calf_difference

    features = fs(calf_pain(), present(F.ACTIVE_CANCER), calf_difference(3.0))
    card = only(run(features, config=settings(wells_version=version)))  # type: ignore[arg-type]
    assert topics([card]) == [expected]


def test_dvt_likely_never_comes_with_physiotherapy() -> None:
    features = fs(
        calf_pain(),
        *wells_points(3),
        present(F.MUSCLE_STRAIN),
        present(F.WALKING_DIFFICULTY),
        present(F.RECURRENT_PAIN),
    )
    cards = run(features)
    check_cards(cards)
    assert topics(cards) == ["dvt-likely"]


@pytest.mark.parametrize(
    ("extra", "age", "sex"),
    [((present(F.PREGNANCY),), 30, "female"), ((), 17, "male")],
)
def test_pregnancy_and_under_18_are_outside_the_pathway(
    extra: tuple[object, ...], age: int, sex: str
) -> None:
    card = only(run(fs(calf_pain(), *wells_points(3), *extra, age=age, sex=sex)))  # type: ignore[arg-type]
    assert topics([card]) == ["dvt-outside-pathway"]
    assert "outside NICE NG158" in card.summary


def test_age_18_is_inside_the_pathway() -> None:
    assert topics(run(fs(calf_pain(), *wells_points(3), age=18))) == ["dvt-likely"]


def test_confirmed_current_dvt_needs_no_pathway_card_and_blocks_msk() -> None:
    features = fs(
        calf_pain(),
        present(F.CURRENT_DVT, ref="Condition/dvt"),
        present(F.MUSCLE_STRAIN),
        present(F.WALKING_DIFFICULTY),
    )
    assert run(features) == []


def test_suspected_current_dvt_runs_the_pathway() -> None:
    suspected = present(F.CURRENT_DVT, certainty=Certainty.PROVISIONAL)
    assert topics(run(fs(calf_pain(), suspected, *wells_points(1)))) == ["dvt-ddimer"]


def test_same_input_same_cards() -> None:
    features = fs(calf_pain(), *wells_points(3), present(F.DYSPNOEA))
    first = [c.model_dump() for c in run(features)]
    second = [c.model_dump() for c in run(features)]
    assert first == second
    other = run(features, config=None)
    assert [c.uuid for c in other] == [c["uuid"] for c in first]


def test_ids_differ_per_hook_instance() -> None:
    from cds.triage import evaluate

    features = fs(calf_pain(), *wells_points(3))
    a = evaluate(features, hook="patient-view", settings=settings(), hook_instance=HOOK_INSTANCE)
    b = evaluate(features, hook="patient-view", settings=settings(), hook_instance="other")
    assert a[0].uuid != b[0].uuid


def test_card_explains_the_wells_table_and_sources() -> None:
    card = only(run(fs(calf_pain(Laterality.RIGHT), *wells_points(2, Laterality.RIGHT))))
    detail = card.detail or ""
    assert "on the right leg" in detail
    assert "Active cancer" in detail and "Condition/cancer" in detail
    assert "https://www.nice.org.uk/guidance/ng158" in detail
    assert card.suggestions and card.suggestions[0].actions
    body = card.suggestions[0].actions[0].resource
    assert body is not None
    assert {"reference": "Condition/cancer"} in body["reasonReference"]
    assert body["bodySite"][0]["coding"][1]["code"] == "24028007"  # right


def test_symmetrical_bilateral_swelling_alone_is_not_a_dvt_picture() -> None:
    from fhir_mappings.features import Feature, State

    both = Feature(
        F.LEG_SWELLING,
        State.PRESENT,
        present(F.LEG_SWELLING).evidence,
        laterality=Laterality.BILATERAL,
    )
    assert run(fs(both, present(F.BILATERAL_LEG_SWELLING))) == []


def test_bilateral_swelling_with_asymmetric_calves_is_a_dvt_picture() -> None:
    from fhir_mappings.features import Feature, State
    from tests.clinical.chart import calf_difference

    both = Feature(
        F.LEG_SWELLING,
        State.PRESENT,
        present(F.LEG_SWELLING).evidence,
        laterality=Laterality.BILATERAL,
    )
    assert topics(run(fs(both, calf_difference(3.0)))) == ["dvt-ddimer"]


def test_alternative_diagnosis_on_the_other_leg_is_never_applied() -> None:
    from tests.clinical.chart import ev

    left_cellulitis = alternative()
    left_cellulitis = type(left_cellulitis)(
        kind="cellulitis",
        evidence=ev("Condition/cellulitis", lat=Laterality.LEFT),
        current_episode=True,
        clinician_asserted=True,
    )
    right = Laterality.RIGHT
    card = only(run(fs(calf_pain(right), *wells_points(2, right), alternatives=[left_cellulitis])))
    assert topics([card]) == ["dvt-likely"]
    assert "Wells 2" in card.summary
    assert "other leg: not applied" in (card.detail or "")


def test_negative_score_ranges_read_clearly() -> None:
    card = only(run(fs(calf_pain(), alternatives=[alternative()], all_documented=False)))
    assert "Wells -2 to 7 so far" in card.summary


def test_anticoagulated_patient_is_sent_to_ultrasound_not_a_useless_ddimer() -> None:
    from datetime import timedelta

    from tests.clinical.chart import NOW

    features = fs(
        calf_pain(),
        *wells_points(0),
        ddimers=[ddimer(300, hours_ago=2)],
        anticoagulation_started=NOW - timedelta(hours=20),
    )
    card = only(run(features))
    assert topics([card]) == ["dvt-ddimer"]
    assert "on anticoagulation" in card.summary
    assert actions(card) == [("create", "30881-7")]
    assert "taken after anticoagulation started" in (card.detail or "")


def test_negative_ddimer_with_anticoagulant_of_unknown_start_does_not_exclude() -> None:
    features = fs(
        calf_pain(),
        present(F.ANTICOAGULANT, ref="MedicationRequest/doac"),
        present(F.MUSCLE_STRAIN),
        present(F.WALKING_DIFFICULTY),
        ddimers=[ddimer(300)],
    )
    cards = run(features)
    check_cards(cards)
    assert topics(cards) == ["dvt-ddimer"]


@pytest.mark.parametrize(("age", "reminded"), [(30, True), (55, True), (67, False)])
def test_pregnancy_not_documented_reminder_for_women(age: int, reminded: bool) -> None:
    card = only(run(fs(calf_pain(), *wells_points(3), age=age, sex="female")))
    assert ("Pregnancy status is not documented" in (card.detail or "")) is reminded
