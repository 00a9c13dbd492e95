"""Red-flag gates spec (docs/clinical-basis.md §1.5, §1.6, §1.10): critical cards whatever any
score says."""

from __future__ import annotations

import pytest

from fhir_mappings.features import Feature, FeatureName, Quantity
from tests.clinical.chart import calf_pain, ddimer, fs, present, run, wells_points
from tests.clinical.chart import card_topics as topics
from tests.triage.contract import check_cards

F = FeatureName


def heart_rate(value: float) -> Feature:
    return present(F.HEART_RATE, quantity=Quantity(value, "/min"))


def spo2(value: float) -> Feature:
    return present(F.SPO2, quantity=Quantity(value, "%"))


@pytest.mark.parametrize(
    ("sign", "fires"),
    [
        (present(F.DYSPNOEA), True),
        (present(F.CHEST_PAIN), True),
        (present(F.HAEMOPTYSIS), True),
        (present(F.SYNCOPE), True),
        (heart_rate(101), True),  # > 100/min (S12a-d)
        (heart_rate(100), False),
        (spo2(94), True),  # PERC: SaO2 >= 95% is normal (S13e)
        (spo2(95), False),
    ],
)
def test_pe_signs_with_leg_symptoms_are_critical(sign: Feature, fires: bool) -> None:
    cards = run(fs(calf_pain(), sign, *wells_points(0), ddimers=[ddimer(300)]))
    check_cards(cards)
    assert ("pe-emergency" in topics(cards)) is fires
    if fires:
        assert cards[0].indicator == "critical"
        assert cards[0].summary.startswith("Possible pulmonary embolism")


def test_pe_signs_without_leg_symptoms_or_dvt_give_no_card() -> None:
    assert run(fs(present(F.DYSPNOEA), heart_rate(120))) == []


def test_pe_signs_with_known_dvt_and_no_leg_symptoms_are_critical() -> None:
    cards = run(fs(present(F.DYSPNOEA), present(F.CURRENT_DVT, ref="Condition/dvt")))
    check_cards(cards)
    assert topics(cards) == ["pe-emergency"]


def test_pe_gate_comes_first_and_keeps_the_pathway_card() -> None:
    cards = run(fs(calf_pain(), present(F.HAEMOPTYSIS), *wells_points(3)))
    check_cards(cards)
    assert topics(cards) == ["pe-emergency", "dvt-likely"]


@pytest.mark.parametrize(
    "feature", [F.SADDLE_NUMBNESS, F.BLADDER_BOWEL_DISTURBANCE, F.BILATERAL_LEG_NEURO]
)
def test_cauda_equina_features_with_sciatica_are_critical(feature: str) -> None:
    cards = run(fs(present(F.SCIATICA), present(feature), present(F.WALKING_DIFFICULTY)))
    check_cards(cards)
    assert topics(cards) == ["cauda-equina"]
    assert cards[0].indicator == "critical"


def test_cauda_equina_features_without_leg_or_back_complaint_give_no_card() -> None:
    assert run(fs(present(F.SADDLE_NUMBNESS))) == []


@pytest.mark.parametrize(
    ("features", "fires"),
    [
        ((F.RECENT_FRACTURE_OR_CRUSH, F.PAIN_OUT_OF_PROPORTION), True),
        ((F.COMPARTMENT_SYNDROME,), True),
        ((F.RECENT_FRACTURE_OR_CRUSH,), False),  # fracture alone is not the picture
    ],
)
def test_compartment_syndrome_picture(features: tuple[str, ...], fires: bool) -> None:
    cards = run(fs(calf_pain(), *(present(f) for f in features), *wells_points(0)))
    check_cards(cards)
    assert ("compartment-syndrome" in topics(cards)) is fires


@pytest.mark.parametrize("flag", [F.SUDDEN_SEVERE_SWELLING, F.THROBBING_PAIN_AT_REST])
def test_sudden_swelling_or_throbbing_pain_is_critical_whatever_the_score(flag: str) -> None:
    # Wells 0 with a negative D-dimer would otherwise exclude DVT.
    cards = run(fs(present(flag), *wells_points(0), ddimers=[ddimer(300)]))
    check_cards(cards)
    assert topics(cards) == ["dvt-likely"]
    assert cards[0].indicator == "critical"
    assert cards[0].summary.startswith("Red flag:")


def test_critical_card_blocks_physiotherapy() -> None:
    cards = run(
        fs(
            present(F.SCIATICA),
            present(F.SADDLE_NUMBNESS),
            present(F.RECURRENT_PAIN),
            present(F.WALKING_DIFFICULTY),
        )
    )
    check_cards(cards)
    assert "physio-referral" not in topics(cards)


def test_fracture_with_calf_pain_and_paraesthesia_on_the_same_leg_is_critical() -> None:
    from fhir_mappings.features import Laterality

    right = Laterality.RIGHT
    features = fs(
        calf_pain(right),
        present(F.RECENT_FRACTURE_OR_CRUSH, lat=right),
        present(F.RADICULAR_SYMPTOMS, lat=right),
    )
    cards = run(features)
    check_cards(cards)
    assert topics(cards)[0] == "compartment-syndrome"
    assert cards[0].summary.endswith("emergency orthopaedic assessment now")


def test_fracture_with_paraesthesia_on_the_other_leg_is_not_the_picture() -> None:
    from fhir_mappings.features import Laterality

    features = fs(
        calf_pain(Laterality.RIGHT),
        present(F.RECENT_FRACTURE_OR_CRUSH, lat=Laterality.RIGHT),
        present(F.RADICULAR_SYMPTOMS, lat=Laterality.LEFT),
        *wells_points(0),
    )
    assert "compartment-syndrome" not in topics(run(features))


def test_many_red_flag_findings_never_cut_the_action_from_the_summary() -> None:
    features = fs(
        calf_pain(),
        present(F.DYSPNOEA),
        present(F.CHEST_PAIN),
        present(F.HAEMOPTYSIS),
        present(F.SYNCOPE),
        heart_rate(130),
        spo2(88),
    )
    card = run(features)[0]
    assert card.summary.endswith("emergency assessment now")
    assert len(card.summary) < 140


def test_stale_vital_signs_do_not_raise_a_pe_card() -> None:
    old_heart_rate = present(F.HEART_RATE, quantity=Quantity(130, "/min"), days_ago=2)
    cards = run(fs(calf_pain(), old_heart_rate, *wells_points(0)))
    assert "pe-emergency" not in topics(cards)


def test_a_compartment_syndrome_card_keeps_dvt_likely_but_not_a_ddimer_card() -> None:
    picture = (present(F.RECENT_FRACTURE_OR_CRUSH), present(F.PAIN_OUT_OF_PROPORTION))
    likely = run(fs(calf_pain(), *picture, *wells_points(2)))
    assert topics(likely) == ["compartment-syndrome", "dvt-likely"]
    # A D-dimer is non-specific after an injury: the compartment card asks for the Wells /
    # ultrasound pathway instead of a D-dimer card beside it.
    cards = run(fs(calf_pain(), *picture, *wells_points(0)))
    assert topics(cards) == ["compartment-syndrome"]
    assert "Wells / ultrasound pathway" in (cards[0].detail or "")
