"""The NG158 pathway's next test and its age and D-dimer boundaries (docs/clinical-basis.md §1.3).

Calf pain with a normal examination is Wells 0 ("DVT unlikely"): NG158 asks for a D-dimer first,
and a negative one excludes DVT (no DVT card).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from cds.settings import Settings
from cds.triage.features_view import dvt_triggers
from cds.triage.order_codes import OrderKind
from cds.triage.pathway import assess_dvt
from fhir_mappings.features import Feature, Quantity, State
from tests.clinical.chart import (
    LEFT,
    NOW,
    Chart,
    F,
    calf_pain,
    card,
    ddimer,
    documented_absent,
    found,
    suggested,
    tender_deep_veins,
    topics,
)

DVT_CARDS = {"dvt-likely", "dvt-ddimer"}


@pytest.mark.parametrize(("age", "expected"), [(18, "dvt-ddimer"), (17, "dvt-outside-pathway")])
def test_ng158_covers_adults_from_18(age: int, expected: str) -> None:
    suspected = Chart([calf_pain(), tender_deep_veins(), found(F.LEG_SWELLING)], age=age)
    assert expected in topics(suspected)


@pytest.mark.parametrize(("value", "excluded"), [(500, False), (499, True)])
def test_conventional_ddimer_cut_off_is_500_ng_ml_feu(value: float, excluded: bool) -> None:
    chart = Chart([calf_pain()], ddimers=[ddimer(value)])
    assert (not topics(chart) & DVT_CARDS) is excluded


@pytest.mark.parametrize(("age", "excluded"), [(50, False), (51, True)])
def test_age_adjusted_cut_off_applies_only_over_50(age: int, excluded: bool) -> None:
    """505 ng/mL FEU: positive against 500 at 50; negative against 51 x 10 = 510 at 51."""
    chart = Chart([calf_pain()], age=age, ddimers=[ddimer(505)])
    assert (not topics(chart, age_adjusted_ddimer=True) & DVT_CARDS) is excluded


def test_age_adjusted_cut_off_is_a_setting_off_by_default() -> None:
    chart = Chart([calf_pain()], age=72, ddimers=[ddimer(650)])
    assert "dvt-ddimer" in topics(chart)
    assert not topics(chart, age_adjusted_ddimer=True) & DVT_CARDS


def test_dvt_unlikely_without_a_ddimer_asks_for_the_ddimer_first() -> None:
    labels = suggested(Chart([calf_pain()]), "dvt-ddimer")
    assert any("d-dimer" in label for label in labels)
    assert not any("ultrasound" in label for label in labels)


def test_on_an_anticoagulant_without_a_start_time_the_next_test_is_the_ultrasound() -> None:
    """A D-dimer may read falsely low on anticoagulation (NG158 2020): image instead."""
    chart = Chart([calf_pain(), found(F.ANTICOAGULANT, ref="MedicationRequest/doac")])
    labels = suggested(chart, "dvt-ddimer")
    assert any("ultrasound" in label for label in labels)
    assert not any("d-dimer" in label for label in labels)


def test_after_anticoagulation_started_a_new_ddimer_does_not_exclude_dvt() -> None:
    chart = Chart(
        [calf_pain()], ddimers=[ddimer(300)], anticoagulation_started=NOW - timedelta(days=1)
    )
    assert "dvt-ddimer" in topics(chart)


def test_sudden_severe_swelling_goes_to_same_day_ultrasound_whatever_the_score() -> None:
    chart = Chart([calf_pain(), found(F.SUDDEN_SEVERE_SWELLING)], ddimers=[ddimer(300)])
    urgent = card(chart, "dvt-likely")
    assert urgent.indicator == "critical"
    assert any("ultrasound" in s.label.lower() for s in urgent.suggestions or [])


def test_a_preliminary_negative_ddimer_does_not_exclude_dvt_and_awaits_the_final_one() -> None:
    """The test is done: the card stays, with no new D-dimer order, until the final result."""
    chart = Chart([calf_pain()], ddimers=[ddimer(300, preliminary=True)])
    assert "dvt-ddimer" in topics(chart)
    assert suggested(chart, "dvt-ddimer") == []
    final = Chart([calf_pain()], ddimers=[ddimer(300)])
    assert not topics(final) & DVT_CARDS


def test_under_18_with_a_normal_examination_and_no_risk_factor_dvt_is_not_suspected() -> None:
    """Calf strain at football, examination normal: sports-injury guidance, not the
    outside-pathway card (docs/clinical-basis.md §1.13)."""
    normal = Chart([calf_pain(), found(F.MUSCLE_STRAIN), documented_absent(F.LEG_SWELLING)], age=16)
    assert topics(normal) == {"muscle-strain"}
    on_the_pill = Chart(
        [
            calf_pain(),
            found(F.MUSCLE_STRAIN),
            documented_absent(F.LEG_SWELLING),
            found(F.HORMONAL_CONTRACEPTION, ref="MedicationRequest/pill"),
        ],
        age=16,
    )
    assert topics(on_the_pill) == {"dvt-outside-pathway"}


def test_under_18_an_undocumented_examination_leaves_dvt_suspected() -> None:
    assert topics(Chart([calf_pain(), found(F.MUSCLE_STRAIN)], age=16)) == {"dvt-outside-pathway"}


def test_in_pregnancy_the_card_gives_the_rcog_steps_not_the_ng158_pathway() -> None:
    chart = Chart([calf_pain(), found(F.PREGNANCY, ref="Condition/pregnant")], sex="female")
    outside = card(chart, "dvt-outside-pathway")
    text = (outside.detail or "").lower()
    assert "duplex ultrasound" in text and "low-molecular-weight heparin" in text
    assert "no d-dimer rule-out" in text and "paediatric" not in text
    assert any("ultrasound" in s.label.lower() for s in outside.suggestions or [])


def test_without_a_birth_date_the_card_says_which_age_rules_could_not_be_applied() -> None:
    detail = card(Chart([calf_pain()], age=None), "dvt-ddimer").detail or ""
    assert "Age is not documented" in detail
    assert "age-adjusted D-dimer" in detail and "PERC" in detail


def test_an_age_adjusted_negative_the_lab_flagged_high_is_said_so() -> None:
    flagged = Chart([calf_pain()], age=72, ddimers=[ddimer(650, interpretation="H")])
    assert topics(flagged, age_adjusted_ddimer=True) == {"dvt-unlikely-lab-flag"}
    info = card(flagged, "dvt-unlikely-lab-flag", age_adjusted_ddimer=True)
    assert info.indicator == "info" and "720" in (info.detail or "")
    assert "the lab flagged it high" in info.summary
    # With the conventional cut-off the lab's flag is honoured: positive, ultrasound next.
    assert "dvt-ddimer" in topics(flagged)
    unflagged = Chart([calf_pain()], age=72, ddimers=[ddimer(650)])
    assert not topics(unflagged, age_adjusted_ddimer=True)


@pytest.mark.parametrize(
    ("value", "unit", "suspected"),
    [(3.0, "cm", True), (2.9, "cm", False), (30, "mm", True), (25, "mm", False)],
)
def test_under_18_a_calf_3_cm_larger_makes_dvt_suspected(
    value: float, unit: str, suspected: bool
) -> None:
    larger = found(F.CALF_DIFFERENCE, leg=LEFT, quantity=Quantity(value, unit))
    chart = Chart(
        [calf_pain(), found(F.MUSCLE_STRAIN), documented_absent(F.LEG_SWELLING), larger], age=16
    )
    expected = {"dvt-outside-pathway"} if suspected else {"muscle-strain"}
    assert topics(chart) == expected


PRELIMINARY_NEGATIVE = ddimer(300, preliminary=True)
UNDOCUMENTED_VEINS = Feature(F.COLLATERAL_VEINS, State.UNKNOWN, reason="not documented")


@pytest.mark.parametrize(
    ("chart", "next_test", "awaiting"),
    [
        (Chart([calf_pain()]), OrderKind.DDIMER, False),
        (Chart([calf_pain()], ddimers=[PRELIMINARY_NEGATIVE]), None, True),
        (
            Chart(
                [calf_pain(), tender_deep_veins(), UNDOCUMENTED_VEINS],
                ddimers=[PRELIMINARY_NEGATIVE],
            ),
            None,
            True,
        ),
        (
            Chart([calf_pain(), found(F.ANTICOAGULANT)], ddimers=[PRELIMINARY_NEGATIVE]),
            OrderKind.ULTRASOUND,
            False,
        ),
        (
            Chart([calf_pain()], ddimers=[ddimer(900, preliminary=True)]),
            OrderKind.ULTRASOUND,
            False,
        ),
        (
            Chart([calf_pain(), tender_deep_veins(), UNDOCUMENTED_VEINS], ddimers=[ddimer(300)]),
            None,
            False,
        ),
        (
            Chart([calf_pain(), found(F.ANTICOAGULANT)], ddimers=[ddimer(300)]),
            OrderKind.ULTRASOUND,
            False,
        ),
    ],
    ids=[
        "no-ddimer",
        "preliminary-negative",
        "preliminary-negative-wells-incomplete",
        "preliminary-negative-anticoagulated",
        "preliminary-positive",
        "final-negative-wells-incomplete",
        "final-negative-anticoagulant-without-start",
    ],
)
def test_a_preliminary_negative_ddimer_names_no_next_test_its_final_result_is_awaited(
    chart: Chart, next_test: OrderKind | None, awaiting: bool
) -> None:
    """The D-dimer is done: NG158's next step is its final result, not a new D-dimer; on
    anticoagulation the ultrasound, as for any D-dimer that cannot rule DVT out (a negative one
    beside an anticoagulant without a start time may have been taken on it)."""
    features = chart.feature_set()
    status = assess_dvt(features, Settings(), dvt_triggers(features, Settings().episode_days))
    assert status.next_test is next_test
    assert status.awaiting_final_ddimer is awaiting
