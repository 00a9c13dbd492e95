"""The cramp and statin-myopathy cards word for word (docs/clinical-basis.md §1.9; S18d, S36-S38).

What the clinician reads is the rule: the drug named as the record names it with its class and
record, the value it explains, the steps with their sources, and the draft order's reason and
priority. Any change to these words is a change to the rule and is reviewed here.
"""

from __future__ import annotations

from datetime import timedelta

from cards.models import Card
from fhir_mappings.codes import RXNORM
from fhir_mappings.features import Coding, Evidence, Feature, FeatureName, State
from tests.clinical.chart import NOW, RIGHT, Chart, card, lab, present

F = FeatureName
ADVISORY = (
    "[ACC/AHA/NHLBI 2002: clinical advisory on the use and safety of statins]"
    "(https://doi.org/10.1161/01.str.0000034125.94759.41)"
)
GUIDELINE = (
    "[AHA/ACC 2018: guideline on the management of blood cholesterol]"
    "(https://doi.org/10.1161/CIR.0000000000000625)"
)
BNSSG = (
    "Sources: [BNSSG Remedy: muscle cramps]"
    "(https://remedy.bnssg.icb.nhs.uk/bnssg-icb/development-area/muscle-cramps-draft)"
)
NO_TRIGGER = "No DVT trigger recorded (no current calf pain, swelling or tenderness)."
ABOUT_CRAMP = (
    "- Usually benign (nocturnal, exercise-associated, pregnancy). Drug causes: diuretics, "
    "beta-agonists, statins, calcium-channel blockers, raloxifene (BNSSG Remedy).\n"
    "- Disease causes: PAD, neuropathy, hypothyroidism, cirrhosis, CKD; suggested bloods U&E, LFT, "
    "calcium, magnesium, HbA1c, TSH, CK (BNSSG Remedy).\n"
    "- CK ≥ 3× the upper limit suggests myopathy or rhabdomyolysis rather than cramp.\n"
    "- Seek help at once for new leg swelling, breathlessness, chest pain or coughing blood "
    "(possible DVT or PE)."
)


def drug(drug_class: str, name: str, ref: str) -> Feature:
    evidence = Evidence(
        reference=ref,
        concept=Coding(RXNORM, "1", name),
        value="status active",
        time=NOW - timedelta(days=90),
    )
    return Feature(drug_class, State.PRESENT, (evidence,))


def statin_chart(ck: float, high: float | None = 200) -> Chart:
    return Chart(
        [
            present(F.CRAMP, ref="Condition/cramp"),
            drug(F.STATIN, "atorvastatin", "MedicationRequest/statin"),
        ],
        labs={
            "potassium": [lab("potassium", 4.2, "mmol/L")],
            "creatine_kinase": [lab("creatine_kinase", ck, "U/L", high=high)],
        },
    )


def order_of(found: Card) -> tuple[str, str, object, object]:
    (suggestion,) = found.suggestions or []
    (action,) = suggestion.actions or []
    resource = action.resource or {}
    assert suggestion.isRecommended
    return (
        f"{suggestion.label} / {action.description}",
        str(resource["priority"]),
        resource["reasonCode"],
        resource["reasonReference"],
    )


def myopathy_detail(ck: str, steps: list[str]) -> str:
    return "\n\n".join(
        [
            f"{ck}, Observation/creatine_kinase, with calf muscle symptoms on a statin: "
            "statin-associated myopathy, not a simple cramp; cramp self-care is not the answer.",
            NO_TRIGGER,
            "**Statin on record**",
            "- atorvastatin (statin), MedicationRequest/statin (status active, 2026-08-27)",
            "**Muscle symptoms**",
            "- cramp: Condition/cramp (2026-11-24)",
            "**Next steps**",
            "\n".join(
                [
                    *(f"- {step}" for step in steps),
                    "- Same-day assessment for rhabdomyolysis if the urine is dark (tea or cola "
                    "coloured), passing less urine, or the muscles are weak.",
                ]
            ),
            "**Other recent bloods**",
            "- potassium 4.2 mmol/L (not low), Observation/potassium",
            f"Sources: {ADVISORY}; {GUIDELINE}",
        ]
    )


def test_the_statin_myopathy_card_word_for_word() -> None:
    found = card(statin_chart(980), "statin-myopathy")
    assert found.summary == (
        "Possible statin myopathy, not cramp: CK 980 U/L (≥ 3× upper limit) on atorvastatin: "
        "review the statin, repeat CK"
    )
    assert found.detail == myopathy_detail(
        "CK 980 U/L is 4.9× the lab's upper limit (200 U/L)",
        [
            "Review atorvastatin: stop it or reduce the dose until the symptoms and CK are "
            "assessed.",
            "Repeat CK weekly while symptoms last (ACC/AHA/NHLBI 2002); check renal function and "
            "thyroid function (TSH): kidney disease and hypothyroidism make statin myopathy more "
            "likely.",
            "Look for drugs that raise statin levels (AHA/ACC 2018).",
        ],
    )
    assert order_of(found) == (
        "Order a repeat CK / Create a draft CK order",
        "routine",
        [{"text": "Raised CK on a statin"}],
        [{"reference": "Condition/cramp"}, {"reference": "Observation/creatine_kinase"}],
    )
    assert [(link.label, link.url) for link in found.links or []] == [
        (
            "Statin safety advisory (ACC/AHA/NHLBI)",
            "https://doi.org/10.1161/01.str.0000034125.94759.41",
        )
    ]
    assert found.source.label == (
        "ACC/AHA/NHLBI statin safety advisory; ACC/AHA 2018 cholesterol guideline"
    )


def test_the_rhabdomyolysis_card_word_for_word() -> None:
    found = card(statin_chart(2400), "statin-myopathy")
    assert found.indicator == "critical"
    assert found.summary == (
        "CK 2400 U/L (≥ 10× upper limit) on atorvastatin: stop the statin, same-day renal "
        "function and urine for rhabdomyolysis"
    )
    assert found.detail == myopathy_detail(
        "CK 2400 U/L is 12.0× the lab's upper limit (200 U/L)",
        [
            "Stop atorvastatin now (CK ≥ 10× the upper limit with muscle symptoms).",
            "Same day: creatinine and U&E (renal function, potassium) and urinalysis for "
            "myoglobin; rhabdomyolysis can injure the kidneys.",
            "Repeat CK until it falls; do not restart a statin until symptoms settle and CK is "
            "normal (ACC/AHA/NHLBI 2002).",
        ],
    )
    assert order_of(found)[1] == "stat"


def test_the_cramp_card_naming_furosemide_word_for_word() -> None:
    chart = Chart(
        [
            present(F.CRAMP, lat=RIGHT, ref="Condition/cramp"),
            drug(F.LOOP_DIURETIC, "furosemide", "MedicationRequest/furosemide"),
        ],
        labs={
            "potassium": [lab("potassium", 3.1, "mmol/L")],
            "magnesium": [lab("magnesium", 0.6, "mmol/L")],
            "calcium": [lab("calcium", 2.0, "mmol/L")],
        },
    )
    found = card(chart, "cramp")
    assert found.indicator == "warning"
    assert found.summary == (
        "Leg cramp with potassium 3.1 mmol/L, magnesium 0.6 mmol/L and more on furosemide: "
        "likely drug cause; review it, treat the low level"
    )
    assert found.detail == "\n\n".join(
        [
            NO_TRIGGER,
            "Cramp: Condition/cramp (2026-11-24).",
            "**Recent bloods**",
            "- potassium 3.1 mmol/L (low, < 3.5), Observation/potassium\n"
            "- magnesium 0.6 mmol/L (low, < 0.7), Observation/magnesium\n"
            "- calcium 2 mmol/L (low, < 2.12), Observation/calcium\n"
            "- CK: no result in the last 30 days",
            ABOUT_CRAMP,
            "**Drugs on record that cause cramp**",
            "- furosemide (loop diuretic), MedicationRequest/furosemide (status active, "
            "2026-08-27): likely cause of the low potassium 3.1 mmol/L and magnesium 0.6 mmol/L; "
            "review the dose and replace what is low (BNF)",
            "Bloods suggested, as the picture may have a cause (BNSSG Remedy): potassium 3.1 "
            "mmol/L (low, < 3.5); magnesium 0.6 mmol/L (low, < 0.7); calcium 2 mmol/L (low, < "
            "2.12); furosemide (loop diuretic) on record, a drug that causes cramp. Those with no "
            "recent result are offered as draft orders.",
            BNSSG,
        ]
    )
    assert order_of(found) == (
        "Order bloods: CK / Create a draft CK order",
        "routine",
        [{"text": "Leg cramps"}],
        [{"reference": "Condition/cramp"}],
    )


def test_a_statin_with_an_unjudged_ck_word_for_word() -> None:
    found = card(statin_chart(5000, high=None), "cramp")
    assert found.indicator == "warning"
    assert found.summary == (
        "Leg cramp on atorvastatin, CK sent without the lab's upper limit: statin myopathy "
        "unknown; read the CK against the range"
    )
    drugs_and_unknown = found.detail.split(ABOUT_CRAMP + "\n\n", 1)[1]
    assert drugs_and_unknown == "\n\n".join(
        [
            "**Drugs on record that cause cramp**",
            "- atorvastatin (statin), MedicationRequest/statin (status active, 2026-08-27): can "
            "cause cramp (BNSSG Remedy)",
            "On atorvastatin: CK 5000 U/L was sent without the lab's upper limit, so statin "
            "myopathy (CK ≥ 3× the upper limit) is unknown, neither shown nor excluded: read the "
            "CK against the lab's range.",
            "Bloods suggested, as the picture may have a cause (BNSSG Remedy): part of the panel "
            "already taken; atorvastatin (statin) on record, a drug that causes cramp. Those with "
            "no recent result are offered as draft orders.",
            BNSSG,
        ]
    )
    assert "- CK 5000 U/L (no reference range sent), Observation/creatine_kinase" in found.detail


def test_a_normal_ck_on_a_statin_leaves_the_cramp_card_as_it_was() -> None:
    found = card(statin_chart(140), "cramp")
    assert found.indicator == "info"
    assert found.summary == (
        "Leg cramp, recent electrolytes not low: stretching advice; review drugs that cause cramp"
    )
    assert "- CK 140 U/L (not markedly raised), Observation/creatine_kinase" in found.detail
    assert "unknown" not in found.detail
