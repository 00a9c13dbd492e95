"""UCUM units to canonical units, through pint, with an explicit UCUM -> pint table.

Why a table: pint does not parse UCUM (``Cel``, ``[degF]``, ``/min``, ``{FEU}`` annotations), and
guessing would let an unknown unit through. A unit not in the table makes the value unknown,
never a guess (docs/fhir-conventions.md). Conversion factors are computed once per unit pair and
cached, so a request does not pay pint's parsing cost.

Molar masses turn mg/dL into mmol/L for magnesium and calcium; clinical-basis §1.9 gives the same
arithmetic (Mg mg/dL = mmol/L x 2.43, Ca mg/dL = mmol/L x 4.008; IUPAC standard atomic weights
Mg 24.305, Ca 40.078 g/mol).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any, NamedTuple

import pint

from fhir_mappings.codes import UCUM

# UCUM code (annotation stripped) -> pint expression. Keep small and explicit.
UCUM_TO_PINT: dict[str, str] = {
    "ng/mL": "ng/mL",
    "ug/mL": "microgram/mL",
    "mg/L": "mg/L",
    "ug/L": "microgram/L",
    "ng/L": "ng/L",
    "mmol/L": "mmol/L",
    "mg/dL": "mg/dL",
    "Cel": "degC",
    "[degF]": "degF",
    "/min": "1/min",
    "{beats}/min": "1/min",
    "{breaths}/min": "1/min",
    "%": "percent",
    "U/L": "enzyme_unit/L",
    "cm": "cm",
    "mm": "mm",
    "[in_i]": "inch",
    "d": "day",
}

# UCUM has two codes for the litre, "L" and "l" (HL7 THO v2-0568 "volume units" lists "l" and
# "ml"): "mmol/l" or "ng/ml" is the same unit as "mmol/L" or "ng/mL", and European labs send it.
UCUM_TO_PINT.update(
    {code[:-1] + "l": pint_expr for code, pint_expr in UCUM_TO_PINT.items() if code[-1] == "L"}
)

MOLAR_MASS_G_PER_MOL: dict[str, float] = {"magnesium": 24.305, "calcium": 40.078}

_ANNOTATION = re.compile(r"\{([^}]*)\}")


class Converted(NamedTuple):  # immutable, and cheaper to build than a frozen dataclass
    value: float | None  # in the target unit the caller asked for
    annotation: str | None = None  # e.g. "FEU" from "ng/mL{FEU}"
    reason: str | None = None  # why value is None


@lru_cache(maxsize=1)
def _registry() -> pint.UnitRegistry:  # type: ignore[type-arg]
    return pint.UnitRegistry()


def _affine(source: str, target: str) -> tuple[float, float] | None:
    """(scale, offset) so that target = scale * source + offset; None if not convertible.

    Not cached itself: ``_plan``, its only caller, caches the outcome per unit pair."""
    reg = _registry()
    try:
        zero = reg.Quantity(0.0, source).to(target).magnitude
        one = reg.Quantity(1.0, source).to(target).magnitude
    except (pint.errors.PintError, ValueError, TypeError):
        return None
    return float(one - zero), float(zero)


def split_annotation(ucum: str) -> tuple[str, str | None]:
    """``"ng/mL{FEU}"`` -> ("ng/mL", "FEU"); ``"{beats}/min"`` stays whole (a known UCUM code)."""
    text = ucum.strip()
    if text in UCUM_TO_PINT:
        return text, None
    notes = _ANNOTATION.findall(text)
    return _ANNOTATION.sub("", text).strip(), (notes[0].strip() or None) if notes else None


def quantity_unit(quantity: Any) -> str | None:
    """The UCUM code of a Quantity (code, else unit when the system is UCUM or absent)."""
    if not quantity:
        return None
    code = quantity.get("code")
    system = quantity.get("system")
    if code and (system is None or system == UCUM):
        return str(code)
    unit = quantity.get("unit")
    return str(unit) if unit else (str(code) if code and system is None else None)


def convert(value: Any, ucum: str | None, target_ucum: str, *, analyte: str = "") -> Converted:
    """Convert a value in a UCUM unit to ``target_ucum``; unknown units give value None."""
    if value is None:
        return Converted(None, reason="no value")
    if not ucum:
        return Converted(None, reason="unit missing")
    annotation, known, factor, reason = _plan(ucum, target_ucum, analyte)
    if not known:
        return Converted(None, annotation, reason=reason)
    number = float(value)  # before the convertibility check, as it always was
    if factor is None:
        return Converted(None, annotation, reason=reason)
    scaled = number * factor[0] + factor[1]
    return Converted(round(scaled, 6), annotation)


def prepare(targets: Iterable[tuple[str, str]]) -> int:
    """Plan every known unit against each ``(target UCUM, analyte)`` now, so that no call pays
    for pint (building its registry and a first conversion is slow) the first time a unit is
    seen.

    Returns how many plans are cached. Called by the start-up warm-up (``cds.warmup``)."""
    for target, analyte in targets:
        for ucum in UCUM_TO_PINT:
            _plan(ucum, target, analyte)
    return _plan.cache_info().currsize


@lru_cache(maxsize=1024)
def _plan(
    ucum: str, target_ucum: str, analyte: str
) -> tuple[str | None, bool, tuple[float, float] | None, str | None]:
    """(annotation, unit known, affine factor or None, reason) for one unit pair.

    The part of ``convert`` that depends only on the units, computed once per pair (a request
    repeats its units); a unit that is already the target needs no pint at all.
    """
    base, annotation = split_annotation(ucum)
    source = UCUM_TO_PINT.get(base)
    target = UCUM_TO_PINT[target_ucum]
    if source is None:
        return annotation, False, None, f"unit {ucum!r} not recognised"
    factor = (1.0, 0.0) if source == target else _affine(source, target)
    if factor is None and analyte in MOLAR_MASS_G_PER_MOL and target_ucum == "mmol/L":
        mass = _affine(source, "mg/L")  # mg/L divided by g/mol gives mmol/L
        if mass is not None:
            molar = MOLAR_MASS_G_PER_MOL[analyte]
            factor = (mass[0] / molar, mass[1] / molar)
    if factor is None:
        return annotation, True, None, f"unit {ucum!r} not {target_ucum}"
    return annotation, True, factor, None
