"""Boundaries of the NG158 DVT and PE pathways that change what the cards say
(docs/clinical-basis.md §1.3, §1.5, §1.13).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from fhir_mappings.features import Evidence, Feature, State
from tests.clinical.chart import (
    NOW,
    Chart,
    F,
    calf_pain,
    card,
    ddimer,
    documented_absent,
    found,
    measured,
)


@pytest.mark.parametrize(("age", "caveat"), [(17, True), (18, False)])
def test_the_pe_card_states_the_adult_only_caveat_below_18_only(age: int, caveat: bool) -> None:
    chart = Chart([calf_pain(), measured(F.HEART_RATE, 120, "/min")], age=age)
    assert ("derived in adults" in (card(chart, "pe-emergency").detail or "")) is caveat


def pe_maximum(*findings: Feature) -> str:
    chart = Chart(
        [
            calf_pain(),
            found(F.DYSPNOEA),
            documented_absent(F.PREVIOUS_PE),
            documented_absent(F.HAEMOPTYSIS),
            documented_absent(F.LEG_SWELLING),
            measured(F.HEART_RATE, 80, "/min"),
            *findings,
        ]
    )
    detail = card(chart, "pe-emergency").detail or ""
    start = detail.index("possible maximum **") + len("possible maximum **")
    return detail[start : detail.index("**", start)]


def test_no_leg_swelling_means_no_clinical_signs_of_dvt_even_if_tenderness_is_unknown() -> None:
    """Wells PE "clinical signs of DVT" needs swelling and tenderness: with every kind of leg
    swelling documented absent, the item is absent whatever the tenderness; only "PE the most
    likely diagnosis" (3) stays open."""
    unknown_tenderness = Feature(F.DEEP_VEIN_TENDERNESS, State.UNKNOWN, reason="not documented")
    assert pe_maximum(unknown_tenderness) == "3"


def test_a_documented_absence_of_surgery_stays_absent_whatever_its_date() -> None:
    """ "No surgery" recorded a week ago is an absence, not surgery within 4 weeks."""
    no_surgery = Feature(
        F.RECENT_MAJOR_SURGERY,
        State.ABSENT,
        (Evidence(reference="QuestionnaireResponse/q1", time=NOW - timedelta(weeks=1)),),
    )
    assert pe_maximum(no_surgery) == "3"


def test_an_undated_ddimer_is_not_counted_and_the_card_says_why() -> None:
    """A D-dimer without a collection time cannot be placed in this episode: NG158 still asks for
    one, and the card says why the result on file does not count."""
    undated = ddimer(300)._replace(time=None, evidence=Evidence(reference="Observation/undated"))
    lines = (card(Chart([calf_pain()], ddimers=[undated]), "dvt-ddimer").detail or "").splitlines()
    assert "- No D-dimer that counts for this episode." in lines
    assert (
        "- Not counted: 300 ng/mL FEU (Observation/undated): "
        "no collection time: cannot place it in this episode."
    ) in lines


def test_the_cards_state_the_age_caveat_in_full() -> None:
    no_birth_date = card(Chart([calf_pain()], age=None), "dvt-ddimer").detail or ""
    assert (
        "Age is not documented (no birth date): NICE NG158 applies from age 18, and the "
        "age-adjusted D-dimer cut-off and PERC (age under 50) could not be applied; confirm the "
        "age."
    ) in no_birth_date
    child = Chart([calf_pain(), measured(F.HEART_RATE, 120, "/min")], age=17)
    assert (
        "Age 17: NICE NG158, Wells and PERC were derived in adults (18 and over); assess with the "
        "paediatric team."
    ) in (card(child, "pe-emergency").detail or "")


def test_under_18_the_outside_pathway_card_says_ng158_covers_adults() -> None:
    child = Chart([calf_pain(), found(F.LEG_SWELLING)], age=16)
    lines = (card(child, "dvt-outside-pathway").detail or "").splitlines()
    assert (
        "- NICE NG158 covers adults aged 18 and over: Wells and the D-dimer are not "
        "validated in children and young people."
    ) in lines


def test_under_18_with_a_normal_examination_the_strain_card_says_why_dvt_is_not_suspected() -> None:
    strain = Chart([calf_pain(), found(F.MUSCLE_STRAIN), documented_absent(F.LEG_SWELLING)], age=16)
    assert (
        "DVT not suspected: age 16, examination without a leg sign of DVT and no VTE risk factor "
        "on record (NICE NG158 covers adults from 18)."
    ) in (card(strain, "muscle-strain").detail or "").splitlines()
