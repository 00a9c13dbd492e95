"""Leg cramp and statin myopathy, word for word (docs/clinical-basis.md §1.9; S18d-j, S36-S38):
no blood panel for a well adult's recent one-leg cramp, bloods when the picture suggests a cause,
the drug on record named as the likely cause of a low value, a CK without the lab's upper limit
said to leave statin myopathy open, and a statin with a raised CK shown as myopathy, not cramp.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from cards.models import Card
from fhir_mappings.features import Coding, Evidence, Feature, LabResult, Laterality, Quantity, State
from tests.clinical.chart import NOW, Chart, F, card, found, lab, topics

CRAMP_URL = "https://remedy.bnssg.icb.nhs.uk/bnssg-icb/development-area/muscle-cramps-draft"
NO_TRIGGER = "No DVT trigger recorded (no current calf pain, swelling or tenderness)."
ADVICE = [
    "- Usually benign (nocturnal, exercise-associated, pregnancy). Drug causes: diuretics, "
    "beta-agonists, statins, calcium-channel blockers, raloxifene (BNSSG Remedy).",
    "- Disease causes: PAD, neuropathy, hypothyroidism, cirrhosis, CKD; suggested bloods U&E, "
    "LFT, calcium, magnesium, HbA1c, TSH, CK (BNSSG Remedy).",
    "- CK ≥ 3× the upper limit suggests myopathy or rhabdomyolysis rather than cramp.",
    "- Seek help at once for new leg swelling, breathlessness, chest pain or coughing blood "
    "(possible DVT or PE).",
]
NO_BLOODS_YET = [
    "- potassium: no result in the last 30 days",
    "- magnesium: no result in the last 30 days",
    "- calcium: no result in the last 30 days",
    "- CK: no result in the last 30 days",
]
SOURCES = f"Sources: [BNSSG Remedy: muscle cramps]({CRAMP_URL})"


def cramp(leg: Laterality = Laterality.LEFT) -> Feature:
    return found(F.CRAMP, leg=leg, ref="Condition/cramp")


def drug(name: str, display: str, ref: str) -> Feature:
    record = Evidence(
        reference=ref,
        time=NOW - timedelta(days=30),
        concept=Coding("http://www.nlm.nih.gov/research/umls/rxnorm", "1", display),
    )
    return Feature(name, State.PRESENT, (record,))


FUROSEMIDE = drug(F.LOOP_DIURETIC, "furosemide", "MedicationRequest/furosemide")
ATORVASTATIN = drug(F.STATIN, "atorvastatin", "MedicationRequest/atorvastatin")


def lines(shown: Card) -> list[str]:
    return (shown.detail or "").splitlines()


def labels(shown: Card) -> list[str]:
    return [s.label for s in shown.suggestions or []]


def test_a_well_adults_recent_one_leg_cramp_gets_advice_and_no_blood_panel() -> None:
    shown = card(Chart([cramp()]), "cramp")
    assert shown.indicator == "info"
    assert shown.summary == (
        "Leg cramp, nothing suggesting a cause: stretching, hydration and safety-net; bloods only "
        "if it persists or recurs"
    )
    assert lines(shown) == [
        NO_TRIGGER,
        "",
        "Cramp: Condition/cramp (2026-11-25).",
        "",
        "**Recent bloods**",
        "",
        *NO_BLOODS_YET,
        "",
        *ADVICE,
        "",
        "No blood tests suggested: a recent cramp in one leg with nothing in the record pointing "
        "to a cause is usually exercise-associated or idiopathic; stretching, hydration and "
        "safety-net (BNSSG Remedy). Bloods if it lasts more than 14 days, recurs, affects both "
        "legs, or a drug or illness suggests a cause.",
        "",
        SOURCES,
    ]
    assert not shown.suggestions
    assert [(link.label, link.url) for link in shown.links or []] == [
        ("Muscle cramps (BNSSG Remedy)", CRAMP_URL)
    ]


NO_LABS = "Leg cramp with no recent bloods: check electrolytes, magnesium, calcium and CK"


def bloods_because(reasons: str) -> str:
    return (
        f"Bloods suggested, as the picture may have a cause (BNSSG Remedy): {reasons}. Those with "
        "no recent result are offered as draft orders."
    )


@pytest.mark.parametrize(
    ("picture", "reasons"),
    [
        pytest.param([cramp(Laterality.BILATERAL)], "cramp in both legs", id="both legs"),
        pytest.param([cramp(), found(F.RECURRENT_PAIN)], "recurrent cramp", id="recurring"),
        pytest.param(
            [cramp(), found(F.SYMPTOM_DURATION_DAYS, quantity=Quantity(15, "d"))],
            "cramp lasting 15 days (more than 14)",
            id="15 days",
        ),
        pytest.param(
            [cramp(), FUROSEMIDE],
            "furosemide (loop diuretic) on record, a drug that causes cramp",
            id="a drug that causes cramp",
        ),
    ],
)
def test_a_picture_suggesting_a_cause_gets_the_bloods_and_says_why(
    picture: list[Feature], reasons: str
) -> None:
    shown = card(Chart(picture), "cramp")
    assert shown.summary == NO_LABS
    assert lines(shown)[-3:] == [bloods_because(reasons), "", SOURCES]
    assert "No blood tests suggested" not in (shown.detail or "")
    assert labels(shown) == ["Order bloods: potassium, magnesium, calcium, CK"]
    (bloods,) = shown.suggestions or []
    assert bloods.isRecommended is True
    assert [a.description for a in bloods.actions or []] == [
        "Create a draft potassium order",
        "Create a draft magnesium order",
        "Create a draft calcium order",
        "Create a draft CK order",
    ]
    assert {(a.resource or {})["reasonCode"][0]["text"] for a in bloods.actions or []} == {
        "Leg cramps"
    }


def test_a_cramp_of_14_days_is_still_recent() -> None:
    picture = Chart([cramp(), found(F.SYMPTOM_DURATION_DAYS, quantity=Quantity(14, "d"))])
    assert card(picture, "cramp").summary.startswith("Leg cramp, nothing suggesting a cause")


def test_a_drug_that_causes_cramp_is_listed() -> None:
    shown = card(Chart([cramp(), FUROSEMIDE]), "cramp")
    assert lines(shown)[-7:-2] == [
        "**Drugs on record that cause cramp**",
        "",
        "- furosemide (loop diuretic), MedicationRequest/furosemide (2026-10-26): can cause "
        "cramp (BNSSG Remedy)",
        "",
        bloods_because("furosemide (loop diuretic) on record, a drug that causes cramp"),
    ]


def bloods(**values: float) -> dict[str, list[LabResult]]:
    return {name: [lab(name, value, "mmol/L")] for name, value in values.items()}


def test_low_values_on_a_diuretic_name_the_drug_as_their_likely_cause() -> None:
    chart = Chart([cramp(), FUROSEMIDE], labs=bloods(potassium=3.1, magnesium=0.5, calcium=1.9))
    shown = card(chart, "cramp")
    assert shown.indicator == "warning"
    assert shown.summary == (
        "Leg cramp with potassium 3.1 mmol/L, magnesium 0.5 mmol/L and more on furosemide: "
        "likely drug cause; review it, treat the low level"
    )
    assert lines(shown)[4:11] == [
        "**Recent bloods**",
        "",
        "- potassium 3.1 mmol/L (low, < 3.5), Observation/potassium",
        "- magnesium 0.5 mmol/L (low, < 0.7), Observation/magnesium",
        "- calcium 1.9 mmol/L (low, < 2.12), Observation/calcium",
        "- CK: no result in the last 30 days",
        "",
    ]
    assert (
        "- furosemide (loop diuretic), MedicationRequest/furosemide (2026-10-26): likely cause of "
        "the low potassium 3.1 mmol/L and magnesium 0.5 mmol/L; review the dose and replace what "
        "is low (BNF)"
    ) in lines(shown)
    assert labels(shown) == ["Order bloods: CK"]
    assert lines(shown)[-3] == bloods_because(
        "potassium 3.1 mmol/L (low, < 3.5); magnesium 0.5 mmol/L (low, < 0.7); calcium 1.9 "
        "mmol/L (low, < 2.12); furosemide (loop diuretic) on record, a drug that causes cramp"
    )


def test_a_low_value_without_a_drug_to_explain_it_asks_to_treat_the_cause() -> None:
    shown = card(Chart([cramp()], labs=bloods(calcium=1.9)), "cramp")
    assert shown.summary == (
        "Leg cramp with calcium 1.9 mmol/L: treat the cause and review drugs that cause cramp"
    )
    assert lines(shown)[-3] == bloods_because("calcium 1.9 mmol/L (low, < 2.12)")


def test_recent_electrolytes_not_low_get_stretching_advice_and_the_missing_bloods() -> None:
    shown = card(Chart([cramp()], labs=bloods(potassium=4.1)), "cramp")
    assert shown.indicator == "info"
    assert shown.summary == (
        "Leg cramp, recent electrolytes not low: stretching advice; review drugs that cause cramp"
    )
    assert labels(shown) == ["Order bloods: magnesium, calcium, CK"]
    assert lines(shown)[-3] == bloods_because("part of the panel already taken")


def test_with_every_recent_result_there_the_card_offers_no_bloods_and_ends_with_its_sources() -> (
    None
):
    panel = bloods(potassium=4.1, magnesium=0.8, calcium=2.3)
    panel["creatine_kinase"] = [lab("creatine_kinase", 150, "U/L", high=200)]
    shown = card(Chart([cramp(), found(F.RECURRENT_PAIN)], labs=panel), "cramp")
    assert not shown.suggestions
    assert "Bloods suggested" not in (shown.detail or "")
    assert "No blood tests suggested" not in (shown.detail or "")
    assert lines(shown)[-1] == SOURCES


def ck(value: float, upper_limit: float | None = None) -> dict[str, list[LabResult]]:
    return {"creatine_kinase": [lab("creatine_kinase", value, "U/L", high=upper_limit)]}


def test_a_ck_without_the_labs_upper_limit_on_a_statin_leaves_myopathy_open() -> None:
    chart = Chart([cramp(), ATORVASTATIN], labs={**bloods(potassium=4.1), **ck(900)})
    shown = card(chart, "cramp")
    assert shown.indicator == "warning"
    assert shown.summary == (
        "Leg cramp on atorvastatin, CK sent without the lab's upper limit: statin myopathy "
        "unknown; read the CK against the range"
    )
    assert (
        "On atorvastatin: CK 900 U/L was sent without the lab's upper limit, so statin myopathy "
        "(CK ≥ 3× the upper limit) is unknown, neither shown nor excluded: read the CK against "
        "the lab's range."
    ) in lines(shown)


def test_a_ck_with_its_upper_limit_not_raised_threefold_is_not_myopathy() -> None:
    shown = card(Chart([cramp(), ATORVASTATIN], labs=ck(500, 200)), "cramp")
    assert not [line for line in lines(shown) if line.startswith("On atorvastatin")]
    assert "statin-myopathy" not in topics(Chart([cramp(), ATORVASTATIN], labs=ck(500, 200)))


def test_a_statin_with_a_ck_three_times_the_upper_limit_is_myopathy_not_cramp() -> None:
    chart = Chart([cramp(), ATORVASTATIN], labs=ck(900, 200))
    assert "cramp" not in topics(chart)
    shown = card(chart, "statin-myopathy")
    assert shown.indicator == "warning"
    assert shown.summary == (
        "Possible statin myopathy, not cramp: CK 900 U/L (≥ 3× upper limit) on atorvastatin: "
        "review the statin, repeat CK"
    )
    assert lines(shown) == [
        "CK 900 U/L is 4.5× the lab's upper limit (200 U/L), Observation/creatine_kinase, with "
        "calf muscle symptoms on a statin: statin-associated myopathy, not a simple cramp; cramp "
        "self-care is not the answer.",
        "",
        NO_TRIGGER,
        "",
        "**Statin on record**",
        "",
        "- atorvastatin (statin), MedicationRequest/atorvastatin (2026-10-26)",
        "",
        "**Muscle symptoms**",
        "",
        "- cramp: Condition/cramp (2026-11-25)",
        "",
        "**Next steps**",
        "",
        "- Review atorvastatin: stop it or reduce the dose until the symptoms and CK are assessed.",
        "- Repeat CK weekly while symptoms last (ACC/AHA/NHLBI 2002); check renal function and "
        "thyroid function (TSH): kidney disease and hypothyroidism make statin myopathy more "
        "likely.",
        "- Look for drugs that raise statin levels (AHA/ACC 2018).",
        "- Same-day assessment for rhabdomyolysis if the urine is dark (tea or cola coloured), "
        "passing less urine, or the muscles are weak.",
        "",
        "Sources: [ACC/AHA/NHLBI 2002: clinical advisory on the use and safety of statins]"
        "(https://doi.org/10.1161/01.str.0000034125.94759.41); [AHA/ACC 2018: guideline on the "
        "management of blood cholesterol](https://doi.org/10.1161/CIR.0000000000000625)",
    ]
    assert labels(shown) == ["Order a repeat CK"]


def test_a_statin_with_a_ck_ten_times_the_upper_limit_is_possible_rhabdomyolysis() -> None:
    chart = Chart([cramp(), ATORVASTATIN], labs={**ck(2500, 200), **bloods(potassium=4.1)})
    shown = card(chart, "statin-myopathy")
    assert shown.indicator == "critical"
    assert shown.summary == (
        "CK 2500 U/L (≥ 10× upper limit) on atorvastatin: stop the statin, same-day renal "
        "function and urine for rhabdomyolysis"
    )
    text = lines(shown)
    assert text[text.index("**Next steps**") + 2 :][:4] == [
        "- Stop atorvastatin now (CK ≥ 10× the upper limit with muscle symptoms).",
        "- Same day: creatinine and U&E (renal function, potassium) and urinalysis for myoglobin; "
        "rhabdomyolysis can injure the kidneys.",
        "- Repeat CK until it falls; do not restart a statin until symptoms settle and CK is "
        "normal (ACC/AHA/NHLBI 2002).",
        "- Same-day assessment for rhabdomyolysis if the urine is dark (tea or cola coloured), "
        "passing less urine, or the muscles are weak.",
    ]
    assert text[text.index("**Other recent bloods**") + 2] == (
        "- potassium 4.1 mmol/L (not low), Observation/potassium"
    )


def test_statin_myopathy_while_dvt_is_not_excluded_points_to_the_dvt_card() -> None:
    """A raised CK does not exclude a DVT: with calf pain and no D-dimer the myopathy card
    shows beside the DVT card and says so."""
    chart = Chart(
        [found(F.CALF_PAIN, leg=Laterality.LEFT), cramp(), ATORVASTATIN], labs=ck(900, 200)
    )
    assert {"statin-myopathy", "dvt-ddimer"} <= topics(chart)
    assert lines(card(chart, "statin-myopathy"))[2] == (
        "DVT is not excluded: follow the DVT card; a raised CK does not exclude a DVT."
    )


def test_two_low_values_are_both_named_in_the_summary() -> None:
    shown = card(Chart([cramp()], labs=bloods(potassium=3.1, calcium=1.9)), "cramp")
    assert shown.summary == (
        "Leg cramp with potassium 3.1 mmol/L, calcium 1.9 mmol/L: treat the cause and review "
        "drugs that cause cramp"
    )


def test_a_ck_without_the_labs_upper_limit_and_no_statin_is_shown_not_judged() -> None:
    shown = card(Chart([cramp()], labs=ck(900)), "cramp")
    assert shown.summary.startswith("Leg cramp, recent electrolytes not low")
    assert "- CK 900 U/L (no reference range sent), Observation/creatine_kinase" in lines(shown)
