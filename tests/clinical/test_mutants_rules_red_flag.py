"""The red-flag card (docs/clinical-basis.md §1.10): the summary names as many findings as fit in
the CDS Hooks summary (< 140 characters) without cutting off the action at its end, and the
findings section names each present finding once, with its evidence.
"""

from __future__ import annotations

from cards.builders import SUMMARY_LIMIT
from cds.settings import Settings
from cds.triage.context import Context
from cds.triage.red_flag import RedFlag, fitted_summary, red_flag_card
from cds.triage.rules import cauda_equina
from fhir_mappings.features import Feature, State
from tests.clinical.chart import Chart, F, calf_pain, found

ACTION = ": emergency assessment now"


def template(signs: str) -> str:
    return f"Red flag ({signs}){ACTION}"


# "Red flag (" + ")" + ACTION is the fixed part of every summary.
FIXED = len(template(""))


def sign(length: int, letter: str) -> str:
    return letter * length


def test_three_findings_are_named_when_they_fit() -> None:
    signs = ("breathlessness", "chest pain", "syncope", "haemoptysis")
    assert fitted_summary(template, signs) == template("breathlessness, chest pain, syncope")


def test_two_findings_are_named_when_three_would_not_fit() -> None:
    room = SUMMARY_LIMIT - FIXED
    signs = (sign(room // 2 - 2, "a"), sign(room // 2 - 2, "b"), sign(10, "c"))
    assert fitted_summary(template, signs) == template(f"{signs[0]}, {signs[1]}")


def test_one_whole_finding_is_named_when_two_would_not_fit() -> None:
    room = SUMMARY_LIMIT - FIXED
    signs = (sign(room - 5, "a"), sign(10, "b"))
    assert fitted_summary(template, signs) == template(signs[0])


def test_a_summary_of_exactly_the_limit_is_kept_whole() -> None:
    signs = (sign(SUMMARY_LIMIT - FIXED, "a"), sign(10, "b"))
    summary = fitted_summary(template, signs)
    assert len(summary) == SUMMARY_LIMIT
    assert summary == template(signs[0])


def test_a_finding_too_long_for_the_summary_is_cut_to_40_characters_and_the_action_kept() -> None:
    signs = (sign(200, "a"), sign(10, "b"))
    summary = fitted_summary(template, signs)
    assert summary == template(sign(40, "a"))
    assert summary.endswith(ACTION)


def flag_card(*features: Feature) -> str:
    ctx = Context(Chart().feature_set(), Settings(), "patient-view", "hook-instance")
    flag = RedFlag(("calf pain",), features)
    card = red_flag_card(
        ctx,
        flag,
        topic=cauda_equina.TOPIC,
        summary="Red flag",
        intro="Assess now.",
        link=("NICE", "https://www.nice.org.uk/"),
        override_reasons=(),
    )
    return card.detail or ""


def test_each_present_finding_is_listed_once_after_one_that_is_not_present() -> None:
    """A finding not documented present is not a finding; the ones after it still are, and a
    finding named twice is listed once."""
    not_documented = Feature(F.CURRENT_DVT, State.UNKNOWN, reason="not documented")
    pain = calf_pain()
    detail = flag_card(not_documented, pain, pain, found(F.DYSPNOEA))
    findings = [line for line in detail.splitlines() if line.startswith("- ")]
    assert [line.split(":")[0] for line in findings] == ["- calf pain", "- breathlessness"]
