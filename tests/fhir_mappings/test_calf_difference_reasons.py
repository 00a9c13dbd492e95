"""Why the calf difference is unknown when the two legs' circumferences cannot give it.

A calf measured but unusable is not "not measured": the Wells row says what each leg lacks, so
the clinician knows whether to re-measure, add the unit, or measure the other leg.
"""

from __future__ import annotations

from typing import Any

from fhir_mappings.features import FeatureName

from .builders import LOCAL, observation, qty, run

F = FeatureName


def leg(side: str, value: float, unit: str | None, *, rid: str, days_ago: float = 0.5) -> Any:
    """One calf circumference of one leg, its side in the component's words."""
    component = [{"code": {"text": f"{side} calf"}, "valueQuantity": qty(value, unit)}]
    return observation(LOCAL, "calf-circumference", rid=rid, days_ago=days_ago, component=component)


def reason(*resources: Any) -> str | None:
    got = run(list(resources)).get(F.CALF_DIFFERENCE)
    assert got.unknown
    return got.reason


def test_no_circumference_at_all_says_none_was_found() -> None:
    assert reason() == "no difference and no recent left and right calf circumference"


def test_a_leg_measured_without_a_unit_says_so() -> None:
    assert reason(leg("left", 38, None, rid="l"), leg("right", 36, "cm", rid="r")) == (
        "no difference; left calf circumference: unit missing"
    )


def test_one_leg_measured_names_the_other_as_not_measured() -> None:
    assert reason(leg("right", 36, "cm", rid="r")) == (
        "no difference; left calf circumference: not measured"
    )


def test_old_circumferences_say_when_they_were_measured() -> None:
    found = reason(
        leg("left", 38, "cm", rid="l", days_ago=40), leg("right", 36, "cm", rid="r", days_ago=40)
    )
    assert found is not None
    assert found.startswith("no difference; left calf circumference: last measured ")
    assert "; right calf circumference: last measured " in found
    assert found.count("older than") == 2


def test_the_newest_measurement_of_a_leg_gives_its_reason() -> None:
    """An older reading with a unit does not hide that the newest one came without."""
    assert reason(
        leg("left", 38, "cm", rid="l-old", days_ago=40),
        leg("left", 39, None, rid="l-new"),
        leg("right", 36, "cm", rid="r"),
    ) == ("no difference; left calf circumference: unit missing")
