"""D-dimer spec (NICE NG158 with docs/clinical-basis.md §1.3 item 7): unit-aware cut-offs, the
assay's own cut-off, the age-adjusted setting, and which results count for this episode."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cds.triage.ddimer import assess, ddimer_section
from fhir_mappings.features import DDimerUnit
from tests.clinical.chart import NOW, ddimer, fs, settings

FEU, DDU = DDimerUnit.FEU, DDimerUnit.DDU
ADJUST = settings(age_adjusted_ddimer=True)


@pytest.mark.parametrize(
    ("value", "kind", "positive", "cutoff"),
    [
        (499, FEU, False, 500),  # conventional FEU cut-off 500 ng/mL (S18a, §2.3)
        (500, FEU, True, 500),
        (229, DDU, False, 230),  # DDU 230-250 (S18b): we take 230, the conservative end
        (230, DDU, True, 230),
        (240, DDU, True, 230),  # the same number is positive in DDU...
        (240, FEU, False, 500),  # ...and negative in FEU: units are never mixed
    ],
)
def test_unit_aware_conventional_cutoffs(
    value: float, kind: DDimerUnit, positive: bool, cutoff: float
) -> None:
    result = assess(fs(ddimers=[ddimer(value, kind)]), settings(), "unlikely")
    assert result.positive is positive
    assert result.cutoff_ng_ml == cutoff


def test_assay_reference_range_cutoff_wins() -> None:
    result = assess(fs(ddimers=[ddimer(450, cutoff=400)]), settings(), "unlikely")
    assert result.positive is True
    assert result.cutoff_ng_ml == 400


@pytest.mark.parametrize(
    ("age", "value", "kind", "decision", "positive", "cutoff"),
    [
        (50, 510, FEU, "unlikely", True, 500),  # exactly 50: no adjustment (> 50 only)
        (51, 505, FEU, "unlikely", False, 510),  # 51 x 10 = 510 FEU (S18a)
        (70, 650, FEU, "unlikely", False, 700),
        (70, 650, FEU, "likely", True, 500),  # never when likely (S18c, S6c)
        (70, 650, FEU, "undetermined", True, 500),  # nor while undetermined
        (60, 290, DDU, "unlikely", False, 300),  # DDU: 5 x age (S18b)
        (60, 300, DDU, "unlikely", True, 300),
        (None, 510, FEU, "unlikely", True, 500),  # age unknown: conventional cut-off
    ],
)
def test_age_adjusted_cutoff_setting(
    age: int | None,
    value: float,
    kind: DDimerUnit,
    decision: str,
    positive: bool,
    cutoff: float,
) -> None:
    result = assess(fs(age=age, ddimers=[ddimer(value, kind)]), ADJUST, decision)  # type: ignore[arg-type]
    assert result.positive is positive
    assert result.cutoff_ng_ml == cutoff


def test_age_adjustment_is_off_by_default() -> None:
    result = assess(fs(age=80, ddimers=[ddimer(700)]), settings(), "unlikely")
    assert result.positive is True


def test_ddimer_after_anticoagulation_started_does_not_count() -> None:
    features = fs(
        ddimers=[ddimer(300, hours_ago=2)], anticoagulation_started=NOW - timedelta(hours=5)
    )
    result = assess(features, settings(), "unlikely")
    assert result.result is None and result.status == "none"
    assert "anticoagulation" in result.ignored[0][1]


def test_ddimer_before_anticoagulation_counts() -> None:
    features = fs(
        ddimers=[ddimer(300, hours_ago=8)], anticoagulation_started=NOW - timedelta(hours=5)
    )
    assert assess(features, settings(), "unlikely").status == "negative"


def test_ddimer_older_than_the_episode_does_not_count() -> None:
    features = fs(ddimers=[ddimer(300, hours_ago=72)], episode_start=NOW - timedelta(days=1))
    result = assess(features, settings(), "unlikely")
    assert result.result is None
    assert "before the current leg episode" in result.ignored[0][1]


def test_ddimer_older_than_the_episode_window_does_not_count() -> None:
    features = fs(ddimers=[ddimer(300, hours_ago=24 * 15)])
    assert assess(features, settings(episode_days=14), "unlikely").result is None


def test_newest_eligible_result_is_used() -> None:
    features = fs(
        ddimers=[ddimer(800, hours_ago=30, ref="Observation/old"), ddimer(300, hours_ago=1)]
    )
    result = assess(features, settings(), "unlikely")
    assert result.status == "negative"
    assert result.ignored[0][1] == "superseded by a newer result"


def test_preliminary_negative_never_rules_out() -> None:
    result = assess(fs(ddimers=[ddimer(300, preliminary=True)]), settings(), "unlikely")
    assert result.status == "negative-preliminary"
    assert not result.rules_out


@pytest.mark.parametrize(
    ("value", "interpretation", "verdict", "note"),
    [
        (
            300,
            None,
            "negative (preliminary)",
            "Preliminary result: a negative preliminary value does not rule DVT out.",
        ),
        (
            900,
            None,
            "positive (preliminary)",
            "Preliminary result: a positive preliminary value is acted on now; the final result "
            "is still to come.",
        ),
        (
            480,
            "H",
            "positive (preliminary)",
            "Preliminary result: a positive preliminary value is acted on now; the final result "
            "is still to come.",
        ),
    ],
    ids=["negative", "positive", "lab-flagged-positive"],
)
def test_a_preliminary_result_says_preliminary_and_what_its_verdict_means(
    value: float, interpretation: str | None, verdict: str, note: str
) -> None:
    """A positive preliminary is acted on (the scan does not wait); only a negative one is said
    not to rule DVT out."""
    features = fs(ddimers=[ddimer(value, preliminary=True, interpretation=interpretation)])
    result = assess(features, settings(), "unlikely")
    assert result.notes[-1] == note
    assert sum("Preliminary" in n for n in result.notes) == 1
    lines = ddimer_section(result).splitlines()
    assert lines[0].endswith(f"(Observation/dd): **{verdict}**.")
    assert lines[-1] == f"- {note}"


def test_a_final_result_has_no_preliminary_note_or_verdict() -> None:
    for value in (300, 900):
        result = assess(fs(ddimers=[ddimer(value)]), settings(), "unlikely")
        assert not any("reliminary" in n for n in result.notes)
        assert "preliminary" not in ddimer_section(result)


def test_lab_high_flag_is_honoured_when_more_cautious() -> None:
    result = assess(fs(ddimers=[ddimer(480, interpretation="H")]), settings(), "unlikely")
    assert result.positive is True


@pytest.mark.parametrize(
    ("kind", "assay_cutoff", "value", "positive"),
    [
        (DDU, 250, 290, False),  # conventional DDU assay (230-250): 5 x 60 = 300 applies
        (FEU, 500, 590, False),  # conventional FEU assay: 10 x 60 = 600 applies
        (FEU, 400, 450, True),  # non-standard assay cut-off: no age adjustment, 450 >= 400
    ],
)
def test_age_adjustment_with_an_assay_cutoff(
    kind: DDimerUnit, assay_cutoff: float, value: float, positive: bool
) -> None:
    features = fs(age=60, ddimers=[ddimer(value, kind, cutoff=assay_cutoff)])
    assert assess(features, ADJUST, "unlikely").positive is positive
