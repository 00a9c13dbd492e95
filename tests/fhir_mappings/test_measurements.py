"""Numbers: vital signs, D-dimer (FEU vs DDU, cut-off), electrolytes / CK, calf circumference."""

from __future__ import annotations

from typing import Any

import pytest

from fhir_mappings.features import DDimerUnit, FeatureName, Laterality, State

from .builders import LEFT, LNC, LOCAL, RIGHT, SCT, concept, observation, qty, run, site

F = FeatureName


@pytest.mark.parametrize(
    ("feature", "code", "value", "unit", "expected"),
    [
        (F.HEART_RATE, "8867-4", 104, "/min", 104.0),
        (F.SPO2, "59408-5", 93, "%", 93.0),
        (F.SPO2, "2708-6", 97, "%", 97.0),
        (F.RESPIRATORY_RATE, "9279-1", 22, "/min", 22.0),
        (F.TEMPERATURE, "8310-5", 38.2, "Cel", 38.2),
        (F.TEMPERATURE, "8310-5", 100.4, "[degF]", 38.0),
    ],
)
def test_vital_signs_in_canonical_units(
    feature: str, code: str, value: float, unit: str, expected: float
) -> None:
    got = run([observation(LNC, code, valueQuantity=qty(value, unit))]).get(feature)
    assert got.present and got.quantity is not None
    assert got.quantity.value == pytest.approx(expected, abs=0.01)


@pytest.mark.parametrize(
    ("quantity", "reason"),
    [
        (qty(104, None), "unit missing"),
        (qty(104, "bpm?"), "not recognised"),
        (qty(104, "mg/L"), "not /min"),
    ],
)
def test_unknown_or_missing_unit_makes_value_unknown(quantity: dict[str, Any], reason: str) -> None:
    got = run([observation(LNC, "8867-4", valueQuantity=quantity)]).get(F.HEART_RATE)
    assert got.unknown and got.reason is not None and reason in got.reason


def test_old_vital_is_unknown_with_date() -> None:
    got = run([observation(LNC, "8867-4", days_ago=30, valueQuantity=qty(80, "/min"))]).get(
        F.HEART_RATE
    )
    assert got.unknown and "older than 14 days" in (got.reason or "")


def test_newest_vital_wins() -> None:
    fs = run(
        [
            observation(LNC, "8867-4", rid="a", days_ago=2, valueQuantity=qty(80, "/min")),
            observation(LNC, "8867-4", rid="b", days_ago=0.1, valueQuantity=qty(110, "/min")),
        ]
    )
    assert fs.get(F.HEART_RATE).quantity is not None
    assert fs.get(F.HEART_RATE).quantity.value == 110


@pytest.mark.parametrize(
    ("code", "value", "unit", "ng_ml", "kind"),
    [
        ("48065-7", 0.62, "mg/L", 620.0, DDimerUnit.FEU),
        ("48065-7", 0.62, "ug/mL", 620.0, DDimerUnit.FEU),
        ("48065-7", 620, "ng/mL", 620.0, DDimerUnit.FEU),
        ("48065-7", 620, "ug/L", 620.0, DDimerUnit.FEU),
        ("48065-7", 620, "ng/mL{FEU}", 620.0, DDimerUnit.FEU),
        ("48066-5", 240, "ng/mL", 240.0, DDimerUnit.DDU),
        ("48066-5", 0.24, "mg/L", 240.0, DDimerUnit.DDU),
    ],
)
def test_ddimer_units_and_kind(
    code: str, value: float, unit: str, ng_ml: float, kind: DDimerUnit
) -> None:
    fs = run([observation(LNC, code, valueQuantity=qty(value, unit))])
    assert len(fs.ddimers) == 1
    assert fs.ddimers[0].value_ng_ml == pytest.approx(ng_ml)
    assert fs.ddimers[0].kind is kind


def test_ddimer_cutoff_from_reference_range_same_kind() -> None:
    obs = observation(
        LNC,
        "48065-7",
        valueQuantity=qty(0.62, "mg/L"),
        referenceRange=[{"high": qty(0.5, "ug/mL")}],
        interpretation=[
            concept("http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "H")
        ],
    )
    result = run([obs]).ddimers[0]
    assert result.assay_cutoff_ng_ml == pytest.approx(500.0)
    assert result.interpretation == "H"


@pytest.mark.parametrize(
    ("code", "unit", "reason"),
    [
        ("48065-7", "ng/mL{DDU}", "unit says DDU"),
        ("48066-5", "ng/mL{FEU}", "unit says FEU"),
        ("48065-7", None, "unit missing"),
        ("48065-7", "mmol/L", "not ng/mL"),
    ],
)
def test_ddimer_never_mixed_or_guessed(code: str, unit: str | None, reason: str) -> None:
    fs = run([observation(LNC, code, valueQuantity=qty(500, unit))])
    assert fs.ddimers == []
    assert any(reason in s.reason for s in fs.skipped)


def test_ddimers_newest_first_and_preliminary_marked() -> None:
    fs = run(
        [
            observation(LNC, "48065-7", rid="old", days_ago=3, valueQuantity=qty(300, "ng/mL")),
            observation(
                LNC,
                "48065-7",
                rid="new",
                status="preliminary",
                days_ago=0.1,
                valueQuantity=qty(700, "ng/mL"),
            ),
            observation(
                LNC, "48065-7", rid="ancient", days_ago=90, valueQuantity=qty(900, "ng/mL")
            ),
            observation(
                LNC,
                "48065-7",
                rid="eie",
                status="entered-in-error",
                valueQuantity=qty(999, "ng/mL"),
            ),
        ]
    )
    assert [d.evidence.reference for d in fs.ddimers] == ["Observation/new", "Observation/old"]
    assert fs.ddimers[0].preliminary


@pytest.mark.parametrize(
    ("analyte", "code", "value", "unit", "expected", "canonical"),
    [
        ("potassium", "2823-3", 3.1, "mmol/L", 3.1, "mmol/L"),
        ("magnesium", "19123-9", 1.8, "mg/dL", 0.7406, "mmol/L"),
        ("magnesium", "2601-3", 0.6, "mmol/L", 0.6, "mmol/L"),  # verified: unit decides
        ("magnesium", "2601-3", 1.8, "mg/dL", 0.7406, "mmol/L"),
        ("calcium", "17861-6", 9.0, "mg/dL", 2.2456, "mmol/L"),
        ("calcium", "2000-8", 2.3, "mmol/L", 2.3, "mmol/L"),
        ("creatine_kinase", "2157-6", 950, "U/L", 950.0, "U/L"),
    ],
)
def test_labs_canonical_units(
    analyte: str, code: str, value: float, unit: str, expected: float, canonical: str
) -> None:
    obs = observation(
        LNC,
        code,
        valueQuantity=qty(value, unit),
        referenceRange=[{"low": qty(value * 0.9, unit), "high": qty(value * 1.1, unit)}],
    )
    result = run([obs]).labs[analyte][0]
    assert result.value == pytest.approx(expected, abs=1e-3)
    assert result.unit == canonical
    assert result.low == pytest.approx(expected * 0.9, abs=1e-3)


def test_ck_race_code_is_not_a_lab() -> None:
    race = observation("urn:oid:2.16.840.1.113883.6.238", "2157-6", valueQuantity=qty(950, "U/L"))
    assert run([race]).labs == {}


def test_calf_difference_from_difference_observation() -> None:
    obs = observation(
        LOCAL, "calf-circumference-difference", body_site=site(LEFT), valueQuantity=qty(30, "mm")
    )
    got = run([obs]).get(F.CALF_DIFFERENCE)
    assert got.present and got.quantity is not None and got.quantity.value == pytest.approx(3.0)
    assert got.laterality is Laterality.LEFT


def test_calf_difference_from_two_legs() -> None:
    fs = run(
        [
            observation(
                LOCAL,
                "calf-circumference",
                rid="l",
                body_site=site(LEFT),
                valueQuantity=qty(41.5, "cm"),
            ),
            observation(
                LOCAL,
                "calf-circumference",
                rid="r",
                body_site=site(RIGHT),
                valueQuantity=qty(38.5, "cm"),
            ),
        ]
    )
    got = fs.get(F.CALF_DIFFERENCE)
    assert got.quantity is not None and got.quantity.value == pytest.approx(3.0)
    assert got.laterality is Laterality.LEFT
    assert fs.legs[F.CALF_DIFFERENCE][Laterality.LEFT].present


def test_calf_difference_from_components() -> None:
    comp = [
        {
            "code": {"coding": [{"system": SCT, "code": RIGHT}], "text": "right calf"},
            "valueQuantity": qty(36, "cm"),
        },
        {"code": {"text": "Left calf circumference"}, "valueQuantity": qty(40, "cm")},
    ]
    got = run([observation(LOCAL, "calf-circumference", component=comp)]).get(F.CALF_DIFFERENCE)
    assert got.quantity is not None and got.quantity.value == pytest.approx(4.0)
    assert got.laterality is Laterality.LEFT


def test_calf_difference_unknown_with_one_leg_only() -> None:
    obs = observation(
        LOCAL, "calf-circumference", body_site=site(LEFT), valueQuantity=qty(41, "cm")
    )
    assert run([obs]).get(F.CALF_DIFFERENCE).state is State.UNKNOWN
