"""A lab result reported as a limit ("<2.6 mmol/L" below the measuring range, ">20000 U/L" above
it) is judged only as far as the limit allows, and is quoted with its comparator."""

from __future__ import annotations

import pytest

from cds.settings import Settings
from cds.triage.ddimer import assess
from cds.triage.features_view import below
from cds.triage.muscle_labs import judge_lab
from tests.clinical.chart import Chart, calf_pain, ddimer, lab


@pytest.mark.parametrize(
    ("value", "comparator", "threshold", "expected"),
    [
        (3.0, None, 3.5, True),
        (3.5, None, 3.5, False),
        (2.6, "<", 3.5, True),
        (3.5, "<", 3.5, True),  # below 3.5 is below 3.5
        (3.5, "<=", 3.5, None),  # could be 3.5
        (4.0, "<", 3.5, None),  # below 4.0: either side of 3.5
        (20000, ">", 600, False),
        (400, ">", 600, None),
        (600, ">=", 600, False),
        (1.0, "ad", 3.5, None),
    ],
)
def test_below_reads_a_limit_only_as_far_as_it_goes(
    value: float, comparator: str | None, threshold: float, expected: bool | None
) -> None:
    assert below(value, comparator, threshold) is expected


def test_a_potassium_below_the_measuring_range_is_low_and_quoted_as_sent() -> None:
    found = judge_lab("potassium", lab("potassium", 2.6)._replace(comparator="<"))
    assert found.abnormal
    assert found.text == "potassium <2.6 mmol/L (low, < 3.5)"


def test_a_potassium_limit_that_straddles_the_threshold_is_not_called_normal() -> None:
    result = lab("potassium", 4.0)._replace(comparator="<")
    found = judge_lab("potassium", result)
    assert (found.analyte, found.result, found.abnormal) == ("potassium", result, False)
    assert found.text == "potassium <4 mmol/L (a limit: low or not, not known)"


def test_below_the_severe_limit_itself_is_severely_low() -> None:
    found = judge_lab("potassium", lab("potassium", 2.5)._replace(comparator="<"))
    assert found.text == "potassium <2.5 mmol/L (severely low, < 2.5)"


def test_a_normal_potassium_names_its_analyte() -> None:
    found = judge_lab("potassium", lab("potassium", 4.1))
    assert (found.analyte, found.abnormal, found.text) == (
        "potassium",
        False,
        "potassium 4.1 mmol/L (not low)",
    )


def test_a_ck_above_the_measuring_range_is_markedly_raised() -> None:
    ck = lab("creatine_kinase", 20000, "U/L", high=200)._replace(comparator=">")
    found = judge_lab("creatine_kinase", ck)
    assert found.abnormal
    assert found.text == "CK >20000 U/L (≥ 3× upper limit)"


def test_a_ck_limit_below_three_times_the_upper_limit_is_not_judged() -> None:
    ck = lab("creatine_kinase", 400, "U/L", high=200)._replace(comparator=">")
    found = judge_lab("creatine_kinase", ck)
    assert not found.abnormal
    assert "not known" in found.text


def test_a_d_dimer_limit_that_does_not_count_keeps_the_assessment_notes() -> None:
    result = ddimer(600)._replace(comparator="<")
    features = Chart([calf_pain()], age=None, ddimers=[result]).feature_set()
    found = assess(features, Settings(age_adjusted_ddimer=True), "unlikely")
    assert found.status == "none"
    assert found.notes == ("Age-adjusted cut-off not used: age not documented.",)
