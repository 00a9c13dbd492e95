"""Findings: Condition / Observation semantics, windows and laterality, per feature."""

from __future__ import annotations

from typing import Any

import pytest

from fhir_mappings.features import Certainty, FeatureName, Laterality, State

from .builders import BOTH, ICD, LEFT, RIGHT, SCT, concept, condition, observation, run, site

F = FeatureName
INTERP = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"


@pytest.mark.parametrize(
    ("feature", "system", "code"),
    [
        (F.CALF_PAIN, SCT, "300954003"),
        (F.CALF_PAIN, ICD, "M79.661"),
        (F.LEG_SWELLING, SCT, "449615005"),
        (F.ENTIRE_LEG_SWOLLEN, SCT, "449614009"),
        (F.BILATERAL_LEG_SWELLING, SCT, "762898005"),
        (F.REDNESS, SCT, "247441003"),
        (F.FEVER, SCT, "386661006"),
        (F.DYSPNOEA, ICD, "R06.02"),
        (F.CHEST_PAIN, ICD, "R07.9"),
        (F.HAEMOPTYSIS, SCT, "66857006"),
        (F.SYNCOPE, SCT, "271594007"),
        (F.MUSCLE_STRAIN, ICD, "S86.111A"),
        (F.CRAMP, ICD, "M62.831"),
        (F.SCIATICA, ICD, "M54.32"),
        (F.RADICULAR_SYMPTOMS, SCT, "44077006"),
        (F.CAUDA_EQUINA, ICD, "G83.4"),
        (F.RECENT_FRACTURE_OR_CRUSH, ICD, "S82.201A"),
        (F.COMPARTMENT_SYNDROME, ICD, "M79.A21"),
        (F.ACHILLES_RUPTURE, SCT, "429513001"),
        (F.WALKING_DIFFICULTY, ICD, "R26.2"),
        (F.PARALYSIS_OR_PLASTER, ICD, "G81.91"),
        (F.BEDRIDDEN, ICD, "Z74.01"),
        (F.PREGNANCY, ICD, "Z33.1"),
        (F.HORMONAL_CONTRACEPTION, ICD, "Z79.3"),
        (F.ANTICOAGULANT, ICD, "Z79.01"),
        (F.ACTIVE_CANCER, ICD, "C50.911"),
        (F.PREVIOUS_DVT, ICD, "Z86.718"),
        (F.PREVIOUS_PE, ICD, "Z86.711"),
        (F.CURRENT_DVT, ICD, "I82.4Z2"),
    ],
)
def test_active_condition_makes_feature_present(feature: str, system: str, code: str) -> None:
    fs = run([condition(system, code)])
    got = fs.get(feature)
    assert got.state is State.PRESENT, got
    assert got.evidence[0].reference == "Condition/c1"
    assert got.evidence[0].concept is not None and got.evidence[0].concept.code == code


@pytest.mark.parametrize(
    ("changes", "state", "reason_part"),
    [
        ({}, State.PRESENT, None),
        ({"verification": "entered-in-error"}, State.UNKNOWN, "not documented"),
        ({"verification": "refuted"}, State.UNKNOWN, "not documented"),
        ({"clinical": "resolved"}, State.UNKNOWN, "not current"),
        ({"clinical": "inactive"}, State.UNKNOWN, "not current"),
        ({"clinical": "recurrence"}, State.PRESENT, None),
        ({"clinical": "relapse"}, State.PRESENT, None),
        ({"onset_days": 40}, State.UNKNOWN, "older than 14 days"),
        ({"onset_days": 40, "recorded_days": 1}, State.PRESENT, None),  # persisting, seen today
    ],
)
def test_condition_status_and_window(
    changes: dict[str, Any], state: State, reason_part: str | None
) -> None:
    fs = run([condition(SCT, "300954003", **changes)])
    got = fs.get(F.CALF_PAIN)
    assert got.state is state
    if reason_part:
        assert got.reason is not None and reason_part in got.reason


def test_refuted_and_entered_in_error_are_reported_as_skipped() -> None:
    fs = run([condition(SCT, "300954003", verification="refuted")])
    assert [s.reason for s in fs.skipped] == ["verificationStatus refuted"]


@pytest.mark.parametrize(
    ("verification", "certainty"),
    [
        ("provisional", Certainty.PROVISIONAL),
        ("differential", Certainty.DIFFERENTIAL),
        ("confirmed", Certainty.CONFIRMED),
        (None, Certainty.CONFIRMED),
    ],
)
def test_provisional_and_differential_are_kept_and_marked(
    verification: str | None, certainty: Certainty
) -> None:
    got = run([condition(SCT, "300954003", verification=verification)]).get(F.CALF_PAIN)
    assert got.present and got.evidence[0].certainty is certainty


@pytest.mark.parametrize(
    ("status", "value", "state"),
    [
        ("final", {"valueBoolean": True}, State.PRESENT),
        ("amended", {"valueBoolean": True}, State.PRESENT),
        ("corrected", {}, State.PRESENT),  # no value: the finding was recorded
        ("final", {"valueBoolean": False}, State.ABSENT),
        ("final", {"interpretation": [concept(INTERP, "NEG")]}, State.ABSENT),
        ("final", {"interpretation": [concept(INTERP, "POS")]}, State.PRESENT),
        ("entered-in-error", {"valueBoolean": True}, State.UNKNOWN),
        ("cancelled", {"valueBoolean": True}, State.UNKNOWN),
        ("registered", {"valueBoolean": True}, State.UNKNOWN),
        (
            "final",
            {
                "dataAbsentReason": concept(
                    "http://terminology.hl7.org/CodeSystem/data-absent-reason", "asked-unknown"
                )
            },
            State.UNKNOWN,
        ),
    ],
)
def test_observation_status_value_and_interpretation(
    status: str, value: dict[str, Any], state: State
) -> None:
    obs = observation(SCT, "300954003", status=status, **value)
    assert run([obs]).get(F.CALF_PAIN).state is state


def test_preliminary_is_kept_and_marked() -> None:
    got = run([observation(SCT, "66857006", status="preliminary", valueBoolean=True)]).get(
        F.HAEMOPTYSIS
    )
    assert got.present
    assert got.evidence[0].note == "preliminary"
    assert got.evidence[0].certainty is Certainty.PROVISIONAL


def test_data_absent_reason_says_why() -> None:
    dar = concept(
        "http://terminology.hl7.org/CodeSystem/data-absent-reason", "not-performed", "Not Performed"
    )
    got = run([observation(SCT, "300954003", dataAbsentReason=dar)]).get(F.CALF_PAIN)
    assert got.unknown and got.reason and "Not Performed" in got.reason


@pytest.mark.parametrize(
    ("positive_days", "negative_days", "state"),
    [(1, 2, State.PRESENT), (2, 1, State.ABSENT), (1, 1, State.PRESENT)],
)
def test_newest_statement_wins_ties_go_to_present(
    positive_days: float, negative_days: float, state: State
) -> None:
    fs = run(
        [
            observation(SCT, "300954003", rid="pos", days_ago=positive_days, valueBoolean=True),
            observation(SCT, "300954003", rid="neg", days_ago=negative_days, valueBoolean=False),
        ]
    )
    assert fs.get(F.CALF_PAIN).state is state


def test_examination_finding_without_record_is_unknown_not_absent() -> None:
    fs = run([])
    assert fs.get(F.LEG_SWELLING).unknown
    assert fs.get(F.DEEP_VEIN_TENDERNESS).unknown


@pytest.mark.parametrize(
    ("site_codes", "side"),
    [
        ((LEFT,), Laterality.LEFT),
        ((RIGHT,), Laterality.RIGHT),
        ((BOTH,), Laterality.BILATERAL),
        (("30021000",), Laterality.UNSPECIFIED),
    ],
)
def test_laterality_from_body_site(site_codes: tuple[str, ...], side: Laterality) -> None:
    obs = observation(SCT, "449615005", body_site=site("30021000", *site_codes), valueBoolean=True)
    assert run([obs]).get(F.LEG_SWELLING).laterality is side


def test_left_and_right_findings_are_never_merged() -> None:
    fs = run(
        [
            condition(ICD, "M79.661", rid="pain-right"),  # pain in right lower leg
            observation(
                SCT, "449615005", rid="swell-left", body_site=site(LEFT), valueBoolean=True
            ),
            observation(
                SCT, "449615005", rid="swell-right", body_site=site(RIGHT), valueBoolean=False
            ),
        ]
    )
    swelling = fs.legs[F.LEG_SWELLING]
    assert swelling[Laterality.LEFT].state is State.PRESENT
    assert swelling[Laterality.RIGHT].state is State.ABSENT
    assert fs.get(F.LEG_SWELLING).laterality is Laterality.LEFT
    assert fs.legs[F.CALF_PAIN][Laterality.RIGHT].present
    assert Laterality.LEFT not in fs.legs[F.CALF_PAIN]


def test_other_leg_negative_does_not_cancel_this_leg() -> None:
    fs = run(
        [
            observation(
                SCT, "300954003", rid="l", body_site=site(LEFT), days_ago=2, valueBoolean=True
            ),
            observation(
                SCT, "300954003", rid="r", body_site=site(RIGHT), days_ago=1, valueBoolean=False
            ),
        ]
    )
    assert fs.get(F.CALF_PAIN).present and fs.get(F.CALF_PAIN).laterality is Laterality.LEFT


def test_bilateral_swelling_derived_from_both_legs() -> None:
    fs = run(
        [
            observation(SCT, "449615005", rid="l", body_site=site(LEFT), valueBoolean=True),
            observation(SCT, "449615005", rid="r", body_site=site(RIGHT), valueBoolean=True),
        ]
    )
    assert fs.get(F.BILATERAL_LEG_SWELLING).present
    assert fs.get(F.LEG_SWELLING).laterality is Laterality.BILATERAL


def test_bilateral_neurology_derived_from_both_legs() -> None:
    fs = run([condition(ICD, "M54.31", rid="r"), condition(ICD, "M54.32", rid="l")])
    assert fs.get(F.BILATERAL_LEG_NEURO).present


def test_tenderness_needs_a_leg_site() -> None:
    bare = observation(SCT, "247348008", valueBoolean=True)
    on_calf = observation(SCT, "247348008", body_site=site("30021000", LEFT), valueBoolean=True)
    assert run([bare]).get(F.DEEP_VEIN_TENDERNESS).unknown
    assert run([on_calf]).get(F.DEEP_VEIN_TENDERNESS).present


def test_no_verified_code_features_say_so() -> None:
    for name in (F.WARMTH, F.SUDDEN_SEVERE_SWELLING, F.THROBBING_PAIN_AT_REST):
        got = run([]).get(name)
        assert got.unknown and got.reason == "no verified code; site may add a local code"


def test_unverified_codes_used_only_when_asked() -> None:
    from fhir_mappings.extract import MappingOptions

    obs = observation(SCT, "284521000", valueBoolean=True)
    assert run([obs]).get(F.PITTING_OEDEMA).unknown
    assert (
        run([obs], options=MappingOptions(include_unverified_codes=True))
        .get(F.PITTING_OEDEMA)
        .present
    )


def test_episode_start_and_symptom_duration() -> None:
    fs = run(
        [
            condition(SCT, "300954003", rid="a", onset_days=5),
            observation(SCT, "449615005", rid="b", days_ago=2, valueBoolean=True),
        ]
    )
    assert fs.episode_start is not None
    duration = fs.get(F.SYMPTOM_DURATION_DAYS)
    assert duration.present and duration.quantity is not None
    assert duration.quantity.value == pytest.approx(5.0, abs=0.01)


def test_symptom_duration_unknown_without_leg_complaint() -> None:
    assert run([]).get(F.SYMPTOM_DURATION_DAYS).unknown
