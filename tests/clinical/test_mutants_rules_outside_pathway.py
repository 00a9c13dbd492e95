"""Suspected DVT outside NICE NG158 (pregnancy and the puerperium, RCOG Green-top 37b; under 18:
paediatric assessment; docs/clinical-basis.md §1.12, §1.13), and a DVT made unlikely by the
age-adjusted D-dimer that the laboratory flagged high (§1.16), word for word.
"""

from __future__ import annotations

from typing import Any

import pytest

from cards.models import Card
from fhir_mappings.features import Laterality
from tests.clinical.chart import Chart, F, calf_pain, card, ddimer, found, topics

NG158 = "https://www.nice.org.uk/guidance/ng158/chapter/Recommendations"
RCOG = "https://www.rcog.org.uk/guidance/browse-all-guidance/green-top-guidelines/"
NO_PHYSIO = "Do not start physiotherapy, massage or compression until DVT is excluded."


def swollen_leg(*more: Any, **chart: Any) -> Chart:
    return Chart([calf_pain(), found(F.LEG_SWELLING, leg=Laterality.LEFT), *more], **chart)


def lines(shown: Card) -> list[str]:
    return (shown.detail or "").splitlines()


def pregnant(age: int | None = 30) -> Chart:
    return swollen_leg(found(F.PREGNANCY, ref="Condition/preg"), sex="female", age=age)


def test_in_pregnancy_the_card_gives_the_rcog_steps_instead_of_wells() -> None:
    shown = card(pregnant(), "dvt-outside-pathway")
    assert shown.indicator == "warning"
    assert shown.summary == (
        "Suspected DVT in pregnancy or postpartum: outside NICE NG158; same-day duplex "
        "ultrasound, LMWH while waiting (RCOG)"
    )
    assert lines(shown) == [
        "Current leg findings: calf pain, leg swelling.",
        "",
        "- Pregnancy or postpartum: Condition/preg (2026-11-25)",
        "- Age: 30",
        "",
        "**Next steps**",
        "",
        "- NICE NG158 does not cover pregnancy or the 6 weeks after it (RCOG Green-top 37a): no "
        "Wells score and no D-dimer rule-out (the D-dimer rises in normal pregnancy; RCOG "
        "Green-top 37b).",
        "- Compression duplex ultrasound of the leg veins the same day (RCOG Green-top 37b).",
        "- Therapeutic low-molecular-weight heparin while waiting for the scan, unless "
        "contraindicated (bleeding, low platelets; RCOG Green-top 37b).",
        "- Scan negative but suspicion still high: stop the heparin and repeat the scan on days 3 "
        "and 7 (RCOG Green-top 37b).",
        "- Obstetric (maternal medicine) and haematology advice the same day.",
        "",
        NO_PHYSIO,
        "",
        "Sources: [RCOG Green-top 37b: thromboembolic disease in pregnancy and the puerperium]"
        f"({RCOG}); [RCOG Green-top 37a: reducing the risk of VTE in pregnancy and the "
        f"puerperium]({RCOG}); [NICE NG158]({NG158})",
    ]
    assert [(link.label, link.url) for link in shown.links or []] == [("NICE NG158 scope", NG158)]


def test_in_pregnancy_the_card_offers_a_same_day_duplex_ultrasound() -> None:
    (scan,) = card(pregnant(), "dvt-outside-pathway").suggestions or []
    assert (scan.label, scan.isRecommended) == (
        "Order compression duplex ultrasound of the leg veins today",
        True,
    )
    (action,) = scan.actions or []
    order = action.resource or {}
    assert action.description == "Create a draft leg vein ultrasound order"
    assert order["priority"] == "stat"
    assert order["reasonCode"][0]["text"] == "Suspected DVT in pregnancy or the puerperium"
    assert order["note"] == [{"text": "Compression duplex ultrasound today (RCOG Green-top 37b)."}]
    assert len(order["reasonReference"]) == 2  # the calf pain and the swelling


@pytest.mark.parametrize("age", [16, None])
def test_under_18_the_card_asks_for_paediatric_assessment(age: int | None) -> None:
    """Under 18 with a leg sign is outside NG158; a patient without a birth date is not placed
    under 18 (the adult pathway applies, with the age caveat)."""
    chart = swollen_leg(age=age)
    if age is None:
        assert "dvt-outside-pathway" not in topics(chart)
        return
    shown = card(chart, "dvt-outside-pathway")
    assert shown.summary == (
        "Suspected DVT at age 16: under 18 is outside NICE NG158, same-day paediatric assessment"
    )
    assert not shown.suggestions
    assert lines(shown) == [
        "Current leg findings: calf pain, leg swelling.",
        "",
        "- Age: 16",
        "",
        "**Next steps**",
        "",
        "- NICE NG158 covers adults aged 18 and over: Wells and the D-dimer are not "
        "validated in children and young people.",
        "- Same-day assessment by the paediatric (or adolescent) team, with haematology advice; "
        "imaging is decided there.",
        "",
        NO_PHYSIO,
        "",
        f"Sources: [NICE NG158]({NG158})",
    ]


def test_pregnancy_without_a_birth_date_says_the_age_is_not_documented() -> None:
    assert "- Age: not documented" in lines(card(pregnant(age=None), "dvt-outside-pathway"))


def test_a_known_dvt_in_pregnancy_is_not_worked_up_again() -> None:
    chart = pregnant()
    chart.findings.append(found(F.CURRENT_DVT, ref="Condition/dvt"))
    assert "dvt-outside-pathway" not in topics(chart)


def flagged(interpretation: str, assay_cutoff: float | None = None) -> Card:
    """Age 70, Wells 0, D-dimer 600 FEU: negative by the age-adjusted 700, flagged by the lab."""
    result = ddimer(600, interpretation=interpretation)._replace(assay_cutoff_ng_ml=assay_cutoff)
    chart = Chart([calf_pain()], age=70, ddimers=[result])
    return card(chart, "dvt-unlikely-lab-flag", age_adjusted_ddimer=True)


def test_a_lab_flag_overruled_by_the_age_adjusted_cut_off_is_shown_with_the_safety_net() -> None:
    shown = flagged("H")
    assert shown.indicator == "info"
    assert shown.summary == (
        "DVT unlikely by the age-adjusted D-dimer, but the lab flagged it high: safety-net and "
        "consider other causes"
    )
    assert lines(shown) == [
        "D-dimer 600 ng/mL FEU (cut-off 700 ng/mL FEU) using age-adjusted (70 × 10 FEU; "
        "Schouten, BMJ 2013) (Observation/dd): **negative** by the age-adjusted cut-off, but the "
        "laboratory flagged it **high** against its own cut-off of 500 ng/mL FEU (conventional).",
        "",
        "- With Wells decisively unlikely and this negative D-dimer, NICE NG158 calls DVT "
        "unlikely; the age adjustment is a setting of this service.",
        "- If in doubt, the conventional cut-off would call the result positive: proximal leg "
        "vein ultrasound.",
        "- Consider other causes: Baker's cyst, cellulitis, superficial thrombophlebitis, muscle "
        "strain (BMJ Best Practice, UpToDate).",
        "- Tell the patient DVT is unlikely, what the signs of DVT and PE are, and to come back "
        "at once with new leg swelling, breathlessness or chest pain (NICE NG158).",
        "",
        f"Sources: [NICE NG158]({NG158})",
    ]
    assert [(link.label, link.url) for link in shown.links or []] == [("NICE NG158", NG158)]


def test_the_lab_flag_card_names_the_assay_cut_off_when_the_lab_sends_one() -> None:
    shown = flagged("POS", assay_cutoff=500)
    assert "the lab flagged it positive" in shown.summary
    assert "against its own cut-off of 500 ng/mL FEU." in lines(shown)[0]


def test_no_lab_flag_card_without_a_flag_or_while_dvt_is_not_excluded() -> None:
    plain = Chart([calf_pain()], age=70, ddimers=[ddimer(600)])
    assert "dvt-unlikely-lab-flag" not in topics(plain, age_adjusted_ddimer=True)
    conventional = Chart([calf_pain()], age=70, ddimers=[ddimer(600, interpretation="H")])
    assert "dvt-unlikely-lab-flag" not in topics(conventional)


def test_the_lab_flag_card_can_be_declined_or_called_not_applicable() -> None:
    assert [reason.code for reason in flagged("H").overrideReasons or []] == [
        "cds-not-applicable",
        "patient-refuses",
    ]


def test_no_lab_flag_card_while_the_flagged_result_is_preliminary() -> None:
    """A preliminary negative does not exclude DVT, so there is no 'DVT unlikely' to
    safety-net yet."""
    result = ddimer(600, interpretation="H", preliminary=True)
    chart = Chart([calf_pain()], age=70, ddimers=[result])
    assert "dvt-unlikely-lab-flag" not in topics(chart, age_adjusted_ddimer=True)
    assert "dvt-ddimer" in topics(chart, age_adjusted_ddimer=True)
