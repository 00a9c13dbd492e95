"""The musculoskeletal guidance cards, word for word (docs/clinical-basis.md §1.8, §1.9): a calf
strain (RICE only in its first 72 h, S17a-c), a possible Achilles rupture (same-day assessment),
sciatica (NICE NG59) and the physiotherapy referral, each only once DVT is settled and each with
the safety-net that brings the patient back.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from cards.models import Card
from cds.settings import Settings
from cds.triage import card_topic, evaluate
from cds.triage.rules import physio_referral
from fhir_mappings.features import Feature, FeatureSet, Laterality, Quantity
from tests.clinical.chart import (
    NOW,
    Chart,
    F,
    calf_pain,
    card,
    cards,
    ddimer,
    found,
    topics,
)

DVT_EXCLUDED = (
    "DVT made unlikely (NICE NG158): Wells 0 and D-dimer 300 ng/mL FEU (cut-off 500 ng/mL FEU) "
    "negative."
)
NO_TRIGGER = "No DVT trigger recorded (no current calf pain, swelling or tenderness)."
SAFETY_NET = (
    "Seek help at once for new leg swelling, breathlessness, chest pain or coughing blood "
    "(possible DVT or PE)."
)
TYNESIDE = "[Calf muscle injury leaflet (Tyneside)](https://docslib.org/doc/3113182)"
STRAIN_SOURCES = (
    f"Sources: {TYNESIDE}; [Calf strain leaflet (HUTH)]"
    "(https://www.hey.nhs.uk/patient-leaflet/soft-tissue-injury-calf-strain/); "
    "[NHS GGC MSK]"
    "(https://rightdecisions.scot.nhs.uk/ggc-msk-foot-and-ankle/lower-leg/calf-strainsprain)"
)
MSK_SOURCES = (
    "Sources: [NHS GGC MSK]"
    "(https://rightdecisions.scot.nhs.uk/ggc-msk-foot-and-ankle/lower-leg/calf-strainsprain); "
    "[NICE NG59](https://www.nice.org.uk/guidance/ng59/chapter/Recommendations)"
)


def strain(*more: Feature) -> Chart:
    """A left calf strain after DVT was made unlikely: Wells 0 and a negative D-dimer."""
    return Chart(
        [calf_pain(), found(F.MUSCLE_STRAIN, leg=Laterality.LEFT, ref="Condition/strain"), *more],
        ddimers=[ddimer(300)],
    )


def days(n: float) -> Feature:
    return found(F.SYMPTOM_DURATION_DAYS, quantity=Quantity(n, "d"), ref="Observation/duration")


def lines(shown: Card) -> list[str]:
    return (shown.detail or "").splitlines()


def strain_card_lines(first: str) -> list[str]:
    return [
        DVT_EXCLUDED,
        "",
        "Calf muscle strain: Condition/strain (2026-11-25).",
        "",
        f"- {first}",
        "- Expected recovery: grade 1 in 1–3 weeks, grade 2 in 4–8 weeks, grade 3 in 8–12 weeks "
        "(Tyneside leaflet).",
        "- Then graded return to walking and calf exercises; self-management first (NHS GGC MSK).",
        "- Review, or refer to physiotherapy, if pain persists beyond 3 days, recurs, or prevents "
        "walking or weight-bearing.",
        "- An audible 'pop' or 'snap' suggests Achilles rupture: A&E (Tyneside leaflet).",
        f"- {SAFETY_NET}",
        "",
        STRAIN_SOURCES,
    ]


def test_a_fresh_strain_gets_rice_and_analgesia_for_72_hours() -> None:
    shown = card(strain(), "muscle-strain")
    assert shown.indicator == "info"
    assert shown.summary == (
        "Calf muscle strain, DVT made unlikely: RICE and analgesia for 72 h, then graded return"
    )
    assert lines(shown) == strain_card_lines(
        "First 72 h: rest, ice, compression, elevation (RICE) and simple analgesia (Tyneside and "
        "HUTH leaflets)."
    )
    assert [(link.label, link.url) for link in shown.links or []] == [
        (
            "Calf strain: patient leaflet",
            "https://www.hey.nhs.uk/patient-leaflet/soft-tissue-injury-calf-strain/",
        )
    ]


@pytest.mark.parametrize(("lasted", "past_rice"), [(3, False), (3.1, True), (10, True)])
def test_past_72_hours_a_strain_is_not_told_to_rest_ice_and_compress(
    lasted: float, past_rice: bool
) -> None:
    shown = card(strain(days(lasted)), "muscle-strain")
    if past_rice:
        assert shown.summary == (
            "Calf muscle strain, DVT made unlikely: graded return to walking and calf exercises; "
            "review if not improving"
        )
        assert lines(shown)[4] == (
            "- The first 72 h (rest, ice, compression, elevation and simple analgesia) are over: "
            f"{lasted:.0f} days since the injury (Tyneside and HUTH leaflets)."
        )
    else:
        assert "RICE and analgesia for 72 h" in shown.summary
        assert lines(shown)[4].startswith("- First 72 h: rest, ice")


def test_a_strain_is_not_guided_while_dvt_is_not_excluded() -> None:
    undecided = Chart([calf_pain(), found(F.MUSCLE_STRAIN, leg=Laterality.LEFT)])
    assert "muscle-strain" not in topics(undecided)


def test_a_possible_achilles_rupture_goes_to_same_day_assessment_whatever_the_dvt_question() -> (
    None
):
    chart = Chart(
        [calf_pain(), found(F.ACHILLES_RUPTURE, leg=Laterality.LEFT, ref="Observation/pop")]
    )
    shown = card(chart, "muscle-strain")
    assert shown.indicator == "warning"
    assert shown.summary == (
        "Possible Achilles tendon rupture: same-day A&E or orthopaedic assessment"
    )
    assert lines(shown) == [
        "Possible Achilles tendon rupture: Observation/pop (2026-11-25).",
        "",
        "An audible pop or snap at the back of the ankle suggests rupture: same-day A&E or "
        "orthopaedic assessment (Tyneside leaflet). No physiotherapy referral until assessed.",
        "",
        "Sources: [Calf muscle injury leaflet (Tyneside)](https://docslib.org/doc/3113182)",
    ]


def test_sciatica_gets_the_ng59_advice_and_the_cauda_equina_safety_net() -> None:
    chart = Chart([found(F.SCIATICA, leg=Laterality.LEFT, ref="Condition/sciatica")])
    shown = card(chart, "sciatica")
    assert shown.indicator == "info"
    assert shown.summary == (
        "Sciatica: keep active, NICE NG59 exercise programme; safety-net for cauda equina symptoms"
    )
    assert lines(shown) == [
        NO_TRIGGER,
        "",
        "Sciatica / radicular pain: sciatica: Condition/sciatica (2026-11-25).",
        "",
        "- Stratify the episode (e.g. STarT Back), advise keeping active, and offer a group "
        "exercise programme; manual or psychological therapy only alongside exercise "
        "(NICE NG59).",
        "- About 12 weeks of community management including MSK physiotherapy before specialist "
        "referral (Devon referral guidance).",
        "- MRI only if symptoms persist beyond 4–6 weeks and intervention is considered "
        "(GP Reasoning sciatica algorithm).",
        "- Progressive or severe motor weakness (e.g. foot drop): urgent spinal referral.",
        "- Safety-net for cauda equina: new saddle numbness, bladder or bowel disturbance, sexual "
        "dysfunction or weakness in both legs means go to A&E now (BMJ Best Practice, NICE CKS).",
        "",
        "Sources: [NICE NG59](https://www.nice.org.uk/guidance/ng59/chapter/Recommendations); "
        "[Devon referral guidance: low back pain with or without sciatica]"
        "(https://northeast.devonformularyguidance.nhs.uk/referral-guidance/eastern-locality/"
        "musculosketal/low-back-pain-with-or-without-sciatica-radiculopathy); "
        "[GP Reasoning: sciatica algorithm]"
        "(https://gpreasoning.uk/tools/algorithms/sciatica.html); "
        "[BMJ Best Practice: cauda equina syndrome]"
        "(https://bestpractice.bmj.com/topics/en-gb/3000164/diagnosis-approach)",
    ]
    assert [(link.label, link.url) for link in shown.links or []] == [
        (
            "NICE NG59: low back pain and sciatica",
            "https://www.nice.org.uk/guidance/ng59/chapter/Recommendations",
        )
    ]


def test_sciatica_is_not_guided_while_dvt_is_not_excluded() -> None:
    chart = Chart([calf_pain(), found(F.SCIATICA, leg=Laterality.LEFT)])
    assert "sciatica" not in topics(chart)


def test_a_strain_persisting_recurring_and_preventing_walking_is_referred_to_physiotherapy() -> (
    None
):
    chart = strain(
        days(10),
        found(F.RECURRENT_PAIN, ref="Observation/recurs"),
        found(F.WALKING_DIFFICULTY, ref="Observation/walk"),
    )
    shown = card(chart, "physio-referral")
    assert shown.summary == (
        "Calf or leg pain persisting 10 days, recurring, preventing walking: refer to "
        "musculoskeletal physiotherapy"
    )
    assert lines(shown) == [
        DVT_EXCLUDED,
        "",
        "Reason for referral: pain persisting 10 days, recurring, preventing walking. Findings: "
        "calf muscle strain, symptom duration, recurrent pain, walking difficulty.",
        "",
        "For a strain, pain beyond the first 3 days (the RICE period) counts as persisting "
        "(Tyneside leaflet).",
        "",
        "NHS MSK pathways: self-management first, then assessment, manual therapy and graded "
        "exercise (NHS GGC MSK); for sciatica, exercise-based care (NICE NG59).",
        "",
        SAFETY_NET,
        "",
        MSK_SOURCES.replace("Sources: ", f"Sources: {TYNESIDE}; "),
    ]
    (referral,) = shown.suggestions or []
    assert (referral.label, referral.isRecommended) == (
        "Refer to musculoskeletal physiotherapy",
        True,
    )
    (action,) = referral.actions or []
    order = action.resource or {}
    assert action.description == "Create a draft physiotherapy referral"
    assert order["reasonCode"][0]["text"] == (
        "Calf/leg pain persisting 10 days, recurring, preventing walking; DVT excluded or not "
        "suspected"
    )
    assert [r["reference"] for r in order["reasonReference"]] == [
        "Condition/strain",
        "Observation/duration",
        "Observation/recurs",
        "Observation/walk",
    ]


@pytest.mark.parametrize(("lasted", "referred"), [(3, False), (4, True)])
def test_pain_beyond_the_first_3_days_is_persisting(lasted: float, referred: bool) -> None:
    assert ("physio-referral" in topics(strain(days(lasted)))) is referred


def test_sciatica_preventing_walking_is_referred_without_the_rice_period() -> None:
    chart = Chart(
        [
            found(F.SCIATICA, leg=Laterality.LEFT, ref="Condition/sciatica"),
            found(F.WALKING_DIFFICULTY, ref="Observation/walk"),
        ]
    )
    shown = card(chart, "physio-referral")
    assert shown.summary == (
        "Calf or leg pain preventing walking: refer to musculoskeletal physiotherapy"
    )
    assert lines(shown) == [
        NO_TRIGGER,
        "",
        "Reason for referral: pain preventing walking. Findings: sciatica, walking difficulty.",
        "",
        "NHS MSK pathways: self-management first, then assessment, manual therapy and graded "
        "exercise (NHS GGC MSK); for sciatica, exercise-based care (NICE NG59).",
        "",
        SAFETY_NET,
        "",
        MSK_SOURCES,
    ]


def test_a_possible_achilles_rupture_is_not_referred_to_physiotherapy() -> None:
    chart = strain(days(10), found(F.ACHILLES_RUPTURE, leg=Laterality.LEFT))
    assert "physio-referral" not in topics(chart)


def test_physiotherapy_is_not_offered_while_dvt_is_not_excluded() -> None:
    chart = Chart([calf_pain(), found(F.MUSCLE_STRAIN, leg=Laterality.LEFT), days(10)])
    assert "physio-referral" not in topics(chart)


def with_episode_start(chart: Chart, days_ago: float) -> FeatureSet:
    return replace(chart.feature_set(), episode_start=NOW - timedelta(days=days_ago))


@pytest.mark.parametrize(
    "duration",
    [
        None,
        found(F.SYMPTOM_DURATION_DAYS, ref="Observation/duration"),  # no value
        found(F.SYMPTOM_DURATION_DAYS, quantity=Quantity(1, "wk")),  # not in days
    ],
)
def test_without_a_duration_in_days_the_pain_has_lasted_since_the_episode_began(
    duration: Feature | None,
) -> None:
    chart = strain(*([duration] if duration else []))
    shown = evaluate(
        with_episode_start(chart, 10), hook="patient-view", settings=Settings(), hook_instance="h"
    )
    physio = next(c for c in shown if card_topic(c) == "physio-referral")
    assert physio.summary.startswith("Calf or leg pain persisting 10 days")


def test_sciatica_and_radicular_pain_are_both_cited() -> None:
    chart = Chart(
        [
            found(F.SCIATICA, ref="Condition/sciatica"),
            found(F.RADICULAR_SYMPTOMS, ref="Observation/tingling"),
        ]
    )
    assert lines(card(chart, "sciatica"))[2] == (
        "Sciatica / radicular pain: sciatica: Condition/sciatica (2026-11-25); radicular "
        "symptoms (tingling, numbness, shooting pain): Observation/tingling (2026-11-25)."
    )


def test_a_strain_and_a_possible_rupture_are_two_cards_with_their_own_ids() -> None:
    shown = [
        c for c in cards(strain(found(F.ACHILLES_RUPTURE))) if card_topic(c) == "muscle-strain"
    ]
    assert [c.indicator for c in shown] == ["warning", "info"]
    assert shown[0].uuid != shown[1].uuid


def test_the_physiotherapy_card_gives_way_to_any_critical_card_and_to_a_live_dvt_card() -> None:
    referral = card(strain(days(10)), "physio-referral")
    withdrawn = physio_referral.RULE.withdrawn_beside
    assert withdrawn is not None
    dvt = card(Chart([calf_pain()]), "dvt-ddimer")
    critical = card(Chart([calf_pain(), found(F.SADDLE_NUMBNESS)]), "cauda-equina")
    info = card(strain(), "muscle-strain")
    assert withdrawn(referral, dvt)
    assert withdrawn(referral, critical)
    assert not withdrawn(referral, info)
