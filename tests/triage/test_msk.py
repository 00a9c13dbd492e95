"""Musculoskeletal branch spec (docs/clinical-basis.md §1.8, §1.9): strain, cramp, sciatica,
physiotherapy.

These cards appear only when DVT was made unlikely by NG158 (Wells <= 1 and a negative D-dimer)
or was never a possibility (no calf pain or swelling), and no red flag fired."""

from __future__ import annotations

import pytest

from cds.triage.rules.cramp import judge_lab
from fhir_mappings.features import FeatureName, FeatureSet, Quantity
from tests.clinical.chart import calf_pain, ddimer, fs, lab, present, run, wells_points
from tests.clinical.chart import card_topics as topics
from tests.triage.contract import check_cards

F = FeatureName


def excluded(*features: object, **kw: object) -> FeatureSet:
    """Wells 0 (every criterion documented absent) with a negative D-dimer: DVT excluded."""
    return fs(*features, ddimers=[ddimer(300)], **kw)  # type: ignore[arg-type]


def test_strain_after_dvt_excluded_gives_rice_advice() -> None:
    cards = run(excluded(calf_pain(), present(F.MUSCLE_STRAIN)))
    check_cards(cards)
    assert topics(cards) == ["muscle-strain"]
    assert "RICE" in cards[0].summary and "72 h" in cards[0].summary
    assert "D-dimer 300 ng/mL FEU" in (cards[0].detail or "")


def test_strain_while_dvt_not_excluded_gives_no_msk_card() -> None:
    cards = run(fs(calf_pain(), present(F.MUSCLE_STRAIN), *wells_points(1)))
    assert topics(cards) == ["dvt-ddimer"]


@pytest.mark.parametrize(
    ("extra", "physio"),
    [
        ((present(F.SYMPTOM_DURATION_DAYS, quantity=Quantity(4, "d")),), True),  # > 3 days
        ((present(F.SYMPTOM_DURATION_DAYS, quantity=Quantity(3, "d")),), False),  # RICE period
        ((present(F.RECURRENT_PAIN),), True),
        ((present(F.WALKING_DIFFICULTY),), True),
        ((), False),
    ],
)
def test_physiotherapy_referral_when_pain_persists_recurs_or_stops_walking(
    extra: tuple[object, ...], physio: bool
) -> None:
    cards = run(excluded(calf_pain(), present(F.MUSCLE_STRAIN), *extra))
    check_cards(cards)
    assert ("physio-referral" in topics(cards)) is physio
    if physio:
        card = next(c for c in cards if topics([c]) == ["physio-referral"])
        assert card.suggestions and card.suggestions[0].actions
        resource = card.suggestions[0].actions[0].resource
        assert resource is not None
        assert resource["code"]["coding"][0]["code"] == "308447003"


def test_sciatica_without_calf_trigger_gives_self_care_and_safety_net() -> None:
    cards = run(fs(present(F.SCIATICA), present(F.RECURRENT_PAIN)))
    check_cards(cards)
    assert topics(cards) == ["sciatica", "physio-referral"]
    assert "cauda equina" in cards[0].summary
    assert "NG59" in (cards[0].detail or "")


def test_achilles_rupture_goes_to_ae_even_while_dvt_not_excluded_and_never_to_physio() -> None:
    cards = run(
        fs(
            calf_pain(),
            present(F.MUSCLE_STRAIN),
            present(F.ACHILLES_RUPTURE),
            present(F.WALKING_DIFFICULTY),
            *wells_points(1),
        )
    )
    check_cards(cards)
    assert topics(cards) == ["dvt-ddimer", "muscle-strain"]
    assert cards[1].indicator == "warning"
    assert "A&E" in cards[1].summary


@pytest.mark.parametrize(
    ("analyte", "value", "unit", "abnormal"),
    [
        ("potassium", 3.4, "mmol/L", True),  # < 3.5 (S18e)
        ("potassium", 3.5, "mmol/L", False),
        ("potassium", 2.4, "mmol/L", True),  # severe < 2.5
        ("magnesium", 0.69, "mmol/L", True),  # < 0.7 (S18f)
        ("magnesium", 0.7, "mmol/L", False),
        ("calcium", 2.11, "mmol/L", True),  # < 2.12 (USC range low)
        ("calcium", 2.2, "mmol/L", False),
    ],
)
def test_electrolyte_thresholds(analyte: str, value: float, unit: str, abnormal: bool) -> None:
    assert judge_lab(analyte, lab(analyte, value, unit)).abnormal is abnormal


def test_lab_reference_range_low_wins() -> None:
    assert judge_lab("calcium", lab("calcium", 2.15, low=2.2)).abnormal is True


@pytest.mark.parametrize(("value", "abnormal"), [(599, False), (600, True)])
def test_ck_three_times_upper_limit(value: float, abnormal: bool) -> None:
    assert (
        judge_lab("creatine_kinase", lab("creatine_kinase", value, "U/L", high=200)).abnormal
        is abnormal
    )


def test_ck_without_reference_range_is_not_judged() -> None:
    assert judge_lab("creatine_kinase", lab("creatine_kinase", 5000, "U/L")).abnormal is False


def test_cramp_with_low_potassium_shows_value() -> None:
    labs = {
        "potassium": [lab("potassium", 3.1)],
        "magnesium": [lab("magnesium", 0.8)],
        "calcium": [lab("calcium", 2.3)],
        "creatine_kinase": [lab("creatine_kinase", 90, "U/L", high=200)],
    }
    cards = run(fs(present(F.CRAMP), labs=labs))
    check_cards(cards)
    assert topics(cards) == ["cramp"]
    assert cards[0].indicator == "warning"
    assert "potassium 3.1 mmol/L" in cards[0].summary
    assert not cards[0].suggestions  # all recent: nothing to order


def test_recurring_cramp_without_recent_bloods_suggests_the_panel() -> None:
    labs = {"potassium": [lab("potassium", 4.0, days_ago=90)]}  # too old to count
    cards = run(fs(present(F.CRAMP), present(F.RECURRENT_PAIN), labs=labs))
    check_cards(cards)
    card = cards[0]
    assert card.summary.startswith("Leg cramp with no recent bloods")
    codes = [a.resource["code"]["coding"][0]["code"] for a in card.suggestions[0].actions]  # type: ignore[index, union-attr]
    assert codes == ["24326-1", "19123-9", "17861-6", "2157-6"]


def test_cramp_with_calf_pain_waits_for_dvt_exclusion() -> None:
    cards = run(fs(calf_pain(), present(F.CRAMP), *wells_points(0)))
    assert topics(cards) == ["dvt-ddimer"]
