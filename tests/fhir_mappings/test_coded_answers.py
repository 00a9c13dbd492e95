"""A finding Observation answered "No" is a documented negative, not a finding.

Flowsheets and structured exam templates record a sign as an Observation whose value is a coded
or written answer (LOINC LA32-8 "No", SNOMED 373067005 "No", HL7 v2 "N", the word "No") rather
than ``valueBoolean``; read as "a value was recorded, so present", a "Haemoptysis: No" would raise
the PE emergency card. "Unknown" answers stay unknown, and any other value (a grade, a side)
still describes a finding that is there.
"""

from __future__ import annotations

from typing import Any

import pytest

from cds.settings import Settings
from cds.triage import card_topic, evaluate
from fhir_mappings.features import FeatureName, State

from .builders import LNC, SCT, concept, condition, observation, run

F = FeatureName
V2 = "http://terminology.hl7.org/CodeSystem/v2-0532"
V2_OLD = "http://terminology.hl7.org/CodeSystem/v2-0136"


def haemoptysis(**value: Any) -> dict[str, Any]:
    return observation(SCT, "66857006", rid="haem", **value)


def read(**value: Any) -> tuple[State, str | None]:
    got = run([haemoptysis(**value)]).get(F.HAEMOPTYSIS)
    return got.state, got.reason


@pytest.mark.parametrize(
    "answer",
    [
        concept(LNC, "LA32-8", "No"),
        concept(SCT, "373067005", "No"),
        concept(SCT, "2667000", "Absent"),
        concept(SCT, "272519000", "Absent"),
        concept(V2, "N", "No"),
        concept(V2_OLD, "N", "No"),
    ],
)
def test_a_coded_no_is_a_documented_negative(answer: dict[str, Any]) -> None:
    assert read(valueCodeableConcept=answer)[0] is State.ABSENT


@pytest.mark.parametrize(
    "answer",
    [
        concept(LNC, "LA33-6", "Yes"),
        concept(SCT, "373066001", "Yes"),
        concept(SCT, "52101004", "Present"),
        concept(V2, "Y", "Yes"),
        concept(SCT, "6736007", "Moderate"),  # a grade describes a finding that is there
    ],
)
def test_a_coded_yes_or_a_describing_value_is_present(answer: dict[str, Any]) -> None:
    assert read(valueCodeableConcept=answer)[0] is State.PRESENT


@pytest.mark.parametrize(
    "answer",
    [
        concept(LNC, "LA4489-6", "Unknown"),
        concept(SCT, "261665006", "Unknown"),
        concept(SCT, "373068000", "Undetermined"),
    ],
)
def test_a_coded_unknown_stays_unknown_and_says_so(answer: dict[str, Any]) -> None:
    state, reason = read(valueCodeableConcept=answer)
    assert state is State.UNKNOWN
    assert reason is not None and reason.startswith("recorded as ")


def test_contradicting_codings_are_unknown() -> None:
    both = {"coding": [*concept(LNC, "LA33-6")["coding"], *concept(SCT, "373067005")["coding"]]}
    assert read(valueCodeableConcept=both)[0] is State.UNKNOWN


@pytest.mark.parametrize(
    ("text", "state"),
    [
        ("No", State.ABSENT),
        (" no. ", State.ABSENT),
        ("Absent", State.ABSENT),
        ("none", State.ABSENT),
        ("Yes", State.PRESENT),
        ("Unknown", State.UNKNOWN),
        ("small streaks this morning", State.PRESENT),  # free text describing it
        ("not sure", State.PRESENT),  # only whole answers are read; the rest is as before
    ],
)
def test_an_answer_in_words_is_read_only_when_it_is_the_whole_value(
    text: str, state: State
) -> None:
    assert read(valueString=text)[0] is state


def test_an_observation_answered_no_raises_no_pe_card_end_to_end() -> None:
    """The whole path: mapped, then triaged, with calf pain and breathlessness answered No."""
    no = concept(LNC, "LA32-8", "No")
    resources = [
        condition(SCT, "300954003", rid="calf"),
        haemoptysis(valueCodeableConcept=no),
        observation(SCT, "267036007", rid="breath", valueCodeableConcept=no),
        observation(SCT, "29857009", rid="chest", valueString="No"),
    ]
    features = run(resources)
    assert features.get(F.DYSPNOEA).state is State.ABSENT
    cards = evaluate(features, hook="patient-view", settings=Settings(), hook_instance="h")
    assert "pe-emergency" not in {card_topic(card) for card in cards}
