"""The PE emergency card (NICE NG158 PE pathway, docs/clinical-basis.md §1.5, §1.14): what it
tells the clinician to do for each Wells PE decision, where the leg stands, and what it says
about a known or treated clot.

Calf pain with breathlessness brings the card; the Wells DVT items are documented absent unless a
test says otherwise.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from cds.settings import Settings
from cds.triage.context import Context
from cds.triage.rules import pulmonary_embolism
from fhir_mappings.features import Certainty, Evidence, Feature, Laterality, State
from tests.clinical.chart import (
    Chart,
    F,
    calf_pain,
    card,
    ddimer,
    documented_absent,
    found,
    measured,
    tender_deep_veins,
)

IMAGING = (
    "immediate CT pulmonary angiogram (CTPA); a V/Q scan where CTPA is unsuitable (contrast "
    "allergy, severe renal impairment)"
)
LIKELY = (
    f"- PE likely (Wells PE > 4): {IMAGING}; interim therapeutic anticoagulation if imaging "
    "cannot be done at once."
)
UNLIKELY = (
    "- PE unlikely (Wells PE ≤ 4): D-dimer with the result within 4 h (interim therapeutic "
    "anticoagulation if it will take longer); positive: immediate CTPA; negative: consider "
    "other diagnoses."
)
LEG_PATHWAY = (
    "The PE work-up comes first; if PE is excluded and DVT is still suspected, follow the NG158 "
    "DVT pathway (proximal leg vein ultrasound)."
)


def pe_chart(*findings: Feature) -> Chart:
    return Chart([calf_pain(), found(F.DYSPNOEA), *findings])


def detail(chart: Chart, **settings: object) -> str:
    return card(chart, "pe-emergency", **settings).detail or ""


def section(text: str, title: str) -> list[str]:
    """The lines of one ``**title**`` section of a card's detail, up to the next blank line."""
    lines = text.split(f"**{title}**\n\n", 1)[1].split("\n\n", 1)[0]
    return lines.splitlines()


def test_an_undecided_wells_pe_shows_both_branches_and_where_the_leg_stands() -> None:
    """Nothing says whether PE is the most likely diagnosis (+3): the card explains the range,
    gives both NG158 branches, and says the leg's DVT work-up waits for the PE work-up."""
    assert section(detail(pe_chart()), "Next steps (NICE NG158)") == [
        "- Wells PE 0–7 depends on what is not documented, including whether PE is judged the "
        "most likely diagnosis (+3): above 4 is PE likely, 4 or less PE unlikely.",
        LIKELY,
        UNLIKELY,
        f"- The leg: Wells DVT 0 (DVT unlikely). {LEG_PATHWAY}",
    ]


def test_pe_likely_asks_for_imaging_only() -> None:
    """Signs of DVT (3) and a heart rate over 100/min (1.5): Wells PE 4.5 is PE likely."""
    chart = pe_chart(
        found(F.LEG_SWELLING, leg=Laterality.LEFT),
        tender_deep_veins(),
        measured(F.HEART_RATE, 120, "/min"),
    )
    steps = section(detail(chart), "Next steps (NICE NG158)")
    assert steps[0] == LIKELY
    assert UNLIKELY not in steps


def test_on_anticoagulation_the_card_asks_for_imaging_whatever_the_score() -> None:
    chart = pe_chart(found(F.ANTICOAGULANT, ref="MedicationRequest/apixaban"))
    assert section(detail(chart), "Next steps (NICE NG158)")[0] == (
        "- On anticoagulation a D-dimer may read falsely low and cannot exclude PE: "
        f"{IMAGING}, whatever the score."
    )


def test_the_wells_pe_table_counts_present_items_and_zero_for_absent_ones() -> None:
    chart = pe_chart(measured(F.HEART_RATE, 120, "/min", ago=timedelta(minutes=30)))
    table = section(detail(chart), "Wells PE")
    assert table[0].startswith("Wells PE: documented score **1.5**, possible maximum **7**")
    rows = detail(chart).splitlines()
    assert "| Wells PE item | Points | Finding | Counted | Evidence |" in rows
    assert next(row for row in rows if row.startswith("| Heart rate > 100/min |")).startswith(
        "| Heart rate > 100/min | +1.5 | present | +1.5 | 120/min: "
    )
    assert (
        "| Cancer (treatment ongoing, within 6 months, or palliative) | +1 | absent | 0 | "
        "no match in the records retrieved |"
    ) in rows


@pytest.mark.parametrize(
    ("leg_findings", "line"),
    [
        (
            # Tenderness and an entire swollen leg: Wells DVT 2, likely.
            (tender_deep_veins(), found(F.ENTIRE_LEG_SWOLLEN, leg=Laterality.LEFT)),
            f"- The leg: Wells DVT 2 (DVT likely). {LEG_PATHWAY}",
        ),
        (
            # Tenderness and two examination items nobody documented: Wells DVT 1-3.
            (
                tender_deep_veins(),
                Feature(F.PITTING_OEDEMA, State.UNKNOWN, reason="not documented"),
                Feature(F.COLLATERAL_VEINS, State.UNKNOWN, reason="not documented"),
            ),
            f"- The leg: Wells DVT 1–3 (undecided). {LEG_PATHWAY}",
        ),
    ],
)
def test_the_pe_card_says_where_the_leg_stands(
    leg_findings: tuple[Feature, ...], line: str
) -> None:
    assert section(detail(pe_chart(*leg_findings)), "Next steps (NICE NG158)")[-1] == line


def test_a_leg_with_dvt_excluded_is_not_mentioned() -> None:
    """Wells DVT 0 and a final negative D-dimer exclude DVT (NG158): the PE card does not send
    the clinician back to the DVT pathway."""
    chart = Chart([calf_pain(), found(F.DYSPNOEA)], ddimers=[ddimer(300)])
    steps = section(detail(chart), "Next steps (NICE NG158)")
    assert not [line for line in steps if "The leg" in line]
    assert steps[-1] == UNLIKELY


def test_unilateral_leg_swelling_means_never_perc_negative() -> None:
    swollen = pe_chart(found(F.LEG_SWELLING, leg=Laterality.LEFT))
    both = pe_chart(found(F.LEG_SWELLING, leg=Laterality.BILATERAL))
    perc = "- A patient with unilateral leg swelling can never be PERC-negative."
    assert perc in section(detail(swollen), "Next steps (NICE NG158)")
    assert perc not in section(detail(both), "Next steps (NICE NG158)")


def test_the_assessment_link_asks_for_the_leg_examination_the_dvt_score_lacks() -> None:
    """Wells PE straddles 4 while the signs of DVT are undocumented: the card links the
    assessment app, on the painful leg, for the DVT examination items not documented."""
    unknown_tenderness = Feature(F.DEEP_VEIN_TENDERNESS, State.UNKNOWN, reason="not documented")
    links = card(
        pe_chart(unknown_tenderness), "pe-emergency", public_url="https://cds.example.org"
    ).links
    assert [(link.type, link.url, link.appContext) for link in links or []] == [
        ("absolute", "https://www.nice.org.uk/guidance/ng158/chapter/Recommendations", None),
        (
            "smart",
            "https://cds.example.org/app/launch",
            '{"card":"pe-emergency","leg":"left","undocumented":["deep_vein_tenderness"]}',
        ),
    ]


def summary(chart: Chart) -> str:
    return card(chart, "pe-emergency").summary


def test_without_leg_symptoms_a_known_dvt_is_the_setting() -> None:
    chart = Chart([found(F.DYSPNOEA), found(F.CURRENT_DVT, ref="Condition/dvt")])
    assert summary(chart) == (
        "Possible pulmonary embolism (known DVT with breathlessness): emergency assessment now"
    )


def on_record(name: str, certainty: Certainty) -> Feature:
    record = Evidence(reference=f"Condition/{name}", time=None, certainty=certainty)
    return Feature(name, State.PRESENT, (record,))


@pytest.mark.parametrize("certainty", [Certainty.PROVISIONAL, Certainty.UNCONFIRMED])
def test_without_leg_symptoms_a_pe_on_record_not_confirmed_is_the_setting(
    certainty: Certainty,
) -> None:
    """Only an active, clinician-confirmed PE is a known diagnosis (§1.14): one not confirmed is
    named as such, and the card is the PE work-up with Wells PE, not the known-clot card."""
    chart = Chart([found(F.DYSPNOEA), on_record(F.CURRENT_PE, certainty)])
    assert summary(chart) == (
        "Possible pulmonary embolism (unconfirmed PE on record with breathlessness): emergency "
        "assessment now"
    )
    text = detail(chart)
    assert (
        "- The PE on record is not confirmed: it is not a known diagnosis, so Wells PE and the "
        "NG158 PE pathway below apply."
    ) in text.splitlines()
    assert section(text, "Wells PE")[0].startswith("Wells PE: documented score")
    assert "known, confirmed" not in text


def test_a_confirmed_pe_or_none_on_record_gets_no_unconfirmed_note() -> None:
    known = Chart([found(F.DYSPNOEA), found(F.CURRENT_PE, ref="Condition/pe")])
    assert "not confirmed" not in detail(known)
    assert "not confirmed" not in detail(pe_chart())


def test_without_leg_symptoms_a_dvt_on_record_not_confirmed_is_not_a_known_dvt() -> None:
    chart = Chart([found(F.DYSPNOEA), on_record(F.CURRENT_DVT, Certainty.PROVISIONAL)])
    assert summary(chart) == (
        "Possible pulmonary embolism (unconfirmed DVT on record with breathlessness): emergency "
        "assessment now"
    )


def test_a_confirmed_dvt_is_the_setting_before_a_pe_on_record_not_confirmed() -> None:
    chart = Chart(
        [
            found(F.DYSPNOEA),
            found(F.CURRENT_DVT, ref="Condition/dvt"),
            on_record(F.CURRENT_PE, Certainty.DIFFERENTIAL),
        ]
    )
    assert summary(chart) == (
        "Possible pulmonary embolism (known DVT with breathlessness): emergency assessment now"
    )


KNOWN_PE_STEPS = [
    "- Not a new diagnostic question: no D-dimer, and Wells PE and PERC do not apply.",
    "- Check the anticoagulant is being taken at a therapeutic dose; further imaging is decided "
    "by the team assessing the deterioration.",
]


def test_a_known_pe_with_new_signs_is_a_deterioration_and_untreated_is_named() -> None:
    chart = Chart([found(F.DYSPNOEA), found(F.CURRENT_PE, ref="Condition/pe")])
    text = detail(chart)
    assert text.startswith(
        "New signs in a patient with a known, confirmed pulmonary embolism: assess as an "
        "emergency now (extension, treatment failure, bleeding or another cause)."
    )
    assert section(text, "Next steps") == [
        *KNOWN_PE_STEPS,
        "- No current anticoagulant on record: check that the PE is being treated.",
    ]


def test_a_known_pe_on_anticoagulation_is_not_called_untreated() -> None:
    chart = Chart(
        [
            found(F.DYSPNOEA),
            found(F.CURRENT_PE, ref="Condition/pe"),
            found(F.ANTICOAGULANT, ref="MedicationRequest/apixaban"),
        ]
    )
    assert section(detail(chart), "Next steps") == KNOWN_PE_STEPS


def support(chart: Chart) -> int:
    ctx = Context(chart.feature_set(), Settings(), "patient-view", "hook-instance")
    assert pulmonary_embolism.RULE.support is not None
    return pulmonary_embolism.RULE.support(ctx)


def test_the_support_for_the_pe_picture_is_its_signs_and_one_more_when_pe_is_likely() -> None:
    """Two signs (breathlessness, heart rate 120/min); with signs of DVT (3) the heart rate
    makes Wells PE 4.5, PE likely, one more."""
    fast = measured(F.HEART_RATE, 120, "/min")
    assert support(pe_chart(fast, documented_absent(F.LEG_SWELLING))) == 2
    signs_of_dvt = (found(F.LEG_SWELLING, leg=Laterality.LEFT), tender_deep_veins())
    assert support(pe_chart(fast, *signs_of_dvt)) == 3
    assert support(Chart([calf_pain()])) == 0
