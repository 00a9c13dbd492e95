"""Numbers read from Observations, where the rules and the warm-up depend on them
(docs/clinical-basis.md §1.2, §1.3 item 7): a laboratory's reference range in the canonical unit,
a lab result that names its analyte, a calf circumference whose side is only written in words,
and a start-up warm-up that plans every conversion a request makes.
"""

from __future__ import annotations

from typing import Any

import pytest

from fhir_mappings import units
from fhir_mappings.features import FeatureName, Laterality
from fhir_mappings.measurements import conversion_targets

from .builders import LNC, LOCAL, observation, qty, run

F = FeatureName
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"


@pytest.mark.parametrize(
    ("analyte", "code", "low", "high", "unit", "low_mmol", "high_mmol"),
    [
        # 1 mg/dL magnesium = 10 mg/L / 24.305 g/mol; calcium at 40.078 g/mol
        ("magnesium", "19123-9", 1.7, 2.2, "mg/dL", 0.6994, 0.9052),
        ("calcium", "17861-6", 8.6, 10.2, "mg/dL", 2.1458, 2.5450),
    ],
)
def test_a_reference_range_in_mg_per_dl_gives_both_limits_in_mmol_per_l(
    analyte: str, code: str, low: float, high: float, unit: str, low_mmol: float, high_mmol: float
) -> None:
    """The laboratory's own limits judge the result: both ends are converted with the analyte's
    molar mass, not only the lower one."""
    obs = observation(
        LNC,
        code,
        valueQuantity=qty(1.0, unit),
        referenceRange=[{"low": qty(low, unit), "high": qty(high, unit)}],
    )
    result = run([obs]).labs[analyte][0]
    assert result.unit == "mmol/L"
    assert result.low == pytest.approx(low_mmol, abs=1e-3)
    assert result.high == pytest.approx(high_mmol, abs=1e-3)


@pytest.mark.parametrize(
    ("analyte", "code", "value", "unit"),
    [
        ("potassium", "2823-3", 3.1, "mmol/L"),
        ("magnesium", "19123-9", 1.8, "mg/dL"),
        ("calcium", "17861-6", 9.0, "mg/dL"),
        ("creatine_kinase", "2157-6", 950, "U/L"),
    ],
)
def test_each_lab_result_names_its_analyte(
    analyte: str, code: str, value: float, unit: str
) -> None:
    """The cramp and statin rules find the CK and the electrolyte a drug lowers by the result's
    analyte, and the card shows the value as the laboratory sent it."""
    result = run([observation(LNC, code, valueQuantity=qty(value, unit))]).labs[analyte][0]
    assert result.analyte == analyte
    assert result.original == f"{value} {unit}"


def calf_components(*texts: str) -> dict[str, Any]:
    """A per-leg calf circumference Observation whose components name the leg in words only."""
    component = [
        {"code": {"text": text}, "valueQuantity": qty(cm, "cm")}
        for text, cm in zip(texts, (36.0, 40.0), strict=True)
    ]
    return observation(LOCAL, "calf-circumference", component=component)


@pytest.mark.parametrize(
    ("first", "second", "larger"),
    [
        ("Right calf circumference", "Left calf circumference", Laterality.LEFT),
        ("left calf", "RIGHT CALF", Laterality.RIGHT),
    ],
)
def test_a_calf_component_named_only_in_words_is_measured_on_that_leg(
    first: str, second: str, larger: Laterality
) -> None:
    """Components with no laterality code but "left" / "right" in their text (any case) are the
    two legs: the 36 cm and 40 cm calves differ by 4 cm, larger on the second one's leg."""
    fs = run([calf_components(first, second)])
    got = fs.get(F.CALF_DIFFERENCE)
    assert got.present and got.quantity is not None
    assert got.quantity.value == pytest.approx(4.0)
    assert got.quantity.unit == "cm"
    assert got.laterality is larger
    assert fs.skipped == []


def test_the_warm_up_plans_every_unit_conversion_a_request_makes() -> None:
    """After the start-up warm-up has planned ``conversion_targets()``, reading vital signs, a
    D-dimer with its reference range, a lab with its range and calf circumferences in any known
    unit plans nothing new: no request pays for building a conversion."""
    units._plan.cache_clear()
    planned = units.prepare(conversion_targets())
    resources = [
        observation(LNC, "8867-4", rid="hr", valueQuantity=qty(104, "/min")),
        observation(LNC, "59408-5", rid="spo2", valueQuantity=qty(93, "%")),
        observation(LNC, "9279-1", rid="rr", valueQuantity=qty(22, "/min")),
        observation(LNC, "8310-5", rid="temp", valueQuantity=qty(100.4, "[degF]")),
        observation(
            LNC,
            "48065-7",
            rid="dd",
            valueQuantity=qty(0.62, "mg/L"),
            referenceRange=[{"high": qty(0.5, "ug/mL")}],
        ),
        observation(
            LNC,
            "19123-9",
            rid="mg",
            valueQuantity=qty(1.8, "mg/dL"),
            referenceRange=[{"low": qty(1.7, "mg/dL"), "high": qty(2.2, "mg/dL")}],
        ),
        observation(
            LNC,
            "2157-6",
            rid="ck",
            valueQuantity=qty(950, "U/L"),
            referenceRange=[{"high": qty(200, "U/L")}],
        ),
        observation(
            LOCAL, "calf-circumference-difference", rid="diff", valueQuantity=qty(30, "mm")
        ),
        calf_components("left calf", "right calf"),
    ]
    fs = run(resources)
    assert fs.skipped == []
    assert len(fs.ddimers) == 1 and set(fs.labs) == {"magnesium", "creatine_kinase"}
    assert units.prepare([]) == planned  # nothing new was planned


@pytest.mark.parametrize(
    ("system", "code", "feature"),
    [
        (LNC, "8867-4", F.HEART_RATE),
        (LOCAL, "calf-circumference-difference", F.CALF_DIFFERENCE),
    ],
)
def test_a_number_sent_without_a_unit_is_unknown_and_shows_the_number_as_sent(
    system: str, code: str, feature: str
) -> None:
    """No unit, no guess: the value is unknown because the unit is missing (not because it is
    old), and its evidence shows the number with "(no unit)" so the clinician sees what came."""
    got = run([observation(system, code, valueQuantity=qty(3, None))]).get(feature)
    assert got.unknown
    assert got.reason == "unit missing"
    assert [ev.value for ev in got.evidence] == ["3 (no unit)"]


@pytest.mark.parametrize(
    ("absent", "reason"),
    [
        ({}, "data absent: unknown"),
        ({"coding": [{"system": DATA_ABSENT}]}, "data absent: unknown"),
        (
            {"coding": [{"system": DATA_ABSENT, "code": "asked-declined"}]},
            "data absent: asked-declined",
        ),
        (
            {
                "coding": [
                    {"system": DATA_ABSENT, "code": "not-performed", "display": "Not Performed"}
                ]
            },
            "data absent: Not Performed",
        ),
    ],
)
def test_a_vital_sign_with_a_data_absent_reason_is_unknown_and_says_why(
    absent: dict[str, Any], reason: str
) -> None:
    got = run([observation(LNC, "8867-4", dataAbsentReason=absent)]).get(F.HEART_RATE)
    assert got.unknown and got.reason == reason


def test_a_vital_sign_without_a_quantity_is_unknown_and_says_why() -> None:
    got = run([observation(LNC, "8867-4", valueString="fast")]).get(F.HEART_RATE)
    assert got.unknown and got.reason == "no valueQuantity"


def test_a_ddimer_that_cannot_count_is_listed_as_skipped_with_its_observation() -> None:
    """The response lists every resource not used, by reference and why: a D-dimer whose unit
    contradicts its LOINC code names both, and one without a unit says so."""
    fs = run(
        [
            observation(LNC, "48065-7", rid="feu", valueQuantity=qty(500, "ng/mL{DDU}")),
            observation(LNC, "48066-5", rid="ddu", valueQuantity=qty(500, None)),
        ]
    )
    assert fs.ddimers == []
    assert [(s.reference, s.reason) for s in fs.skipped] == [
        ("Observation/feu", "D-dimer: unit says DDU but LOINC 48065-7 is FEU"),
        ("Observation/ddu", "D-dimer: value unknown (unit missing)"),
    ]
