"""The PE card: Wells PE as a range from the same findings the DVT side reads, and the NICE NG158
PE pathway it decides (docs/clinical-basis.md §1.5; S2, S3c, S12a-e, S13e).

- More than 4 is PE likely: immediate CTPA (V/Q where CTPA is unsuitable), interim therapeutic
  anticoagulation if imaging is delayed. 4 or less is PE unlikely: a D-dimer first.
- "PE the most likely diagnosis" (+3) is a clinician's judgement: unknown, so both branches show
  until the documented items alone decide.
- The DVT D-dimer card gives way to the PE card, which says where the leg stands.
"""

from __future__ import annotations

import pytest

from cards.models import Card
from fhir_mappings.features import Feature, FeatureName, Laterality, Quantity
from tests.clinical.chart import calf_pain, ddimer, fs, present, run
from tests.clinical.chart import card_topics as topics
from tests.clinical.chart import documented_absent as absent
from tests.triage.contract import check_cards

F = FeatureName
L = Laterality.LEFT


def heart_rate(value: float) -> Feature:
    return present(F.HEART_RATE, quantity=Quantity(value, "/min"), days_ago=0.1)


def spo2(value: float) -> Feature:
    return present(F.SPO2, quantity=Quantity(value, "%"), days_ago=0.1)


# Every Wells PE item documented absent, with a normal heart rate.
NOTHING_ELSE = (
    absent(F.PREVIOUS_PE),
    absent(F.HAEMOPTYSIS),
    absent(F.LEG_SWELLING),
    heart_rate(80),
)


def pe_card(cards: list[Card]) -> Card:
    check_cards(cards)
    return next(c for c in cards if topics([c]) == ["pe-emergency"])


def detail(card: Card) -> str:
    return card.detail or ""


def test_dvt_signs_count_3_in_wells_pe_and_make_pe_likely() -> None:
    features = fs(
        calf_pain(L),
        present(F.LEG_SWELLING, lat=L),
        present(F.DEEP_VEIN_TENDERNESS, lat=L),
        present(F.DYSPNOEA),
        heart_rate(118),
    )
    cards = run(features)
    card = pe_card(cards)
    # clinical signs of DVT 3 + heart rate 1.5 = 4.5 > 4: PE likely
    assert "documented score **4.5**" in detail(card)
    assert card.summary.endswith("PE likely (Wells PE 4.5–10), immediate CTPA")
    assert "immediate CT pulmonary angiogram (CTPA)" in detail(card)
    assert "interim therapeutic anticoagulation if imaging cannot be done at once" in detail(card)
    assert "PE unlikely (Wells PE ≤ 4): D-dimer" not in detail(card)
    assert "dvt-ddimer" not in topics(cards)  # never a DVT D-dimer beside a PE-likely card


def test_pitting_oedema_with_tenderness_is_the_dvt_signs_item() -> None:
    features = fs(
        calf_pain(L),
        present(F.PITTING_OEDEMA, lat=L),
        present(F.DEEP_VEIN_TENDERNESS, lat=L),
        present(F.HAEMOPTYSIS),
    )
    card = pe_card(run(features))
    assert "documented score **4**" in detail(card)  # 3 + haemoptysis 1
    assert "PE likely" not in card.summary  # 4 is not more than 4: still undecided


def test_tenderness_without_swelling_is_not_the_dvt_signs_item() -> None:
    features = fs(calf_pain(L), present(F.DEEP_VEIN_TENDERNESS, lat=L), present(F.HAEMOPTYSIS))
    card = pe_card(run(features))
    assert "documented score **1**" in detail(card)


def test_unknown_items_give_a_range_and_both_branches() -> None:
    card = pe_card(run(fs(calf_pain(), present(F.DYSPNOEA), all_documented=False)))
    text = detail(card)
    assert "documented score **0**" in text
    assert "possible maximum **12.5**" in text  # every item unknown: 3+3+1.5+1.5+1.5+1+1
    assert "PE likely (Wells PE > 4): immediate CT pulmonary angiogram" in text
    assert "PE unlikely (Wells PE ≤ 4): D-dimer" in text
    assert card.summary.endswith("emergency assessment now")


def test_everything_documented_absent_is_pe_unlikely_with_a_ddimer_first() -> None:
    features = fs(calf_pain(), present(F.DYSPNOEA), *NOTHING_ELSE)
    text = detail(pe_card(run(features)))
    # only "PE the most likely diagnosis" (+3) is unknown: at most 3, PE unlikely
    assert "possible maximum **3**" in text
    assert "PE unlikely (Wells PE ≤ 4): D-dimer with the result within 4 h" in text
    assert "immediate CT pulmonary angiogram" not in text


def test_on_anticoagulation_a_ddimer_cannot_exclude_pe() -> None:
    features = fs(
        calf_pain(),
        present(F.DYSPNOEA),
        *NOTHING_ELSE,
        present(F.ANTICOAGULANT, ref="MedicationRequest/warfarin"),
    )
    text = detail(pe_card(run(features)))
    assert "cannot exclude PE: immediate CT pulmonary angiogram (CTPA)" in text
    assert "whatever the score" in text
    assert "D-dimer with the result" not in text
    assert "interim therapeutic anticoagulation" not in text  # already anticoagulated


@pytest.mark.parametrize(
    ("weeks_ago", "counted"), [(3.9, True), (4.0, True), (4.1, False), (10, False)]
)
def test_surgery_counts_within_4_weeks(weeks_ago: float, counted: bool) -> None:
    surgery = present(F.RECENT_MAJOR_SURGERY, days_ago=weeks_ago * 7, ref="Procedure/op")
    features = fs(calf_pain(), present(F.DYSPNOEA), *NOTHING_ELSE, surgery)
    text = detail(pe_card(run(features)))
    assert ("documented score **1.5**" in text) is counted


def test_previous_vte_counts_1_5() -> None:
    features = fs(
        calf_pain(), present(F.DYSPNOEA), *NOTHING_ELSE[1:], heart_rate(80), present(F.PREVIOUS_PE)
    )
    assert "documented score **1.5**" in detail(pe_card(run(features)))


def test_raw_feature_names_never_reach_the_card() -> None:
    card = pe_card(run(fs(calf_pain(), spo2(91))))
    assert "oxygen saturation (SpO2): " in detail(card)
    assert "spo2:" not in detail(card)


def test_perc_line_only_with_unilateral_swelling() -> None:
    without = pe_card(run(fs(calf_pain(), present(F.DYSPNOEA))))
    assert "PERC" not in detail(without)
    swollen = pe_card(run(fs(calf_pain(L), present(F.LEG_SWELLING, lat=L), present(F.DYSPNOEA))))
    assert "can never be PERC-negative" in detail(swollen)


def test_the_ddimer_card_gives_way_and_the_pe_card_says_where_the_leg_stands() -> None:
    cards = run(fs(calf_pain(), present(F.DYSPNOEA)))
    assert topics(cards) == ["pe-emergency"]
    assert "The leg: Wells DVT 0 (DVT unlikely)" in detail(cards[0])


def test_the_more_strongly_supported_emergency_comes_first() -> None:
    injury = (
        present(F.RECENT_FRACTURE_OR_CRUSH, lat=L),
        present(F.PAIN_OUT_OF_PROPORTION, lat=L),
    )
    # PE on a heart rate alone, compartment syndrome on an injury and pain out of proportion
    cards = run(fs(calf_pain(L), *injury, heart_rate(102)))
    assert topics(cards)[:2] == ["compartment-syndrome", "pe-emergency"]
    # a PE picture with more findings comes first
    many = (present(F.DYSPNOEA), present(F.CHEST_PAIN), present(F.SYNCOPE), heart_rate(120))
    assert topics(run(fs(calf_pain(L), *injury, *many)))[:2] == [
        "pe-emergency",
        "compartment-syndrome",
    ]


def test_cards_come_in_order_of_severity() -> None:
    old_strain = present(F.MUSCLE_STRAIN, days_ago=1)
    rupture = present(F.ACHILLES_RUPTURE)
    cards = run(fs(old_strain, rupture, ddimers=[ddimer(300)]))
    order = {"critical": 0, "warning": 1, "info": 2}
    assert [order[c.indicator] for c in cards] == sorted(order[c.indicator] for c in cards)


def test_a_stale_heart_rate_is_unknown_not_absent() -> None:
    stale = present(F.HEART_RATE, quantity=Quantity(80, "/min"), days_ago=3)
    features = fs(calf_pain(), present(F.DYSPNOEA), *NOTHING_ELSE[:3], stale)
    text = detail(pe_card(run(features)))
    assert "no current heart rate" in text
    assert "possible maximum **4.5**" in text  # 3 (PE most likely) + 1.5 (heart rate)


@pytest.mark.parametrize(("days", "counted"), [(2, False), (3, True)])
def test_bed_rest_counts_from_3_days(days: float, counted: bool) -> None:
    bed = present(F.BEDRIDDEN, quantity=Quantity(days, "d"), ref="Condition/bed")
    features = fs(calf_pain(), present(F.DYSPNOEA), *NOTHING_ELSE, bed)
    assert ("documented score **1.5**" in detail(pe_card(run(features)))) is counted


def test_cancer_counts_1() -> None:
    features = fs(calf_pain(), present(F.DYSPNOEA), *NOTHING_ELSE, present(F.ACTIVE_CANCER))
    assert "documented score **1**" in detail(pe_card(run(features)))
