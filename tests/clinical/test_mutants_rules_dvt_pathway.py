"""The NICE NG158 DVT card (docs/clinical-basis.md §1.3): the summary and the next steps for each
place on the pathway, word for word.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from cards.models import Card
from cds.settings import Settings
from cds.triage import card_topic, evaluate
from fhir_mappings.features import (
    AlternativeDiagnosis,
    Certainty,
    DDimerResult,
    DraftOrder,
    Evidence,
    Feature,
    Laterality,
    State,
)
from tests.clinical.chart import (
    NOW,
    Chart,
    F,
    calf_pain,
    card,
    ddimer,
    ev,
    found,
    tender_deep_veins,
)

LIKELY_STEPS = [
    "- Proximal leg vein ultrasound with the result within 4 h; D-dimer as well if the scan is "
    "negative.",
    "- If the scan cannot be had within 4 h: take a D-dimer, start interim therapeutic "
    "anticoagulation, and scan within 24 h.",
    "- Scan negative and D-dimer positive: stop interim anticoagulation and repeat the scan 6–8 "
    "days later.",
]
DDIMER_STEPS = [
    "- D-dimer with the result within 4 h (before any anticoagulation); interim anticoagulation "
    "if the result will take longer.",
    "- Positive: proximal leg vein ultrasound within 4 h (or interim anticoagulation and a scan "
    "within 24 h).",
    "- Negative with Wells ≤ 1: DVT unlikely; consider other causes and safety-net the patient.",
]
ANTICOAGULATED_STEPS = [
    "- Anticoagulation has started or is current: MedicationRequest/apixaban (status active, "
    "2026-11-20). A D-dimer taken now may read falsely low and cannot rule DVT out (NICE NG158 "
    "2020 update).",
    "- Proximal leg vein ultrasound with the result within 4 h (within 24 h while the "
    "anticoagulation continues).",
]
# As the medication mapping records it: the status as the value, the start as the time.
ANTICOAGULANT = Feature(
    F.ANTICOAGULANT,
    State.PRESENT,
    (ev("MedicationRequest/apixaban", ago=timedelta(days=5), value="status active"),),
)
AGE_ADJUSTED: dict[str, object] = {"age_adjusted_ddimer": True}
POSITIVE_STEPS = [
    "- Proximal leg vein ultrasound with the result within 4 h (or interim anticoagulation and a "
    "scan within 24 h): the D-dimer on record is positive.",
]


def steps(shown: Card) -> list[str]:
    text = shown.detail or ""
    return text.split("**Next steps (NICE NG158)**\n\n", 1)[1].split("\n\n", 1)[0].splitlines()


def test_dvt_likely_asks_for_ultrasound_within_4_hours() -> None:
    chart = Chart([calf_pain(), tender_deep_veins(), found(F.ENTIRE_LEG_SWOLLEN)])
    shown = card(chart, "dvt-likely")
    assert shown.summary == "DVT likely (Wells 2): proximal leg vein ultrasound within 4 h"
    assert steps(shown) == LIKELY_STEPS


# Wells 2: the scan comes first whatever the D-dimer (NICE NG158 1.1.3-1.1.4).
LIKELY_LEG = [calf_pain(), tender_deep_veins(), found(F.ENTIRE_LEG_SWOLLEN)]
LIKELY_SCAN = (
    "- Proximal leg vein ultrasound with the result within 4 h (or interim anticoagulation and a "
    "scan within 24 h)"
)
# Anticoagulation already current: no interim anticoagulation to start while the scan waits.
SCAN_ON_ANTICOAGULATION = (
    "- Proximal leg vein ultrasound with the result within 4 h (within 24 h while the "
    "anticoagulation continues)"
)
SCAN_NEGATIVE_POSITIVE = (
    "- Scan negative with this positive D-dimer: stop interim anticoagulation and repeat the scan "
    "6–8 days later."
)


@pytest.mark.parametrize("anticoagulant", [[], [ANTICOAGULANT]], ids=["none", "anticoagulated"])
def test_dvt_likely_with_a_positive_ddimer_on_record_asks_for_no_new_one(
    anticoagulant: list[Feature],
) -> None:
    """The D-dimer is done: a negative scan with it means the repeat scan, not another test. A
    positive D-dimer stands even if it may have been taken on anticoagulation."""
    chart = Chart([*LIKELY_LEG, *anticoagulant], ddimers=[ddimer(900)])
    shown = card(chart, "dvt-likely")
    assert shown.summary == "DVT likely (Wells 2): proximal leg vein ultrasound within 4 h"
    scan = SCAN_ON_ANTICOAGULATION if anticoagulant else LIKELY_SCAN
    assert steps(shown) == [
        f"{scan}: the D-dimer on record is positive; no new D-dimer.",
        SCAN_NEGATIVE_POSITIVE,
    ]


def test_dvt_likely_with_a_preliminary_positive_ddimer_scans_without_waiting() -> None:
    chart = Chart(LIKELY_LEG, ddimers=[ddimer(900, preliminary=True)])
    assert steps(card(chart, "dvt-likely")) == [
        f"{LIKELY_SCAN}: the D-dimer on record is positive; no new D-dimer.",
        "- The positive D-dimer is preliminary: the scan does not wait for the final result.",
        SCAN_NEGATIVE_POSITIVE,
    ]


def test_dvt_likely_with_a_final_negative_ddimer_scans_and_a_negative_scan_ends_it() -> None:
    """Wells likely: a negative D-dimer alone never rules DVT out, but with a negative scan it
    does (NG158; S5, S6b)."""
    chart = Chart(LIKELY_LEG, ddimers=[ddimer(300)])
    assert steps(card(chart, "dvt-likely")) == [
        f"{LIKELY_SCAN}: the negative D-dimer on record does not rule DVT out on its own here; "
        "no new D-dimer.",
        "- Scan negative with this negative D-dimer: stop any interim anticoagulation; DVT "
        "unlikely; consider other causes and safety-net the patient.",
    ]


def test_dvt_likely_with_a_preliminary_negative_ddimer_scans_and_awaits_the_final_result() -> None:
    chart = Chart(LIKELY_LEG, ddimers=[ddimer(300, preliminary=True)])
    assert steps(card(chart, "dvt-likely")) == [
        f"{LIKELY_SCAN}: the scan does not wait for the D-dimer.",
        "- D-dimer negative but preliminary: await the final result; no new D-dimer.",
        "- Scan negative and final D-dimer positive: stop interim anticoagulation and repeat the "
        "scan 6–8 days later.",
        "- Scan negative and final D-dimer negative: stop any interim anticoagulation; DVT "
        "unlikely; consider other causes and safety-net the patient.",
    ]


@pytest.mark.parametrize("preliminary", [False, True], ids=["final", "preliminary"])
def test_dvt_likely_with_a_negative_ddimer_perhaps_taken_on_anticoagulation(
    preliminary: bool,
) -> None:
    """An anticoagulant without a start time: the negative D-dimer may be falsely low, so a
    negative scan is followed as after a positive one (docs/clinical-basis.md §1.3 item 10)."""
    chart = Chart([*LIKELY_LEG, ANTICOAGULANT], ddimers=[ddimer(300, preliminary=preliminary)])
    assert steps(card(chart, "dvt-likely")) == [
        "- Anticoagulation is current with no start time on record: MedicationRequest/apixaban "
        "(status active, 2026-11-20). The negative D-dimer may have been taken on it, may read "
        "falsely low and cannot be relied on (NICE NG158 2020 update); no new D-dimer.",
        f"{SCAN_ON_ANTICOAGULATION}.",
        "- Scan negative: this D-dimer cannot count as negative, so, as with a positive one, "
        "repeat the scan 6–8 days later; stop anticoagulation only if it was started as interim "
        "treatment for this suspected DVT.",
    ]


def test_a_negative_ddimer_taken_before_a_recorded_anticoagulation_start_counts() -> None:
    """Interim anticoagulation started after the D-dimer (NG158 1.1.4): the D-dimer is reliable."""
    chart = Chart(
        LIKELY_LEG,
        ddimers=[ddimer(300, hours_ago=3)],
        anticoagulation_started=NOW - timedelta(hours=2),
    )
    assert steps(card(chart, "dvt-likely")) == [
        f"{SCAN_ON_ANTICOAGULATION}: the negative D-dimer on record does not rule DVT out on its "
        "own here; no new D-dimer.",
        "- Scan negative with this negative D-dimer: stop any interim anticoagulation; DVT "
        "unlikely; consider other causes and safety-net the patient.",
    ]


RED_FLAG_LEG = [calf_pain(), found(F.SUDDEN_SEVERE_SWELLING, leg=Laterality.LEFT)]


def likely_anticoagulated_steps(cited: str) -> list[str]:
    return [
        f"- Anticoagulation has started or is current: {cited}. A D-dimer taken now may read "
        "falsely low and cannot say what a negative scan means (NICE NG158 2020 update); no "
        "D-dimer.",
        f"{SCAN_ON_ANTICOAGULATION}.",
        "- Scan negative: no D-dimer from before the anticoagulation can rule DVT out, so, as "
        "with a positive D-dimer, repeat the scan 6–8 days later; stop anticoagulation only if it "
        "was started as interim treatment for this suspected DVT.",
    ]


@pytest.mark.parametrize(
    ("findings", "wells"),
    [(LIKELY_LEG, "Wells 2"), (RED_FLAG_LEG, "Wells 0")],
    ids=["wells-likely", "red-flag-wells-0"],
)
def test_dvt_likely_on_anticoagulation_without_a_ddimer_asks_for_the_scan_alone(
    findings: list[Feature], wells: str
) -> None:
    """A current anticoagulant and no D-dimer in the episode: a new one could read falsely low
    (NG158 2020 update), so neither the steps nor the buttons ask for one, and a negative scan
    leads to the repeat scan (docs/clinical-basis.md §1.3 item 10)."""
    shown = card(Chart([*findings, ANTICOAGULANT]), "dvt-likely")
    assert steps(shown) == likely_anticoagulated_steps(
        "MedicationRequest/apixaban (status active, 2026-11-20)"
    )
    assert offered(shown) == [(*SCAN, f"Suspected DVT, {wells} (NICE NG158)")]


def test_dvt_likely_with_a_ddimer_taken_after_anticoagulation_started_asks_for_no_new_one() -> None:
    """The D-dimer taken on anticoagulation does not count; the start is cited by its date."""
    chart = Chart(
        LIKELY_LEG,
        ddimers=[ddimer(300, hours_ago=1)],
        anticoagulation_started=NOW - timedelta(hours=2),
    )
    assert steps(card(chart, "dvt-likely")) == likely_anticoagulated_steps(
        "start recorded 2026-11-25"
    )


def test_dvt_likely_with_anticoagulation_planned_but_not_started_takes_a_ddimer_first() -> None:
    """A start still to come is not anticoagulation yet: the D-dimer is taken before it."""
    chart = Chart(LIKELY_LEG, anticoagulation_started=NOW + timedelta(hours=2))
    assert steps(card(chart, "dvt-likely")) == LIKELY_STEPS


@pytest.mark.parametrize(
    "result",
    [ddimer(900), ddimer(900, preliminary=True), ddimer(300), ddimer(300, preliminary=True)],
    ids=["positive", "preliminary-positive", "negative", "preliminary-negative"],
)
def test_dvt_likely_offers_no_ddimer_when_one_is_on_record(result: DDimerResult) -> None:
    shown = card(Chart(LIKELY_LEG, ddimers=[result]), "dvt-likely")
    assert offered(shown) == [(*SCAN, "Suspected DVT, Wells 2 (NICE NG158)")]


@pytest.mark.parametrize(
    "findings",
    [LIKELY_LEG, [calf_pain(), found(F.SUDDEN_SEVERE_SWELLING, leg=Laterality.LEFT)]],
    ids=["wells-likely", "red-flag-wells-0"],
)
def test_the_scan_pathway_reads_the_ddimer_against_the_conventional_cut_off(
    findings: list[Feature],
) -> None:
    """Never an age-adjusted cut-off when the leg goes to the scan (S18c, S6c): at 72, 650 ng/mL
    FEU is positive against 500 (it would be negative against 720)."""
    shown = card(Chart(findings, age=72, ddimers=[ddimer(650)]), "dvt-likely", **AGE_ADJUSTED)
    detail = (shown.detail or "").splitlines()
    assert (
        "- D-dimer 650 ng/mL FEU (cut-off 500 ng/mL FEU) using conventional FEU cut-off; sent as "
        "650 ng/mL FEU, taken 2026-11-25 (Observation/dd): **positive**."
    ) in detail
    assert "- Age-adjusted cut-off not used: DVT is not decisively unlikely." in detail
    assert steps(shown)[-1] == SCAN_NEGATIVE_POSITIVE


def test_sudden_severe_swelling_is_an_emergency_whatever_the_score() -> None:
    chart = Chart([calf_pain(), found(F.SUDDEN_SEVERE_SWELLING, leg=Laterality.LEFT)])
    shown = card(chart, "dvt-likely")
    assert shown.indicator == "critical"
    assert shown.summary == (
        "Red flag: sudden severe leg swelling (Wells 0): same-day emergency assessment, "
        "ultrasound within 4 h"
    )
    assert steps(shown) == LIKELY_STEPS


def test_dvt_unlikely_asks_for_a_ddimer_first() -> None:
    shown = card(Chart([calf_pain()]), "dvt-ddimer")
    assert shown.summary == (
        "DVT unlikely (Wells 0): D-dimer now, result within 4 h; ultrasound if positive"
    )
    assert steps(shown) == DDIMER_STEPS


def test_on_anticoagulation_without_a_ddimer_the_card_asks_for_ultrasound() -> None:
    shown = card(Chart([calf_pain(), ANTICOAGULANT]), "dvt-ddimer")
    assert shown.summary == (
        "DVT not excluded (Wells 0) and on anticoagulation, so a D-dimer is unreliable: leg vein "
        "ultrasound"
    )
    assert steps(shown) == ANTICOAGULATED_STEPS


@pytest.mark.parametrize("anticoagulant", [[], [ANTICOAGULANT]], ids=["none", "anticoagulated"])
def test_a_positive_ddimer_on_record_starts_the_steps_with_the_scan(
    anticoagulant: list[Feature],
) -> None:
    """The D-dimer is done: the next step is the scan, not another D-dimer. Anticoagulation can
    only lower a D-dimer, so a positive one is positive on it too."""
    chart = Chart([calf_pain(), *anticoagulant], ddimers=[ddimer(900)])
    shown = card(chart, "dvt-ddimer")
    assert shown.summary.startswith("D-dimer positive (900 ng/mL FEU), Wells 0")
    assert steps(shown) == POSITIVE_STEPS
    assert offered(shown) == [(*SCAN, "Suspected DVT, Wells 0 (NICE NG158)")]


def test_a_preliminary_positive_ddimer_leads_to_the_scan_without_waiting() -> None:
    shown = card(Chart([calf_pain()], ddimers=[ddimer(900, preliminary=True)]), "dvt-ddimer")
    assert shown.summary == (
        "D-dimer positive (900 ng/mL FEU, preliminary), Wells 0: proximal leg vein ultrasound "
        "within 4 h"
    )
    assert steps(shown) == [
        *POSITIVE_STEPS,
        "- The positive D-dimer is preliminary: the scan does not wait for the final result; no "
        "new D-dimer.",
    ]
    assert offered(shown) == [(*SCAN, "Suspected DVT, Wells 0 (NICE NG158)")]


@pytest.mark.parametrize(
    ("record", "cited"),
    [
        (
            ev("MedicationStatement/warfarin", ago=timedelta(days=30), value="status active"),
            "MedicationStatement/warfarin (status active, 2026-10-26)",
        ),
        (
            Evidence(
                reference="MedicationAdministration/enoxaparin",
                value="status completed",
                time=NOW - timedelta(hours=3),
                note="given within 48 h",
            ),
            "MedicationAdministration/enoxaparin (status completed, 2026-11-25, given within 48 h)",
        ),
    ],
)
def test_the_anticoagulation_step_cites_the_anticoagulant_record(
    record: Evidence, cited: str
) -> None:
    anticoagulant = Feature(F.ANTICOAGULANT, State.PRESENT, (record,))
    shown = card(Chart([calf_pain(), anticoagulant]), "dvt-ddimer")
    assert steps(shown)[0] == (
        f"- Anticoagulation has started or is current: {cited}. A D-dimer taken now may read "
        "falsely low and cannot rule DVT out (NICE NG158 2020 update)."
    )


def test_an_anticoagulation_start_without_a_current_record_is_cited_by_its_date() -> None:
    chart = Chart(
        [calf_pain()], ddimers=[ddimer(300)], anticoagulation_started=NOW - timedelta(days=1)
    )
    assert steps(card(chart, "dvt-ddimer"))[0] == (
        "- Anticoagulation has started or is current: start recorded 2026-11-24. A D-dimer taken "
        "now may read falsely low and cannot rule DVT out (NICE NG158 2020 update)."
    )


def test_the_undocumented_criteria_are_counted_in_words() -> None:
    undocumented = Feature(F.COLLATERAL_VEINS, State.UNKNOWN, reason="not documented")
    one = Chart([calf_pain(), tender_deep_veins(), undocumented])
    assert card(one, "dvt-ddimer").summary.startswith("Wells 1–2 so far (1 criterion undocumented)")
    two = Chart(
        [
            calf_pain(),
            tender_deep_veins(),
            Feature(F.COLLATERAL_VEINS, State.UNKNOWN, reason="not documented"),
            Feature(F.PITTING_OEDEMA, State.UNKNOWN, reason="not documented"),
        ]
    )
    assert card(two, "dvt-ddimer").summary.startswith("Wells 1–3 so far (2 criteria undocumented)")


def outside_pathway_scan(*orders: DraftOrder) -> list[str]:
    chart = Chart([calf_pain(), found(F.PREGNANCY)], sex="female", age=30)
    features = replace(chart.feature_set(), draft_orders=list(orders))
    shown = evaluate(features, hook="patient-view", settings=Settings(), hook_instance="h")
    outside = next(c for c in shown if card_topic(c) == "dvt-outside-pathway")
    return [s.label for s in outside.suggestions or []]


def test_in_pregnancy_the_scan_is_offered_unless_one_is_already_drafted() -> None:
    scan = "Order compression duplex ultrasound of the leg veins today"
    massage = DraftOrder("ServiceRequest/m", "ServiceRequest", "massage", None, True)
    ultrasound = DraftOrder("ServiceRequest/u", "ServiceRequest", "ultrasound", None, True)
    assert outside_pathway_scan() == [scan]
    assert outside_pathway_scan(massage) == [scan]
    assert outside_pathway_scan(ultrasound) == []


Offer = tuple[str, bool | None, str, str, str, str]


def offered(shown: Card) -> list[Offer]:
    """Each suggestion: label, recommended, and its one draft order's action, priority, note
    and reason."""
    out: list[Offer] = []
    for s in shown.suggestions or []:
        (action,) = s.actions or []
        order = action.resource or {}
        out.append(
            (
                s.label,
                s.isRecommended,
                action.description,
                order["priority"],
                order["note"][0]["text"],
                order["reasonCode"][0]["text"],
            )
        )
    return out


SCAN = (
    "Order proximal leg vein ultrasound (result within 4 h)",
    True,
    "Create a draft proximal leg vein ultrasound order",
    "stat",
    "Result needed within 4 h (NICE NG158 1.1.3).",
)
BEFORE_ANTICOAGULATION = "Take before any anticoagulation (NICE NG158, 2020 update)."


def test_dvt_likely_offers_the_scan_and_a_ddimer_for_when_the_scan_is_delayed() -> None:
    chart = Chart([calf_pain(), tender_deep_veins(), found(F.ENTIRE_LEG_SWOLLEN)])
    assert offered(card(chart, "dvt-likely")) == [
        (*SCAN, "Suspected DVT, Wells 2 (NICE NG158)"),
        (
            "Scan not available within 4 h: order D-dimer before interim anticoagulation",
            False,
            "Create a draft D-dimer order",
            "urgent",
            BEFORE_ANTICOAGULATION,
            "Suspected DVT, Wells 2 (NICE NG158)",
        ),
    ]


def test_dvt_unlikely_offers_the_ddimer() -> None:
    assert offered(card(Chart([calf_pain()]), "dvt-ddimer")) == [
        (
            "Order D-dimer (result within 4 h)",
            True,
            "Create a draft D-dimer order",
            "stat",
            BEFORE_ANTICOAGULATION,
            "Suspected DVT, Wells 0 (NICE NG158)",
        )
    ]


def test_on_anticoagulation_only_the_scan_is_offered() -> None:
    shown = card(Chart([calf_pain(), ANTICOAGULANT]), "dvt-ddimer")
    assert offered(shown) == [(*SCAN, "Suspected DVT, Wells 0 (NICE NG158)")]


def test_a_positive_ddimer_is_cited_by_the_scan_it_leads_to() -> None:
    shown = card(Chart([calf_pain()], ddimers=[ddimer(900)]), "dvt-ddimer")
    assert shown.summary == (
        "D-dimer positive (900 ng/mL FEU), Wells 0: proximal leg vein ultrasound within 4 h"
    )
    assert offered(shown) == [(*SCAN, "Suspected DVT, Wells 0 (NICE NG158)")]
    (scan,) = (shown.suggestions or [])[0].actions or []
    cited = [r["reference"] for r in (scan.resource or {})["reasonReference"]]
    assert cited[-1] == "Observation/dd"


PRELIMINARY_NEGATIVE = [
    "- D-dimer negative but preliminary: await the final result; no new D-dimer.",
    "- Final result positive: proximal leg vein ultrasound with the result within 4 h (or interim "
    "anticoagulation and a scan within 24 h).",
]


def test_a_preliminary_negative_ddimer_waits_for_the_final_result() -> None:
    """The test is done: no new D-dimer is offered, and the steps say what the final result
    decides."""
    shown = card(Chart([calf_pain()], ddimers=[ddimer(300, preliminary=True)]), "dvt-ddimer")
    assert shown.summary == (
        "Wells 0, D-dimer negative but preliminary: await the final result before ruling out"
    )
    assert steps(shown) == [
        *PRELIMINARY_NEGATIVE,
        "- Final result negative with Wells ≤ 1: DVT unlikely; consider other causes and "
        "safety-net the patient.",
    ]
    assert offered(shown) == []


def test_a_preliminary_negative_ddimer_with_an_incomplete_wells_asks_for_the_criteria() -> None:
    undocumented = Feature(F.COLLATERAL_VEINS, State.UNKNOWN, reason="not documented")
    chart = Chart(
        [calf_pain(), tender_deep_veins(), undocumented],
        ddimers=[ddimer(300, preliminary=True)],
    )
    shown = card(chart, "dvt-ddimer")
    assert steps(shown) == [
        *PRELIMINARY_NEGATIVE,
        "- Wells incomplete: document the 1 criterion not yet documented; ultrasound if Wells ≥ 2 "
        "whatever the D-dimer.",
    ]
    assert offered(shown) == []


def test_a_negative_ddimer_with_an_incomplete_wells_asks_for_the_criteria() -> None:
    undocumented = Feature(F.COLLATERAL_VEINS, State.UNKNOWN, reason="not documented")
    chart = Chart([calf_pain(), tender_deep_veins(), undocumented], ddimers=[ddimer(300)])
    shown = card(chart, "dvt-ddimer")
    assert shown.summary == (
        "D-dimer negative but Wells 1–2 is incomplete: document 1 criterion; ultrasound if "
        "Wells ≥ 2"
    )
    assert steps(shown) == [
        "- D-dimer negative on record, but Wells is incomplete: document the 1 criterion not yet "
        "documented; no new D-dimer.",
        "- Wells ≥ 2 once documented: proximal leg vein ultrasound with the result within 4 h (or "
        "interim anticoagulation and a scan within 24 h).",
        "- Wells ≤ 1 once documented: DVT unlikely; consider other causes and safety-net the "
        "patient.",
    ]
    assert offered(shown) == []


def test_a_recorded_alternative_that_would_make_dvt_unlikely_is_named_with_both_scores() -> None:
    cellulitis = AlternativeDiagnosis(
        kind="cellulitis",
        evidence=Evidence(reference="Condition/cellulitis", certainty=Certainty.DIFFERENTIAL),
        current_episode=True,
        clinician_asserted=False,
    )
    chart = Chart([calf_pain(), tender_deep_veins(), found(F.ENTIRE_LEG_SWOLLEN)])
    features = replace(chart.feature_set(), alternatives=[cellulitis])
    shown = evaluate(features, hook="patient-view", settings=Settings(), hook_instance="h")
    likely = next(c for c in shown if card_topic(c) == "dvt-likely")
    assert likely.summary == (
        "DVT likely (Wells 2; 0 if the alternative diagnosis is judged as likely): ultrasound "
        "within 4 h"
    )


def test_the_dvt_card_names_the_findings_and_what_it_could_not_check() -> None:
    """Sudden severe swelling is listed with its record; pregnancy status and age not documented
    are said, since NG158 covers neither pregnancy nor under-18s; scan and D-dimer may both be
    ordered."""
    chart = Chart(
        [
            found(F.CALF_PAIN, leg=Laterality.LEFT, ref="Observation/pain"),
            found(F.SUDDEN_SEVERE_SWELLING, leg=Laterality.LEFT, ref="Observation/sudden"),
            Feature(F.PREGNANCY, State.UNKNOWN, reason="not documented"),
        ],
        sex="female",
        age=None,
    )
    shown = card(chart, "dvt-likely")
    lines = (shown.detail or "").splitlines()
    assert lines[:4] == [
        "Current leg findings: calf pain, sudden severe unilateral swelling.",
        "",
        "- sudden severe unilateral swelling: Observation/sudden (2026-11-25)",
        "",
    ]
    assert lines[-7:] == [
        "Never start physiotherapy, massage or compression while DVT is not excluded.",
        "",
        "Pregnancy status is not documented: NICE NG158 does not cover pregnancy or the "
        "postpartum period.",
        "",
        "Age is not documented (no birth date): NICE NG158 applies from age 18, and the "
        "age-adjusted D-dimer cut-off and PERC (age under 50) could not be applied; confirm the "
        "age.",
        "",
        "Sources: [NICE NG158](https://www.nice.org.uk/guidance/ng158/chapter/Recommendations); "
        "[NICE QS201 statement 3](https://www.nice.org.uk/guidance/qs201)",
    ]
    assert shown.selectionBehavior == "any"
    assert [(link.label, link.url) for link in shown.links or []] == [
        (
            "NICE NG158: venous thromboembolic diseases",
            "https://www.nice.org.uk/guidance/ng158/chapter/Recommendations",
        )
    ]


def test_a_man_of_known_age_gets_neither_caveat() -> None:
    text = card(Chart([calf_pain()]), "dvt-ddimer").detail or ""
    assert text.split("\n\n")[-2:] == [
        "Never start physiotherapy, massage or compression while DVT is not excluded.",
        "Sources: [NICE NG158](https://www.nice.org.uk/guidance/ng158/chapter/Recommendations); "
        "[NICE QS201 statement 3](https://www.nice.org.uk/guidance/qs201)",
    ]


def test_the_assessment_link_names_the_dvt_card() -> None:
    undocumented = Feature(F.COLLATERAL_VEINS, State.UNKNOWN, reason="not documented")
    chart = Chart([calf_pain(), tender_deep_veins(), undocumented])
    links = card(chart, "dvt-ddimer", public_url="https://cds.example.org").links or []
    assert links[-1].appContext is not None
    assert links[-1].appContext.startswith('{"card":"dvt-ddimer","leg":"left"')


def test_the_scan_and_the_ddimer_offered_together_have_their_own_ids() -> None:
    chart = Chart([calf_pain(), tender_deep_veins(), found(F.ENTIRE_LEG_SWOLLEN)])
    suggestions = card(chart, "dvt-likely").suggestions or []
    assert len({s.uuid for s in suggestions}) == len(suggestions) == 2


def test_a_recorded_alternative_that_leaves_dvt_likely_does_not_change_the_summary() -> None:
    """Wells 4 with a recorded cellulitis: 2 even with the -2, still likely."""
    cellulitis = AlternativeDiagnosis(
        kind="cellulitis",
        evidence=Evidence(reference="Condition/cellulitis", certainty=Certainty.DIFFERENTIAL),
        current_episode=True,
        clinician_asserted=False,
    )
    chart = Chart(
        [
            calf_pain(),
            tender_deep_veins(),
            found(F.ENTIRE_LEG_SWOLLEN),
            found(F.PITTING_OEDEMA, leg=Laterality.LEFT),
            found(F.COLLATERAL_VEINS, leg=Laterality.LEFT),
        ]
    )
    features = replace(chart.feature_set(), alternatives=[cellulitis])
    shown = evaluate(features, hook="patient-view", settings=Settings(), hook_instance="h")
    likely = next(c for c in shown if card_topic(c) == "dvt-likely")
    assert likely.summary == "DVT likely (Wells 4): proximal leg vein ultrasound within 4 h"
