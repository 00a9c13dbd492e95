"""Red-flag thresholds (docs/clinical-basis.md §1.5, §1.11): a leg complaint with a heart rate
above 100/min or an oxygen saturation below 95 % is a possible PE; a temperature of 38.0 °C or
more is a fever red flag, critical when a NEWS2 red parameter is present."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.clinical.chart import LEFT, Chart, F, calf_pain, card, found, measured, topics


@pytest.mark.parametrize(("rate", "flag"), [(101, True), (100, False)])
def test_heart_rate_above_100_with_a_leg_complaint_is_a_pe_red_flag(rate: int, flag: bool) -> None:
    chart = Chart([calf_pain(), measured(F.HEART_RATE, rate, "/min")])
    assert ("pe-emergency" in topics(chart)) is flag


@pytest.mark.parametrize(("spo2", "flag"), [(94, True), (95, False)])
def test_oxygen_saturation_below_95_with_a_leg_complaint_is_a_pe_red_flag(
    spo2: int, flag: bool
) -> None:
    chart = Chart([calf_pain(), measured(F.SPO2, spo2, "%")])
    assert ("pe-emergency" in topics(chart)) is flag


def test_a_vital_sign_older_than_24_hours_is_not_a_current_sign() -> None:
    old = measured(F.HEART_RATE, 130, "/min", ago=timedelta(hours=25))
    assert "pe-emergency" not in topics(Chart([calf_pain(), old]))
    recent = measured(F.HEART_RATE, 130, "/min", ago=timedelta(hours=23))
    assert "pe-emergency" in topics(Chart([calf_pain(), recent]))


def test_temperature_of_38_0_with_calf_pain_is_a_fever_red_flag() -> None:
    chart = Chart([calf_pain(), measured(F.TEMPERATURE, 38.0, "Cel")])
    assert "fever-red-flag" in topics(chart)


def test_temperature_of_37_9_is_not_a_fever_red_flag() -> None:
    chart = Chart([calf_pain(), measured(F.TEMPERATURE, 37.9, "Cel")])
    assert "fever-red-flag" not in topics(chart)


def test_a_coded_fever_with_calf_pain_is_a_fever_red_flag() -> None:
    chart = Chart([calf_pain(), found(F.FEVER, ref="Condition/fever")])
    assert "fever-red-flag" in topics(chart)


@pytest.mark.parametrize(
    ("vital", "value", "unit", "critical"),
    [
        (F.RESPIRATORY_RATE, 25, "/min", True),  # NEWS2 red: 25/min or more
        (F.RESPIRATORY_RATE, 24, "/min", False),
        (F.HEART_RATE, 131, "/min", True),  # NEWS2 red: 131/min or more (NG51: > 130)
        (F.HEART_RATE, 130, "/min", False),
        (F.SPO2, 91, "%", True),  # NEWS2 red: 91 % or less
    ],
)
def test_fever_with_a_news2_red_parameter_is_critical(
    vital: str, value: float, unit: str, critical: bool
) -> None:
    chart = Chart([calf_pain(), measured(F.TEMPERATURE, 38.5, "Cel"), measured(vital, value, unit)])
    indicator = card(chart, "fever-red-flag").indicator
    assert (indicator == "critical") is critical


def test_a_fever_without_a_leg_complaint_is_not_this_services_red_flag() -> None:
    assert "fever-red-flag" not in topics(Chart([measured(F.TEMPERATURE, 39.0, "Cel")]))


def test_a_temperature_older_than_24_hours_is_not_a_current_fever() -> None:
    old = measured(F.TEMPERATURE, 39.0, "Cel", ago=timedelta(hours=25))
    assert "fever-red-flag" not in topics(Chart([calf_pain(), old]))


def test_fever_silences_strain_and_physiotherapy_advice_but_not_the_dvt_card() -> None:
    chart = Chart([calf_pain(), found(F.MUSCLE_STRAIN), measured(F.TEMPERATURE, 38.5, "Cel")])
    assert topics(chart) == {"fever-red-flag", "dvt-ddimer"}


def test_fever_with_sciatica_names_the_spinal_infection_red_flag() -> None:
    chart = Chart([found(F.SCIATICA, leg=LEFT), measured(F.TEMPERATURE, 38.4, "Cel")])
    fever = card(chart, "fever-red-flag")
    assert "spinal infection" in (fever.detail or "")
    assert topics(chart) == {"fever-red-flag"}


def test_the_pe_card_states_the_adult_only_caveat_under_18() -> None:
    chart = Chart([calf_pain(), measured(F.HEART_RATE, 120, "/min")], age=16)
    assert "derived in adults" in (card(chart, "pe-emergency").detail or "")


def test_every_news2_red_parameter_is_read_not_only_the_first() -> None:
    chart = Chart(
        [
            calf_pain(),
            measured(F.TEMPERATURE, 38.5, "Cel"),
            measured(F.RESPIRATORY_RATE, 16, "/min"),
            measured(F.SPO2, 90, "%"),
        ]
    )
    assert card(chart, "fever-red-flag").indicator == "critical"


@pytest.mark.parametrize(("age", "caveat"), [(15, True), (16, False)])
def test_news2_is_scored_from_16_and_the_fever_card_says_so_below(age: int, caveat: bool) -> None:
    chart = Chart([calf_pain(), measured(F.TEMPERATURE, 38.5, "Cel")], age=age)
    assert ("NEWS2 is scored from age 16" in (card(chart, "fever-red-flag").detail or "")) is caveat
