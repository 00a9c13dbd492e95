"""The hot-path shortcuts (issue 7) give exactly what the general code gives.

Memoised parsers, the precomputed fast-path key check, the "Type/id" shortcut of ``reference_of``,
the single-coding candidate lookup and the per-unit-pair conversion plan must each be
indistinguishable from the rule they shortcut, including on the edge cases a cache could conflate
(1 vs 1.0, 0.0 vs -0.0).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fhir_mappings import units
from fhir_mappings.codelists import load_index
from fhir_mappings.collect import Collector
from fhir_mappings.extract import MappingOptions, _code_entries, _matches, extract_features
from fhir_mappings.read_models import (
    _decimal,
    _parse_decimal,
    fast_path_allows,
    one_of,
    watched_keys,
)
from fhir_mappings.resources import _READ
from fhir_mappings.semantics import raw_codings, reference_of

from .builders import ICD, LNC, NOW, PID, SCT, observation


def _general_reference(ref: str) -> str | None:
    """The rule ``reference_of`` implements, without its shortcut."""
    if "/" not in ref:
        return None
    parts = ref.split("/_history/")[0].rstrip("/").split("/")
    return "/".join(parts[-2:]) if len(parts) >= 2 else None


@pytest.mark.parametrize(
    "ref",
    [
        "Patient/1",
        "Patient/",
        "/1",
        "Patient",
        "http://ehr/fhir/Patient/1",
        "Patient/1/_history/2",
        "http://ehr/fhir/Patient/1/_history/2",
        "Patient//",
        "a/b/",
    ],
)
def test_reference_shortcut_matches_the_general_rule(ref: str) -> None:
    expected = _general_reference(ref)
    assert reference_of({"reference": ref}) == expected
    assert reference_of(type("Ref", (), {"reference": ref})()) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, Decimal(1)),
        (1.0, Decimal("1.0")),
        (0, Decimal(0)),
        (0.0, Decimal("0.0")),
        (-0.0, Decimal("-0.0")),
        (2.5, Decimal("2.5")),
    ],
)
def test_memoised_decimal_keeps_type_and_sign(value: int | float, expected: Decimal) -> None:
    for _ in range(2):  # the second call comes from the memo where one is used
        got = _decimal(value)
        assert str(got) == str(expected)
        assert str(got) == str(_parse_decimal(type(value).__name__, value))


def test_memoised_decimal_still_refuses_what_fhir_refuses() -> None:
    with pytest.raises(ValueError, match="decimal"):
        _decimal(float("inf"))


_PREFIXES = ("value", "effective")
_OBSERVATION_READ = _READ["Observation"][1]
_UNMODELLED = frozenset({"patient"})  # read for other types, not an Observation element
_WATCH = watched_keys(_OBSERVATION_READ, _PREFIXES, _UNMODELLED)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from([*_OBSERVATION_READ, "valueRatio", "effectiveTiming", "note", "x"]),
        st.none(),
    )
)
def test_fast_path_check_matches_the_choice_rule_on_the_read_elements(
    data: dict[str, Any],
) -> None:
    """The one-intersection check == (no unmodelled read element and ``one_of`` of the trimmed)."""
    trimmed = {k: v for k, v in data.items() if k in _OBSERVATION_READ}
    try:
        one_of(trimmed, _PREFIXES)
        expected = not (trimmed.keys() & _UNMODELLED)
    except ValueError:
        expected = False
    assert fast_path_allows(data, _WATCH) is expected


@pytest.mark.parametrize(
    ("value", "ucum", "target", "analyte"),
    [
        (120, "ng/mL", "ng/mL", ""),
        (120, "ng/mL{FEU}", "ng/mL", ""),
        (0.5, "ug/mL", "ng/mL", ""),
        (38.5, "Cel", "Cel", ""),
        (101.3, "[degF]", "Cel", ""),
        (2.1, "mg/dL", "mmol/L", "magnesium"),
        (2.1, "mg/dL", "mmol/L", "sodium"),
        (5, "furlong", "cm", ""),
        (70, "/min", "/min", ""),
    ],
)
def test_conversion_plan_matches_pint(value: float, ucum: str, target: str, analyte: str) -> None:
    got = units.convert(value, ucum, target, analyte=analyte)
    base, annotation = units.split_annotation(ucum)
    source = units.UCUM_TO_PINT.get(base)
    assert got.annotation == annotation
    if source is None:
        assert got.value is None and got.reason == f"unit {ucum!r} not recognised"
        return
    factor = units._affine(source, units.UCUM_TO_PINT[target])  # pint, uncached by the plan
    if factor is None and analyte in units.MOLAR_MASS_G_PER_MOL:
        mass = units._affine(source, "mg/L")
        assert mass is not None
        molar = units.MOLAR_MASS_G_PER_MOL[analyte]
        factor = (mass[0] / molar, mass[1] / molar)
    if factor is None:
        assert got.value is None and got.reason == f"unit {ucum!r} not {target}"
    else:
        assert got.value == round(float(value) * factor[0] + factor[1], 6)


_JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=8,
)
_CODING = st.fixed_dictionaries(
    {},
    optional={
        "system": st.sampled_from([SCT, LNC, ICD, "urn:x", ""]) | _JSONISH,
        "code": st.sampled_from(["300954003", "8867-4", "M79.662", " 300954003", ""]) | _JSONISH,
    },
)
_CONCEPT = st.fixed_dictionaries({}, optional={"coding": st.lists(_CODING, max_size=3) | _JSONISH})


@settings(max_examples=300, deadline=None)
@given(_CONCEPT | _JSONISH)
def test_single_coding_shortcut_matches_the_general_candidate_rule(concept: Any) -> None:
    col = Collector(now=NOW, options=MappingOptions(), index=load_index(), patient_id=PID)
    assert _code_entries(col, concept) == _matches(col, raw_codings(concept))


@pytest.mark.parametrize("patient_id", [PID, "a/b", "p.1-x"])
@pytest.mark.parametrize(
    "reference",
    [
        "Patient/{pid}",
        "Patient/{pid}/_history/2",
        "http://ehr/fhir/Patient/{pid}",
        "Patient/other",
        "Patient/a/b",
        "b",
    ],
)
def test_a_resource_is_the_patients_exactly_when_its_reference_says_so(
    patient_id: str, reference: str
) -> None:
    """A resource is this patient's exactly when ``reference_of`` says so, shortcut or not."""
    resource = observation(LNC, "8867-4", valueQuantity={"value": 80, "unit": "/min"})
    resource["subject"] = {"reference": reference.format(pid=patient_id)}
    fs = extract_features([resource], patient_id=patient_id, now=NOW, options=MappingOptions())
    owner = reference_of(resource["subject"])
    expected = (
        []
        if owner == f"Patient/{patient_id}"
        else ["no subject reference" if owner is None else "other patient"]
    )
    assert [s.reason for s in fs.skipped] == expected
