"""What the cards say about the D-dimer and about red flags (docs/clinical-basis.md §1.3, §1.5).

The clinician reads the verdict, not the rule: the D-dimer section gives the result that counts
with its unit, cut-off, record and verdict (or says none counts), and a red-flag card names its
findings once each, the reason for the emergency and the guideline.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from fhir_mappings.features import DDimerResult, DDimerUnit, Evidence, Feature, State
from tests.clinical.chart import (
    NOW,
    Chart,
    F,
    calf_pain,
    card,
    ddimer,
    found,
    measured,
    tender_deep_veins,
    topics,
)

UNDOCUMENTED_OEDEMA = Feature(F.PITTING_OEDEMA, State.UNKNOWN, reason="not documented")


def ddimer_lines(chart: Chart) -> list[str]:
    detail = card(chart, "dvt-ddimer").detail or ""
    section = detail.split("**D-dimer**", 1)[1].split("**Next steps", 1)[0]
    return [line for line in section.strip().splitlines() if line]


@pytest.mark.parametrize(
    ("value", "preliminary", "verdict"),
    [(650, False, "positive"), (300, False, "negative"), (300, True, "negative (preliminary)")],
)
def test_the_ddimer_section_gives_the_result_its_cut_off_and_the_verdict(
    value: float, preliminary: bool, verdict: str
) -> None:
    """Wells 1-2 so far (pitting oedema undocumented): the card shows the D-dimer whatever it
    says, so the verdict is the only difference."""
    chart = Chart(
        [calf_pain(), tender_deep_veins(), UNDOCUMENTED_OEDEMA],
        ddimers=[ddimer(value, preliminary=preliminary)],
    )
    assert ddimer_lines(chart)[0] == (
        f"- D-dimer {value:g} ng/mL FEU (cut-off 500 ng/mL FEU) using conventional FEU cut-off; "
        f"sent as {value:g} ng/mL FEU, taken 2026-11-25 (Observation/dd): **{verdict}**."
    )


def test_without_a_ddimer_the_section_says_none_counts() -> None:
    assert ddimer_lines(Chart([calf_pain()])) == ["- No D-dimer that counts for this episode."]


def pe_picture() -> Chart:
    return Chart(
        [
            calf_pain(),
            found(F.DYSPNOEA),
            found(F.CHEST_PAIN),
            found(F.SYNCOPE),
            found(F.HAEMOPTYSIS),
            measured(F.HEART_RATE, 120, "/min"),
        ]
    )


def test_the_red_flag_summary_names_three_findings_at_most() -> None:
    assert card(pe_picture(), "pe-emergency").summary == (
        "Possible pulmonary embolism (leg symptoms with breathlessness, chest pain, "
        "haemoptysis): emergency assessment now"
    )


def test_the_red_flag_card_lists_each_finding_once_and_says_why_it_comes_first() -> None:
    emergency = card(pe_picture(), "pe-emergency")
    detail = emergency.detail or ""
    assert detail.startswith("Signs of pulmonary embolism with leg symptoms")
    findings = detail.split("**Findings**", 1)[1].split("**", 1)[0]
    bullets = [line.split(":", 1)[0] for line in findings.splitlines() if line.startswith("- ")]
    assert sorted(bullets) == sorted(
        [
            "- breathlessness",
            "- chest pain",
            "- haemoptysis",
            "- syncope",
            "- heart rate",
            "- calf pain",
        ]
    )
    assert (
        "\n\nRed flags come before any score: no physiotherapy, massage or compression." in detail
    )
    assert any(link.label == "NICE NG158: suspected PE" for link in emergency.links or [])


def dated(value: float, days_ago: float, ref: str) -> DDimerResult:
    result = ddimer(value)
    time = NOW - timedelta(days=days_ago)
    return result._replace(time=time, evidence=Evidence(reference=ref, time=time))


@pytest.mark.parametrize(
    ("chart", "settings", "line"),
    [
        (
            Chart([calf_pain(), found(F.ANTICOAGULANT, ref="MedicationRequest/doac")]),
            {},
            "- Current anticoagulant recorded without a start time: a D-dimer may read falsely "
            "low, so a negative result cannot rule DVT out.",
        ),
        (
            Chart([calf_pain()], ddimers=[ddimer(300, preliminary=True)]),
            {},
            "- Preliminary result: a negative preliminary value does not rule DVT out.",
        ),
        (
            Chart([calf_pain()], ddimers=[ddimer(450, interpretation="H")]),
            {},
            "- The lab flagged the result as H: treated as positive.",
        ),
        (
            Chart([calf_pain()], age=None, ddimers=[ddimer(650)]),
            {"age_adjusted_ddimer": True},
            "- Age-adjusted cut-off not used: age not documented.",
        ),
        (
            Chart([calf_pain()], ddimers=[ddimer(600)._replace(assay_cutoff_ng_ml=450)]),
            {},
            "- D-dimer 600 ng/mL FEU (cut-off 450 ng/mL FEU) using the assay's cut-off (reference "
            "range); sent as 600 ng/mL FEU, taken 2026-11-25 (Observation/dd): **positive**.",
        ),
        (
            Chart(
                [calf_pain()],
                ddimers=[ddimer(300)],
                anticoagulation_started=NOW - timedelta(days=1),
            ),
            {},
            "- Not counted: 300 ng/mL FEU (Observation/dd): taken after anticoagulation started "
            "(unreliable, NG158).",
        ),
        (
            Chart([calf_pain()], ddimers=[dated(300, 60, "Observation/old")]),
            {"episode_days": 14},
            "- Not counted: 300 ng/mL FEU (Observation/old): older than 14 days.",
        ),
        (
            Chart(
                [calf_pain()],
                ddimers=[
                    dated(300, 2, "Observation/old"),
                    ddimer(650),
                    dated(400, 3, "Observation/older"),
                ],
            ),
            {},
            "- Not counted: 300 ng/mL FEU (Observation/old): superseded by a newer result.",
        ),
    ],
)
def test_the_card_says_why_a_ddimer_counts_or_not(
    chart: Chart, settings: dict[str, object], line: str
) -> None:
    detail = card(chart, "dvt-ddimer", **settings).detail or ""
    assert line in detail.splitlines()


UNDETERMINED = [calf_pain(), tender_deep_veins(), UNDOCUMENTED_OEDEMA]


@pytest.mark.parametrize(
    ("chart", "line"),
    [
        (
            Chart([calf_pain()], age=50, ddimers=[ddimer(650)]),
            "- Age-adjusted cut-off applies only over 50.",
        ),
        (
            Chart(UNDETERMINED, age=72, ddimers=[ddimer(650)]),
            "- Age-adjusted cut-off not used: DVT is not decisively unlikely.",
        ),
        (
            Chart([calf_pain()], age=72, ddimers=[ddimer(650)._replace(assay_cutoff_ng_ml=450)]),
            "- Age-adjusted cut-off not used: the assay has its own cut-off.",
        ),
        (
            Chart([calf_pain()], age=72, ddimers=[ddimer(730)]),
            "- D-dimer 730 ng/mL FEU (cut-off 720 ng/mL FEU) using age-adjusted (72 × 10 FEU; "
            "Schouten, BMJ 2013); sent as 730 ng/mL FEU, taken 2026-11-25 (Observation/dd): "
            "**positive**.",
        ),
    ],
)
def test_the_card_says_whether_the_age_adjusted_cut_off_was_used(chart: Chart, line: str) -> None:
    detail = card(chart, "dvt-ddimer", age_adjusted_ddimer=True).detail or ""
    assert line in detail.splitlines()


def test_a_ddu_assay_cut_off_within_the_conventional_range_is_age_adjusted() -> None:
    """An assay cut-off of 230 ng/mL DDU is a conventional one (230-250 DDU): at 72 the
    age-adjusted 5 x 72 = 360 DDU applies, and 300 DDU is negative."""
    result = ddimer(300, kind=DDimerUnit.DDU)._replace(assay_cutoff_ng_ml=230)
    chart = Chart([calf_pain()], age=72, ddimers=[result])
    assert not topics(chart, age_adjusted_ddimer=True) & {"dvt-ddimer", "dvt-likely"}
