"""UCUM has two codes for the litre, "L" and "l": a result in "mmol/l" or "ug/ml" (as European
labs send it) is the same value as in "mmol/L" or "ug/mL", not an unknown unit."""

from __future__ import annotations

import pytest

from fhir_mappings.units import convert


@pytest.mark.parametrize(
    ("value", "unit", "upper", "target", "analyte", "expected"),
    [
        (0.6, "ug/ml", "ug/mL", "ng/mL", "", 600.0),
        (0.6, "mg/l{FEU}", "mg/L{FEU}", "ng/mL", "", 600.0),
        (350, "ng/ml", "ng/mL", "ng/mL", "", 350.0),
        (3.1, "mmol/l", "mmol/L", "mmol/L", "potassium", 3.1),
        (1.8, "mg/dl", "mg/dL", "mmol/L", "magnesium", 0.740589),
        (980, "U/l", "U/L", "U/L", "creatine_kinase", 980.0),
    ],
)
def test_lower_case_litre_is_the_same_unit(
    value: float, unit: str, upper: str, target: str, analyte: str, expected: float
) -> None:
    assert convert(value, unit, target, analyte=analyte).value == pytest.approx(expected, 1e-5)
    assert convert(value, unit, target, analyte=analyte) == convert(
        value, upper, target, analyte=analyte
    )


def test_a_unit_ucum_does_not_know_stays_unknown() -> None:
    assert convert(0.6, "ug/ML", "ng/mL").value is None
