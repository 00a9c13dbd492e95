"""Wells "alternative diagnosis at least as likely as DVT" (-2), from the Conditions an EHR sends.

Wells 2003 (clinical-basis §1.7): the -2 is the clinician's judgement. It counts when a clinician
asserted the diagnosis (verificationStatus confirmed or provisional) for the current episode, on
the leg being scored; a diagnosis on the other leg does not explain this leg, and a resolved,
refuted or entered-in-error Condition asserts nothing. Sciatica, calf strain or tear, cramp and
PAD / claudication count like Baker's cyst. When the -2 turns "likely" into "not likely", the card
says the score without it and which Condition it came from.

The patient: right calf pain, tenderness along the deep veins of the right calf and a previous
DVT (Wells 2, DVT likely), every other Wells item examined and absent.
"""

from __future__ import annotations

from typing import Any

import pytest

from cds.smart.answers import ALTERNATIVES, alternative_condition, read_answers
from cds.triage import card_topic
from cds.triage.wells import score_wells
from cds.triage.wells_result import (
    ALTERNATIVE_LABELS,
    WellsResult,
    alternative_label,
    alternative_source,
)
from fhir_mappings.catalog import alternative_kind
from fhir_mappings.codelists import builtin_entries
from fhir_mappings.features import AlternativeDiagnosis, Evidence, FeatureSet, Laterality
from tests.clinical.chart import run as run_rules
from tests.fhir_mappings.builders import (
    ICD,
    LEFT,
    LNC,
    LOCAL,
    NOW,
    RIGHT,
    SCT,
    condition,
    observation,
    qty,
    run,
    site,
)

LOWER_LEG = "30021000"  # Structure of lower limb from knee to ankle
LOWER_LIMB = "61685007"


def _patient_resource() -> dict[str, Any]:
    return {"resourceType": "Patient", "id": "p1", "birthDate": "1978-08-21", "gender": "male"}


def right_calf_wells_2() -> list[dict[str, Any]]:
    """Right calf pain; +1 tenderness along the deep veins, +1 previous DVT; the rest absent."""
    right_leg = site(LOWER_LEG, RIGHT)
    return [
        _patient_resource(),
        condition(SCT, "300954003", rid="pain", verification="confirmed", body_site=[right_leg]),
        condition(ICD, "Z86.718", rid="old-dvt", onset_days=2000),
        observation(SCT, "247348008", rid="tender", body_site=right_leg, valueBoolean=True),
        observation(SCT, "449614009", rid="whole-leg", body_site=right_leg, valueBoolean=False),
        observation(
            LOCAL, "pitting-oedema", rid="pitting", body_site=right_leg, valueBoolean=False
        ),
        observation(
            LOCAL,
            "collateral-superficial-veins",
            rid="veins",
            body_site=right_leg,
            valueBoolean=False,
        ),
        observation(
            LOCAL,
            "calf-circumference-difference",
            rid="calf",
            body_site=right_leg,
            valueQuantity=qty(0.5, "cm"),
        ),
    ]


def negative_ddimer() -> dict[str, Any]:
    return observation(
        LNC,
        "48065-7",
        rid="dd",
        days_ago=0.1,
        valueQuantity=qty(0.3, "mg/L"),
        referenceRange=[{"high": qty(0.5, "mg/L")}],
    )


def diagnosis(
    system: str = SCT,
    code: str = "23056005",  # Sciatica
    *,
    side: str | None = RIGHT,
    verification: str | None = "confirmed",
    clinical: str = "active",
    recorded_days: float = 0.2,
) -> dict[str, Any]:
    """A clinician's diagnosis recorded this visit (side from bodySite unless ``side`` is None)."""
    return condition(
        system,
        code,
        rid="dx",
        clinical=clinical,
        verification=verification,
        onset_days=4,
        recorded_days=recorded_days,
        body_site=[site(LOWER_LIMB, side)] if side else None,
    )


def chart(*extra: dict[str, Any]) -> FeatureSet:
    return run([*right_calf_wells_2(), *extra])


def wells(*extra: dict[str, Any]) -> WellsResult:
    return score_wells(chart(*extra))


def test_without_an_alternative_the_right_calf_scores_wells_2_dvt_likely() -> None:
    result = wells()
    assert result.leg is Laterality.RIGHT
    assert (result.minimum, result.maximum, result.decision) == (2, 2, "likely")


@pytest.mark.parametrize(
    ("system", "code", "kind"),
    [
        (SCT, "23056005", "sciatica"),  # Sciatica
        (ICD, "M54.41", "sciatica"),  # Lumbago with sciatica, right side
        (ICD, "M51.16", "sciatica"),  # Intervertebral disc disorders with radiculopathy, lumbar
        (SCT, "48532005", "calf_tear"),  # Muscle strain
        (ICD, "S86.111A", "calf_tear"),  # Strain of posterior muscle group, lower leg, right
        (SCT, "449918009", "cramp"),  # Cramp in lower leg
        (ICD, "M62.831", "cramp"),  # Muscle spasm of calf
        (SCT, "63491006", "claudication"),  # Intermittent claudication
        (ICD, "I70.211", "claudication"),  # Atherosclerosis ... intermittent claudication, right
        (ICD, "I73.9", "claudication"),  # Peripheral vascular disease (incl. claudication)
        (ICD, "M71.21", "bakers_cyst"),  # Baker's cyst, right knee
    ],
)
def test_a_diagnosis_a_clinician_confirmed_on_the_same_leg_takes_2_points_off(
    system: str, code: str, kind: str
) -> None:
    result = wells(diagnosis(system, code))
    assert [a.kind for a in result.alternative_applied] == [kind]
    assert (result.minimum, result.maximum, result.decision) == (0, 0, "unlikely")
    assert result.score_text_without_alternative == "2"
    assert result.alternative_changed_decision


def test_a_provisional_working_diagnosis_counts_like_a_confirmed_one() -> None:
    result = wells(diagnosis(verification="provisional"))
    assert [a.kind for a in result.alternative_applied] == ["sciatica"]
    assert result.minimum == 0


def test_sciatica_on_the_other_leg_does_not_explain_the_right_calf() -> None:
    result = wells(diagnosis(ICD, "M54.42", side=LEFT))  # Lumbago with sciatica, left side
    assert result.alternative_applied == ()
    assert [a.kind for a in result.alternative_other_leg] == ["sciatica"]
    assert (result.minimum, result.decision) == (2, "likely")


def test_the_side_of_an_icd_10_cm_code_places_the_diagnosis_without_a_body_site() -> None:
    other_leg = wells(diagnosis(ICD, "M54.32", side=None))  # Sciatica, left side
    assert other_leg.alternative_applied == ()
    same_leg = wells(diagnosis(ICD, "M54.31", side=None))  # Sciatica, right side
    assert [a.kind for a in same_leg.alternative_applied] == ["sciatica"]


def test_a_diagnosis_without_a_side_is_taken_as_the_scored_leg_and_the_card_says_so() -> None:
    result = wells(diagnosis(side=None))
    assert [a.kind for a in result.alternative_applied] == ["sciatica"]
    assert result.alternative_source == (
        "sciatica (Condition/dx, no side recorded, taken as the right leg)"
    )


@pytest.mark.parametrize(
    ("clinical", "verification"),
    [
        ("resolved", "confirmed"),
        ("inactive", "confirmed"),
        ("active", "refuted"),
        ("active", "entered-in-error"),
    ],
)
def test_a_resolved_refuted_or_mistaken_diagnosis_asserts_nothing(
    clinical: str, verification: str
) -> None:
    fs = chart(diagnosis(clinical=clinical, verification=verification))
    assert fs.alternatives == []
    result = score_wells(fs)
    assert (result.minimum, result.decision) == (2, "likely")


@pytest.mark.parametrize("verification", ["differential", "unconfirmed", None])
def test_a_diagnosis_nobody_asserted_is_shown_but_not_applied(verification: str | None) -> None:
    result = wells(diagnosis(verification=verification))
    assert result.alternative_applied == ()
    assert [a.kind for a in result.alternative_candidates] == ["sciatica"]
    assert (result.minimum, result.decision) == (2, "likely")
    assert result.alternative_flips  # the card says what -2 would do


def test_a_diagnosis_from_an_earlier_episode_is_not_the_working_diagnosis_now() -> None:
    """Episode window (MappingOptions.episode_days, 14 days): a sciatica recorded 60 days ago is
    history, not this visit's explanation of the calf pain."""
    result = wells(diagnosis(recorded_days=60))
    assert result.alternative_applied == ()
    assert [a.kind for a in result.alternative_candidates] == ["sciatica"]
    assert result.decision == "likely"


def test_an_asserted_sciatica_is_still_a_sciatica_finding() -> None:
    fs = chart(diagnosis())
    assert fs.get("sciatica").present
    assert [a.kind for a in fs.alternatives] == ["sciatica"]


def _text(cards: list[Any]) -> str:
    return " ".join(f"{c.summary} {c.detail or ''}" for c in cards)


def test_dvt_excluded_with_the_minus_2_the_card_says_the_score_without_it_and_its_source() -> None:
    """Wells 0 with the asserted sciatica and a negative D-dimer: DVT made unlikely (NG158), so
    the sciatica card shows, and it says that without the -2 Wells is 2 (DVT likely) and which
    Condition the -2 came from."""
    cards = run_rules(chart(diagnosis(), negative_ddimer()))
    assert {card_topic(c) for c in cards} == {"sciatica", "physio-referral"}
    text = _text(cards)
    assert (
        "Without the −2 for the asserted alternative diagnosis, sciatica (Condition/dx, right "
        "leg), Wells would be 2 (DVT likely, ultrasound)"
    ) in text
    assert "can coexist with DVT" in text


def test_before_a_d_dimer_the_dvt_card_says_which_diagnosis_took_the_2_points() -> None:
    cards = run_rules(chart(diagnosis(ICD, "M62.831")))  # Muscle spasm of calf
    assert [card_topic(c) for c in cards] == ["dvt-ddimer"]
    detail = cards[0].detail or ""
    assert (
        "| Alternative diagnosis at least as likely | -2 | asserted by a clinician | -2 | "
        "cramp (Condition/dx, right leg) |"
    ) in detail
    assert (
        "A clinician asserted cramp (Condition/dx, right leg) as at least as likely as DVT, so −2 "
        "is applied: **without it Wells would be 2 (DVT likely).**"
    ) in detail


def test_sciatica_on_the_other_leg_leaves_dvt_likely_and_is_shown_unapplied() -> None:
    cards = run_rules(chart(diagnosis(ICD, "M54.42", side=LEFT), negative_ddimer()))
    assert [card_topic(c) for c in cards] == ["dvt-likely"]
    assert (
        "| Alternative diagnosis on the left leg (sciatica) | -2 | other leg: not applied | 0 | "
        "Condition/dx |"
    ) in (cards[0].detail or "")


def test_a_site_added_alternative_kind_is_named_in_plain_words() -> None:
    assert alternative_label("bakers_cyst") == "Baker's cyst"
    assert alternative_label("calf_haematoma") == "calf haematoma"


def test_a_bilateral_diagnosis_counts_for_the_scored_leg_and_says_both_legs() -> None:
    result = wells(diagnosis(ICD, "G57.03", side=None))  # Lesion of sciatic nerve, bilateral
    assert result.alternative_source == "sciatica (Condition/dx, both legs)"
    assert result.minimum == 0


def test_without_a_scored_side_the_card_does_not_invent_one() -> None:
    unsided = AlternativeDiagnosis(
        kind="cramp",
        evidence=Evidence(reference="Condition/dx"),
        current_episode=True,
        clinician_asserted=True,
    )
    assert alternative_source(unsided, None) == "cramp (Condition/dx, no side recorded)"


def _alternative_kinds() -> set[str]:
    lists = {entry.list_name for entry in builtin_entries()}
    return {kind for name in lists if (kind := alternative_kind(name)) is not None}


def test_every_alternative_the_mapping_reads_is_named_in_words_and_offered_by_the_app() -> None:
    kinds = _alternative_kinds()
    assert kinds == {
        "bakers_cyst",
        "cellulitis",
        "superficial_thrombophlebitis",
        "calf_tear",
        "claudication",
        "sciatica",
        "cramp",
    }
    assert set(ALTERNATIVE_LABELS) == kinds
    assert set(ALTERNATIVES) == kinds


@pytest.mark.parametrize("kind", sorted(ALTERNATIVES))
def test_the_apps_judged_alternative_takes_2_points_off_on_the_assessed_leg(kind: str) -> None:
    answers = read_answers({"alternative": kind}, "right")
    judged = alternative_condition(answers, patient="p1", performer="Practitioner/p", now=NOW)
    assert judged is not None
    result = wells(judged)
    assert [a.kind for a in result.alternative_applied] == [kind]
    assert result.minimum == 0
