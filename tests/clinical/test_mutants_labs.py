"""A laboratory result's status, from the EHR's Observation to the cramp card
(docs/clinical-basis.md §1.9).

A preliminary electrolyte or creatine kinase result may still change: the cramp card does not
judge it (no "low potassium" or "CK raised" warning) until the final result arrives. The mapping
(``extract_features``) carries the status over; the triage (``evaluate``) reads it.
"""

from __future__ import annotations

from typing import Any

import pytest

from cds.settings import Settings
from cds.triage import card_topic, evaluate
from cds.triage.thresholds import DEFAULT_LAB_RECENT_DAYS
from fhir_mappings.features import Certainty, Laterality, State
from tests.clinical.chart import F, found
from tests.fhir_mappings.builders import LEFT, LNC, LOCAL, RIGHT, SCT, observation, qty, run, site

# (analyte, LOINC code, a value the cramp card flags when final, unit, upper reference limit)
ABNORMAL = [
    ("potassium", "2823-3", 3.0, "mmol/L", None),  # below 3.5 mmol/L
    ("magnesium", "2601-3", 0.5, "mmol/L", None),  # below 0.7 mmol/L
    ("calcium", "2000-8", 1.9, "mmol/L", None),  # below 2.12 mmol/L
    ("creatine_kinase", "2157-6", 900, "U/L", 200),  # 3 times the upper limit or more
]


def lab_observation(code: str, value: float, unit: str, high: float | None, status: str) -> Any:
    extra: dict[str, Any] = {"valueQuantity": qty(value, unit)}
    if high is not None:
        extra["referenceRange"] = [{"high": qty(high, unit)}]
    return observation(LNC, code, status=status, days_ago=1, **extra)


def cramp_indicator(resource: Any) -> str:
    features = run([resource])
    features.features[F.CRAMP] = found(F.CRAMP)
    cards = evaluate(
        features, hook="patient-view", settings=Settings(), hook_instance="mutants-labs"
    )
    return next(c.indicator for c in cards if card_topic(c) == "cramp")


@pytest.mark.parametrize(("analyte", "code", "value", "unit", "high"), ABNORMAL)
def test_a_preliminary_electrolyte_or_ck_result_is_marked_preliminary(
    analyte: str, code: str, value: float, unit: str, high: float | None
) -> None:
    preliminary = run([lab_observation(code, value, unit, high, "preliminary")])
    assert preliminary.labs[analyte][0].preliminary
    final = run([lab_observation(code, value, unit, high, "final")])
    assert not final.labs[analyte][0].preliminary


@pytest.mark.parametrize(("analyte", "code", "value", "unit", "high"), ABNORMAL)
def test_the_cramp_card_judges_the_final_result_not_the_preliminary_one(
    analyte: str, code: str, value: float, unit: str, high: float | None
) -> None:
    assert cramp_indicator(lab_observation(code, value, unit, high, "final")) == "warning"
    assert cramp_indicator(lab_observation(code, value, unit, high, "preliminary")) != "warning"


@pytest.mark.parametrize(
    ("status", "certainty", "note"),
    [("preliminary", Certainty.PROVISIONAL, "preliminary"), ("final", Certainty.CONFIRMED, None)],
)
def test_a_lab_result_cites_its_observation_as_the_card_shows_it(
    status: str, certainty: Certainty, note: str | None
) -> None:
    """The evidence a card cites for a potassium result: the Observation, its code, the value as
    sent, when it was taken, the encounter, and whether the lab still calls it preliminary."""
    resource = lab_observation("2823-3", 3.0, "mmol/L", None, status)
    resource["encounter"] = {"reference": "Encounter/e1"}
    result = run([resource]).labs["potassium"][0]
    evidence = result.evidence
    assert result.original == evidence.value == "3.0 mmol/L"
    assert evidence.reference == "Observation/o1"
    assert evidence.concept is not None and evidence.concept.code == "2823-3"
    assert evidence.time == result.time is not None
    assert evidence.encounter == "Encounter/e1"
    assert (evidence.certainty, evidence.note) == (certainty, note)


def test_a_ddimer_cites_its_observation_with_the_kind_and_the_labs_flag() -> None:
    flag = {"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"}
    resource = observation(
        LNC,
        "48065-7",
        status="preliminary",
        valueQuantity=qty(700, "ng/mL"),
        interpretation=[{"coding": [{**flag, "code": "H"}]}],
    )
    result = run([resource]).ddimers[0]
    assert result.original == result.evidence.value == "700 ng/mL FEU"
    assert result.interpretation == "H" and result.preliminary


def test_unreadable_or_old_results_are_reported_as_skipped_with_the_reason() -> None:
    """Not found is not absent: a result the mapping cannot use is reported, with its record and
    the reason, so the card can say what was not counted."""
    no_value = observation(LNC, "2823-3", rid="k1", dataAbsentReason={"text": "haemolysed"})
    old = observation(LNC, "48065-7", rid="d1", days_ago=400, valueQuantity=qty(300, "ng/mL"))
    skipped = {(s.reference, s.reason) for s in run([no_value, old]).skipped}
    assert ("Observation/k1", "potassium: value unknown (data absent: haemolysed)") in skipped
    assert any(
        ref == "Observation/d1" and reason.startswith("D-dimer: older than ")
        for ref, reason in skipped
    )


def calf_components(*sides: tuple[str, str, float]) -> Any:
    """A calf-circumference Observation with one component per (code system, side code, cm),
    each named "calf circumference" without a side in its text."""
    components = [
        {
            "code": {"coding": [{"system": system, "code": side}], "text": "calf circumference"},
            "valueQuantity": qty(cm, "cm"),
        }
        for system, side, cm in sides
    ]
    return observation(LOCAL, "calf-circumference", component=components)


def test_calf_circumference_components_are_placed_on_a_leg_by_their_snomed_side_code() -> None:
    """Left 40 cm, right 36 cm, each side given only as a SNOMED CT laterality code: the left calf
    is 4 cm larger."""
    coded = calf_components((SCT, LEFT, 40), (SCT, RIGHT, 36))
    difference = run([coded]).get(F.CALF_DIFFERENCE)
    assert difference.quantity is not None and difference.quantity.value == pytest.approx(4.0)
    assert difference.laterality is Laterality.LEFT


def test_a_side_code_from_another_code_system_does_not_place_a_calf_on_a_leg() -> None:
    """The same codes in a local code system mean nothing here: no side, so no difference."""
    local = calf_components((LOCAL, LEFT, 40), (LOCAL, RIGHT, 36))
    assert run([local]).get(F.CALF_DIFFERENCE).state is State.UNKNOWN


def test_a_calf_difference_cites_each_legs_measurement() -> None:
    """Left 41.5 cm and right 38.5 cm on two Observations: the 3 cm difference cites both, each
    with its value as sent and its leg."""
    left = observation(
        LOCAL, "calf-circumference", rid="l", body_site=site(LEFT), valueQuantity=qty(41.5, "cm")
    )
    right = observation(
        LOCAL, "calf-circumference", rid="r", body_site=site(RIGHT), valueQuantity=qty(38.5, "cm")
    )
    evidence = run([left, right]).get(F.CALF_DIFFERENCE).evidence
    assert [(e.reference, e.value, e.laterality) for e in evidence] == [
        ("Observation/l", "41.5 cm", Laterality.LEFT),
        ("Observation/r", "38.5 cm", Laterality.RIGHT),
    ]


def test_a_calf_circumference_without_a_side_is_skipped_and_the_others_still_count() -> None:
    no_side = {"code": {"text": "calf circumference"}, "valueQuantity": qty(39, "cm")}
    resource = calf_components((SCT, LEFT, 40), (SCT, RIGHT, 36))
    resource["component"].insert(0, no_side)
    features = run([resource])
    difference = features.get(F.CALF_DIFFERENCE)
    assert difference.quantity is not None and difference.quantity.value == pytest.approx(4.0)
    assert ("Observation/o1", "calf circumference without a left/right side") in {
        (s.reference, s.reason) for s in features.skipped
    }


def test_measured_values_are_cited_as_sent() -> None:
    """A heart rate, a calf difference and a potassium with the lab's flag: each cites the value
    as the Observation sent it; a heart rate without a value is unknown and says why."""
    flag = {"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"}
    features = run(
        [
            observation(LNC, "8867-4", rid="hr", valueQuantity=qty(104, "/min")),
            observation(
                LOCAL,
                "calf-circumference-difference",
                rid="cd",
                body_site=site(LEFT),
                valueQuantity=qty(3.2, "cm"),
            ),
            observation(
                LNC,
                "2823-3",
                rid="k",
                valueQuantity=qty(3.1, "mmol/L"),
                interpretation=[{"coding": [{**flag, "code": "L"}]}],
            ),
        ]
    )
    assert [e.value for e in features.get(F.HEART_RATE).evidence] == ["104 /min"]
    assert [e.value for e in features.get(F.CALF_DIFFERENCE).evidence] == ["3.2 cm"]
    assert features.labs["potassium"][0].interpretation == "L"
    no_value = run([observation(LNC, "8867-4", rid="hr2")]).get(F.HEART_RATE)
    assert no_value.unknown and "no valueQuantity" in (no_value.reason or "")


def test_a_lab_taken_exactly_the_recent_window_ago_still_counts_and_one_minute_older_does_not() -> (
    None
):
    """Electrolytes count for ``DEFAULT_LAB_RECENT_DAYS`` (30) days, the last instant included."""
    days = DEFAULT_LAB_RECENT_DAYS
    on_the_boundary = observation(LNC, "2823-3", days_ago=days, valueQuantity=qty(3.0, "mmol/L"))
    assert run([on_the_boundary]).labs["potassium"][0].value == 3.0
    older = observation(
        LNC, "2823-3", days_ago=days + 1 / (24 * 60), valueQuantity=qty(3.0, "mmol/L")
    )
    features = run([older])
    assert "potassium" not in features.labs
    assert [s.reason for s in features.skipped] == [f"potassium: older than {days} days or undated"]
