"""Statin myopathy: muscle symptoms on a statin with CK at or above 3 x the lab's upper limit
(docs/clinical-basis.md §1.9; S36, S37).

Such a picture is statin-associated myopathy, not a cramp: the card asks for the statin to be
reviewed (stopped or reduced until the CK settles), the CK repeated, renal function and thyroid
function checked, and gives no cramp self-care. At or above 10 x the upper limit the statin is
stopped and rhabdomyolysis looked for the same day (creatinine, urinalysis for myoglobin): the
card is `critical`. Without the lab's upper limit the CK is not judged here (the cramp card says
so). The card shows whatever the DVT pathway says: a raised CK does not exclude a DVT.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from cards import markdown as md
from cards.builders import create_action, suggestion
from cards.models import Card, Link
from cards.topics import Topic
from cds.triage import pathway
from cds.triage.context import Context
from cds.triage.features_view import (
    evidence_text,
    feature_evidence,
    readable,
    recent_present,
    references,
)
from cds.triage.msk import OVERRIDE_REASONS, dvt_settled, dvt_statement
from cds.triage.muscle_labs import (
    CK,
    DrugOnRecord,
    LabFinding,
    current_drugs,
    latest_labs,
)
from cds.triage.order_codes import OrderKind
from cds.triage.rule import Rule
from cds.triage.thresholds import CK_RHABDOMYOLYSIS_ULN_MULTIPLE, CK_ULN_MULTIPLE
from fhir_mappings.features import Feature, FeatureName

TOPIC: Final = Topic(
    "statin-myopathy",
    "Possible statin myopathy: raised CK on a statin",
    "ACC/AHA/NHLBI statin safety advisory; ACC/AHA 2018 cholesterol guideline",
)
ADVISORY: Final = "https://doi.org/10.1161/01.str.0000034125.94759.41"  # S36
GUIDELINE: Final = "https://doi.org/10.1161/CIR.0000000000000625"  # S37
# How the card's sentences cite them, as its Sources line names them.
ADVISORY_NAME: Final = "ACC/AHA/NHLBI 2002"
GUIDELINE_NAME: Final = "AHA/ACC 2018"
# Muscle symptoms of the calf the service reads (S37: pain, cramping, weakness).
SYMPTOMS: Final = (FeatureName.CRAMP, FeatureName.CALF_PAIN)
READS: Final = frozenset({*SYMPTOMS, FeatureName.STATIN, "labs", *pathway.READS})
RHABDO_SIGNS: Final = (
    "Same-day assessment for rhabdomyolysis if the urine is dark (tea or cola coloured), "
    "passing less urine, or the muscles are weak."
)


@dataclass(frozen=True, slots=True)
class Myopathy:
    symptoms: tuple[Feature, ...]
    statins: tuple[DrugOnRecord, ...]
    ck: LabFinding
    others: tuple[LabFinding, ...]  # the other recent muscle bloods

    @property
    def multiple(self) -> float:
        return self.ck.uln_multiple or 0.0

    @property
    def rhabdomyolysis(self) -> bool:
        return self.multiple >= CK_RHABDOMYOLYSIS_ULN_MULTIPLE


def assess(ctx: Context) -> Myopathy | None:
    """Current calf muscle symptoms, a current statin and a recent CK >= 3 x ULN; else None."""
    symptoms = recent_present(ctx.fs, SYMPTOMS, ctx.settings.episode_days)
    if not symptoms:
        return None
    statins = current_drugs(ctx.fs, (FeatureName.STATIN,))
    if not statins:
        return None
    labs, _ = latest_labs(ctx)
    ck = labs.get(CK)
    if ck is None or ck.uln_multiple is None or not ck.abnormal:
        return None
    others = tuple(lab for analyte, lab in labs.items() if analyte != CK)
    return Myopathy(tuple(symptoms), tuple(statins), ck, others)


def ck_text(found: Myopathy) -> str:
    high = found.ck.result.high or 0.0
    return (
        f"CK {found.ck.value_text.removeprefix('CK ')} is {found.multiple:.1f}× the lab's upper "
        f"limit ({high:g} {found.ck.result.unit}), {found.ck.result.evidence.reference}"
    )


def summary(found: Myopathy) -> str:
    statin = found.statins[0].name
    ck = found.ck.value_text
    if found.rhabdomyolysis:
        return (
            f"{ck} (≥ {CK_RHABDOMYOLYSIS_ULN_MULTIPLE:g}× upper limit) on {statin}: stop the "
            "statin, same-day renal function and urine for rhabdomyolysis"
        )
    return (
        f"Possible statin myopathy, not cramp: {ck} (≥ {CK_ULN_MULTIPLE:g}× upper limit) on "
        f"{statin}: review the statin, repeat CK"
    )


def steps(found: Myopathy) -> list[str]:
    if found.rhabdomyolysis:
        return [
            f"Stop {found.statins[0].name} now (CK ≥ {CK_RHABDOMYOLYSIS_ULN_MULTIPLE:g}× the "
            f"upper limit with muscle symptoms).",
            "Same day: creatinine and U&E (renal function, potassium) and urinalysis for "
            "myoglobin; rhabdomyolysis can injure the kidneys.",
            "Repeat CK until it falls; do not restart a statin until symptoms settle and CK is "
            f"normal ({ADVISORY_NAME}).",
        ]
    return [
        f"Review {found.statins[0].name}: stop it or reduce the dose until the symptoms and CK "
        f"are assessed.",
        f"Repeat CK weekly while symptoms last ({ADVISORY_NAME}); check renal function and "
        "thyroid function (TSH): kidney disease and hypothyroidism make statin myopathy more "
        f"likely.",
        f"Look for drugs that raise statin levels ({GUIDELINE_NAME}).",
    ]


def cards(ctx: Context) -> Iterable[Card | None]:
    found = assess(ctx)
    if found is None:
        return []
    dvt = (
        dvt_statement(ctx.dvt)
        if dvt_settled(ctx.dvt)
        else "DVT is not excluded: follow the DVT card; a raised CK does not exclude a DVT."
    )
    statins = [
        f"{drug.label}, {evidence_text([drug.evidence], named=False)}" for drug in found.statins
    ]
    symptoms = [
        f"{readable(symptom.name)}: {feature_evidence(symptom)}" for symptom in found.symptoms
    ]
    others = [f"{lab.text}, {lab.result.evidence.reference}" for lab in found.others]
    detail = md.join_sections(
        f"{ck_text(found)}, with calf muscle symptoms on a statin: statin-associated myopathy, "
        f"not a simple cramp; cramp self-care is not the answer.",
        dvt,
        md.section("Statin on record", md.bullets(statins)),
        md.section("Muscle symptoms", md.bullets(symptoms)),
        md.section("Next steps", md.bullets([*steps(found), RHABDO_SIGNS])),
        md.section("Other recent bloods", md.bullets(others)) if others else "",
        md.sources(
            [
                (f"{ADVISORY_NAME}: clinical advisory on the use and safety of statins", ADVISORY),
                (f"{GUIDELINE_NAME}: guideline on the management of blood cholesterol", GUIDELINE),
            ]
        ),
    )
    refs = [*references(found.symptoms), found.ck.result.evidence.reference]
    order = ctx.order(
        OrderKind.CREATINE_KINASE,
        refs,
        role="statin-myopathy",
        priority="stat" if found.rhabdomyolysis else "routine",
        reason_text="Raised CK on a statin",
    )
    repeat = suggestion(
        ctx.hook_instance,
        TOPIC,
        0,
        0,
        "Order a repeat CK",
        [create_action("Create a draft CK order", order)],
        recommended=True,
    )
    return [
        ctx.card(
            topic=TOPIC,
            indicator="critical" if found.rhabdomyolysis else "warning",
            summary=summary(found),
            detail=detail,
            suggestions=[repeat],
            override_reasons=OVERRIDE_REASONS,
            links=[
                Link(label="Statin safety advisory (ACC/AHA/NHLBI)", url=ADVISORY, type="absolute")
            ],
        )
    ]


RULE: Final = Rule(
    name="statin-myopathy", kind="assessment", topics=(TOPIC,), reads=READS, cards=cards
)
