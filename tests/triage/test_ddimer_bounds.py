"""A D-dimer reported as a limit ("<0.27 mg/L FEU" below the measuring range, ">20 mg/L" above
it) counts only when the limit falls on one side of the cut-off; the card quotes it as sent."""

from __future__ import annotations

from typing import Any

import pytest

from cds.settings import Settings
from cds.triage.ddimer import assess
from fhir_mappings.features import FeatureSet
from tests.clinical.chart import Chart, calf_pain, ddimer
from tests.fhir_mappings.builders import LNC, observation, run


def bounded(ng_ml: float, comparator: str | None) -> FeatureSet:
    result = ddimer(ng_ml)._replace(comparator=comparator)
    return Chart([calf_pain()], ddimers=[result]).feature_set()


@pytest.mark.parametrize(
    ("ng_ml", "comparator", "status"),
    [
        (270, "<", "negative"),  # below the measuring range, far below 500
        (500, "<", "negative"),  # below 500 is negative
        (499, "<=", "negative"),
        (20000, ">", "positive"),  # above the measuring range
        (500, ">=", "positive"),
        (400, None, "negative"),
        (600, None, "positive"),
    ],
)
def test_a_limit_on_one_side_of_the_cut_off_decides(
    ng_ml: float, comparator: str | None, status: str
) -> None:
    assert assess(bounded(ng_ml, comparator), Settings(), "unlikely").status == status


@pytest.mark.parametrize(
    ("ng_ml", "comparator"), [(600, "<"), (500, "<="), (400, ">"), (499, ">="), (300, "ad")]
)
def test_a_limit_that_straddles_the_cut_off_does_not_count(ng_ml: float, comparator: str) -> None:
    found = assess(bounded(ng_ml, comparator), Settings(), "unlikely")
    assert found.status == "none"
    (ignored, why) = found.ignored[0]
    assert ignored.comparator == comparator
    assert why == (
        f"reported as {comparator}{ng_ml:g} ng/mL FEU: a limit that does not decide against the "
        "cut-off 500"
    )


def test_the_value_text_quotes_the_limit() -> None:
    assert assess(bounded(270, "<"), Settings(), "unlikely").value_text() == (
        "<270 ng/mL FEU (cut-off 500 ng/mL FEU)"
    )


def d_dimer(**quantity: Any) -> dict[str, Any]:
    value = {"value": 0.27, "unit": "mg/L", "system": "http://unitsofmeasure.org", "code": "mg/L"}
    return observation(LNC, "48065-7", rid="dd", valueQuantity={**value, **quantity})


def test_the_mapping_keeps_the_comparator_and_shows_it() -> None:
    (result,) = run([d_dimer(comparator="<")]).ddimers
    assert (result.value_ng_ml, result.comparator) == (270, "<")
    assert result.original == "<0.27 mg/L FEU"
    assert result.evidence.value == "<0.27 mg/L FEU"


def test_a_plain_value_has_no_comparator() -> None:
    (result,) = run([d_dimer()]).ddimers
    assert result.comparator is None
    assert result.original == "0.27 mg/L FEU"
