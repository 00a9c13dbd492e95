"""The Wells DVT table as the card shows it (docs/clinical-basis.md §1.2, §1.3): each criterion
counted or not, what was not documented and whether it could change the decision, an alternative
diagnosis recorded but not asserted (with the score it would give), one on the other leg, and
Homans' sign shown without points.
"""

from __future__ import annotations

from dataclasses import replace

from cds.triage.wells import score_wells
from cds.triage.wells_table import wells_section
from fhir_mappings.features import (
    AlternativeDiagnosis,
    Certainty,
    Evidence,
    Feature,
    FeatureSet,
    Laterality,
    State,
)
from tests.clinical.chart import Chart, F, calf_pain, found, tender_deep_veins

LEFT = Laterality.LEFT


def undocumented(name: str) -> Feature:
    return Feature(name, State.UNKNOWN, reason="not documented")


def likely(*more: Feature) -> FeatureSet:
    """Wells 2 on the left leg (tenderness, entire leg swollen), and ``more``."""
    swollen = found(F.ENTIRE_LEG_SWOLLEN, leg=LEFT, ref="Observation/swollen")
    tender = found(F.DEEP_VEIN_TENDERNESS, leg=LEFT, ref="Observation/tender")
    return Chart([calf_pain(), tender, swollen, *more]).feature_set()


def section(features: FeatureSet, version: str = "2003") -> list[str]:
    return wells_section(score_wells(features, version)).split("\n\n")  # type: ignore[arg-type]


def rows(features: FeatureSet) -> list[str]:
    return section(features)[1].splitlines()


def test_the_table_counts_present_criteria_and_says_what_is_not_documented() -> None:
    parts = section(likely(undocumented(F.COLLATERAL_VEINS)))
    assert len(parts) == 3  # no alternative-diagnosis or Homans paragraph
    assert parts[0] == (
        "Wells DVT 2003 (NICE NG158) on the left leg: documented score **2**, possible maximum "
        "**3** (likely ≥ 2, unlikely ≤ 1)."
    )
    table = parts[1].splitlines()
    assert table[0] == "| Criterion | Points | Finding | Counted | Evidence |"
    assert (
        "| Localised tenderness along the deep venous system | +1 | present | +1 | "
        "Observation/tender (2026-11-25) |"
    ) in table
    assert (
        "| Collateral superficial veins (non-varicose) | +1 | not documented | ? | not documented |"
    ) in table
    assert (
        "| Previously documented DVT | +1 | absent | 0 | no match in the records retrieved |"
        in (table)
    )
    assert (
        "| Alternative diagnosis at least as likely | -2 | not asserted | 0 | clinician judgement |"
    ) in table
    assert parts[2] == (
        "Not documented: Collateral superficial veins (non-varicose). Documenting them would not "
        "change the decision."
    )


def test_undocumented_criteria_that_could_change_the_decision_are_said_to() -> None:
    features = Chart(
        [calf_pain(), tender_deep_veins(), undocumented(F.PITTING_OEDEMA)]
    ).feature_set()
    assert section(features)[2] == (
        "Not documented: Pitting oedema confined to the symptomatic leg. Documenting them "
        "**could change** the decision."
    )


def test_two_undocumented_criteria_are_both_named() -> None:
    features = likely(undocumented(F.PITTING_OEDEMA), undocumented(F.COLLATERAL_VEINS))
    assert section(features)[2].startswith(
        "Not documented: Pitting oedema confined to the symptomatic leg, Collateral superficial "
        "veins (non-varicose). "
    )


def test_a_recorded_alternative_not_asserted_shows_the_score_it_would_give() -> None:
    cellulitis = AlternativeDiagnosis(
        kind="cellulitis",
        evidence=Evidence(reference="Condition/cellulitis", certainty=Certainty.DIFFERENTIAL),
        current_episode=True,
        clinician_asserted=False,
    )
    bakers_other_leg = AlternativeDiagnosis(
        kind="bakers_cyst",
        evidence=Evidence(reference="Condition/baker", laterality=Laterality.RIGHT),
        current_episode=True,
        clinician_asserted=True,
    )
    features = replace(
        likely(undocumented(F.COLLATERAL_VEINS)), alternatives=[cellulitis, bakers_other_leg]
    )
    table = rows(features)
    assert (
        "| Alternative diagnosis at least as likely | -2 | recorded, not asserted (cellulitis) | "
        "0 | clinician judgement |"
    ) in table
    assert (
        "| Alternative diagnosis on the right leg (Baker's cyst) | -2 | other leg: not applied | "
        "0 | Condition/baker |"
    ) in table
    assert section(features)[3] == (
        "An alternative diagnosis is recorded but no clinician asserted it for this episode, so "
        "−2 is not applied. If judged at least as likely as DVT, Wells would be 0–1. **This "
        "would change DVT likely to DVT unlikely.** Baker's cyst, cellulitis and superficial "
        "thrombophlebitis can coexist with DVT."
    )


def test_homans_sign_is_shown_with_no_points() -> None:
    homans = found(F.PAIN_ON_DORSIFLEXION, leg=LEFT, ref="Observation/homans")
    parts = section(likely(homans))
    assert (
        "| Pain on dorsiflexion (Homans' sign): not a Wells criterion | 0 | present | 0 | "
        "Observation/homans (2026-11-25) |"
    ) in parts[1].splitlines()
    assert parts[-1] == (
        "Pain on dorsiflexion (Homans' sign) adds no points, and its absence never lowers "
        "suspicion: the sign is neither sensitive nor specific (sensitivity 10–54%) and is not "
        "part of the Wells score (NICE NG158)."
    )


def test_the_1997_version_is_named_and_gives_its_three_level_category() -> None:
    parts = section(likely(), "1997")
    assert parts[0].startswith("Wells DVT 1997 on the left leg: documented score **2**")
    assert parts[-1] == "1997 three-level category of the documented score: moderate."


def test_alternatives_that_would_not_make_dvt_unlikely_are_named_without_the_warning() -> None:
    """Wells 4 with two recorded alternatives: 2 with the -2, still likely."""
    recorded = [
        AlternativeDiagnosis(
            kind=kind,
            evidence=Evidence(reference=f"Condition/{kind}", certainty=Certainty.DIFFERENTIAL),
            current_episode=True,
            clinician_asserted=False,
        )
        for kind in ("cellulitis", "bakers_cyst")
    ]
    more = (found(F.PITTING_OEDEMA, leg=LEFT), found(F.COLLATERAL_VEINS, leg=LEFT))
    features = replace(likely(*more), alternatives=recorded)
    assert (
        "| Alternative diagnosis at least as likely | -2 | recorded, not asserted (cellulitis, "
        "Baker's cyst) | 0 | clinician judgement |"
    ) in rows(features)
    assert section(features)[2] == (
        "An alternative diagnosis is recorded but no clinician asserted it for this episode, so "
        "−2 is not applied. If judged at least as likely as DVT, Wells would be 2. Baker's cyst, "
        "cellulitis and superficial thrombophlebitis can coexist with DVT."
    )
