"""Self-care, physiotherapy and cramp thresholds (docs/clinical-basis.md §1.8, §1.9)."""

from __future__ import annotations

import pytest

from tests.clinical.chart import (
    LEFT,
    Chart,
    F,
    calf_pain,
    card,
    ddimer,
    found,
    lab,
    measured,
    topics,
)


def strain_with_dvt_excluded(*findings: object) -> Chart:
    """A calf strain with a normal examination (Wells 0) and a negative D-dimer."""
    return Chart(
        [calf_pain(), found(F.MUSCLE_STRAIN), *findings],  # type: ignore[list-item]
        ddimers=[ddimer(300)],
    )


@pytest.mark.parametrize(("days", "referral"), [(3, False), (4, True)])
def test_physiotherapy_fits_when_pain_persists_beyond_3_days(days: int, referral: bool) -> None:
    chart = strain_with_dvt_excluded(measured(F.SYMPTOM_DURATION_DAYS, days, "d"))
    found_topics = topics(chart)
    assert "muscle-strain" in found_topics
    assert ("physio-referral" in found_topics) is referral


def test_no_physiotherapy_while_dvt_is_not_excluded() -> None:
    chart = Chart([calf_pain(), found(F.MUSCLE_STRAIN), measured(F.SYMPTOM_DURATION_DAYS, 6, "d")])
    assert not topics(chart) & {"muscle-strain", "physio-referral"}


def cramp_with(*results: object) -> Chart:
    labs: dict[str, list[object]] = {}
    for result in results:
        labs.setdefault(result.analyte, []).append(result)  # type: ignore[attr-defined]
    return Chart([found(F.CRAMP)], labs=labs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("analyte", "value", "flagged"),
    [
        ("potassium", 3.4, True),  # hypokalaemia below 3.5 mmol/L
        ("potassium", 3.5, False),
        ("magnesium", 0.69, True),  # hypomagnesaemia below 0.7 mmol/L
        ("magnesium", 0.7, False),
        ("calcium", 2.11, True),  # corrected calcium below 2.12 mmol/L
        ("calcium", 2.12, False),
    ],
)
def test_low_electrolytes_are_flagged_below_their_threshold(
    analyte: str, value: float, flagged: bool
) -> None:
    indicator = card(cramp_with(lab(analyte, value, "mmol/L")), "cramp").indicator
    assert (indicator == "warning") is flagged


@pytest.mark.parametrize(("ck", "flagged"), [(600, True), (599, False)])
def test_ck_at_3_times_the_upper_limit_is_flagged(ck: float, flagged: bool) -> None:
    indicator = card(cramp_with(lab("creatine_kinase", ck, "U/L", high=200)), "cramp").indicator
    assert (indicator == "warning") is flagged


def test_a_preliminary_electrolyte_result_is_not_judged() -> None:
    preliminary = cramp_with(lab("potassium", 3.0, "mmol/L", preliminary=True))
    assert card(preliminary, "cramp").indicator != "warning"
    final = cramp_with(lab("potassium", 3.0, "mmol/L"))
    assert card(final, "cramp").indicator == "warning"


@pytest.mark.parametrize(("days", "rice"), [(2, True), (10, False)])
def test_rice_for_72_hours_is_advised_only_in_the_first_72_hours(days: int, rice: bool) -> None:
    chart = strain_with_dvt_excluded(measured(F.SYMPTOM_DURATION_DAYS, days, "d"))
    assert ("RICE and analgesia for 72 h" in card(chart, "muscle-strain").summary) is rice


def test_a_converted_lab_value_is_shown_with_lab_precision() -> None:
    text = card(cramp_with(lab("magnesium", 0.493726, "mmol/L")), "cramp").detail or ""
    assert "magnesium 0.49 mmol/L" in text and "0.493726" not in text


def test_a_well_adults_recent_one_leg_cramp_gets_no_blood_panel() -> None:
    """Stretching, hydration and safety-net; bloods when the picture suggests a cause (S18d)."""
    well = card(Chart([found(F.CRAMP, leg=LEFT)]), "cramp")
    assert not well.suggestions and "stretching, hydration" in well.summary
    recurring = card(Chart([found(F.CRAMP, leg=LEFT), found(F.RECURRENT_PAIN)]), "cramp")
    assert recurring.suggestions


@pytest.mark.parametrize(("days", "bloods"), [(14, False), (15, True)])
def test_cramp_lasting_more_than_two_weeks_gets_bloods(days: int, bloods: bool) -> None:
    chart = Chart([found(F.CRAMP, leg=LEFT), measured(F.SYMPTOM_DURATION_DAYS, days, "d")])
    assert bool(card(chart, "cramp").suggestions) is bloods
