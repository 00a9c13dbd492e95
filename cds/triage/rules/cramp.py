"""Leg cramp: look for a secondary cause in the recent bloods and the drugs on record
(docs/clinical-basis.md §1.9, S18d-j, S38), once DVT is settled (``msk``).

A low potassium, magnesium or calcium, or a CK at or above 3 x the lab's upper limit, is named
(``muscle_labs``); a current drug that lowers the low electrolyte (a loop or thiazide diuretic, a
beta-2 agonist) is named as its likely cause, and any current drug that causes cramp is listed.
Bloods missing from the recent window are offered as draft orders when the picture suggests a
cause. A statin with a CK at or above 3 x the upper limit is statin myopathy, not a cramp: the
cramp card gives way to the ``statin-myopathy`` card.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from cards import markdown as md
from cards.builders import create_action, suggestion
from cards.models import Card, Link
from cards.topics import Topic, card_topic
from cds.triage import pathway
from cds.triage.context import Context
from cds.triage.features_view import (
    evidence_text,
    explicitly_bilateral,
    feature_evidence,
    recent_present,
    references,
)
from cds.triage.msk import (
    OVERRIDE_REASONS,
    SAFETY_NET,
    duration_days,
    dvt_settled,
    dvt_statement,
)
from cds.triage.muscle_labs import (
    CK,
    DRUG_READS,
    LAB_NAMES,
    DrugOnRecord,
    LabFinding,
    current_drugs,
    judge_lab,
    latest_labs,
)
from cds.triage.order_codes import OrderKind
from cds.triage.rule import Rule
from cds.triage.rules import statin_myopathy
from cds.triage.thresholds import CK_ULN_MULTIPLE, CRAMP_BLOODS_AFTER_DAYS
from fhir_mappings.features import Feature, FeatureName

__all__ = ["RULE", "TOPIC", "judge_lab"]

TOPIC: Final = Topic("cramp", "Leg cramp: secondary causes", "Muscle cramps (BNSSG Remedy)")
CRAMP_SOURCE: Final = (
    "https://remedy.bnssg.icb.nhs.uk/bnssg-icb/development-area/muscle-cramps-draft"
)
READS: Final = frozenset(
    {
        FeatureName.CRAMP,
        FeatureName.RECURRENT_PAIN,
        FeatureName.SYMPTOM_DURATION_DAYS,
        "episode_start",
        "labs",
        *DRUG_READS,
        *pathway.READS,
    }
)
LAB_ORDERS: Final = {
    "potassium": OrderKind.ELECTROLYTES,
    "magnesium": OrderKind.MAGNESIUM,
    "calcium": OrderKind.CALCIUM,
    CK: OrderKind.CREATINE_KINASE,
}


@dataclass(frozen=True, slots=True)
class CrampFinding:
    cramp: Feature
    labs: tuple[LabFinding, ...]  # latest recent result per analyte
    missing: tuple[str, ...]  # analytes with no recent result
    drugs: tuple[DrugOnRecord, ...]  # current drugs that cause cramp

    @property
    def abnormal(self) -> tuple[LabFinding, ...]:
        return tuple(lab for lab in self.labs if lab.abnormal)

    def causes(self, lab: LabFinding) -> list[DrugOnRecord]:
        """The current drugs that lower this (low) electrolyte."""
        return [drug for drug in self.drugs if lab.abnormal and drug.lowers(lab.analyte)]

    @property
    def likely_causes(self) -> list[DrugOnRecord]:
        found: dict[str, DrugOnRecord] = {}
        for lab in self.abnormal:
            for drug in self.causes(lab):
                found.setdefault(drug.label, drug)
        return list(found.values())


def summary_abnormal(findings: str) -> str:
    return f"Leg cramp with {findings}: treat the cause and review drugs that cause cramp"


def summary_drug_cause(findings: str, drug: str) -> str:
    return f"Leg cramp with {findings} on {drug}: likely drug cause; review it, treat the low level"


def summary_no_labs() -> str:
    return "Leg cramp with no recent bloods: check electrolytes, magnesium, calcium and CK"


def summary_well() -> str:
    return (
        "Leg cramp, nothing suggesting a cause: stretching, hydration and safety-net; bloods "
        "only if it persists or recurs"
    )


def summary_normal() -> str:
    return (
        "Leg cramp, recent electrolytes not low: stretching advice; review drugs that cause cramp"
    )


def bloods_reasons(ctx: Context, finding: CrampFinding) -> list[str]:
    """What in the picture suggests a cause worth blood tests (S18d), in the card's words; none
    for a well adult's recent one-leg cramp."""
    why = [lab.text for lab in finding.abnormal]
    if finding.labs and not why:
        why.append("part of the panel already taken")
    if explicitly_bilateral(finding.cramp):
        why.append("cramp in both legs")
    if ctx.fs.get(FeatureName.RECURRENT_PAIN).present:
        why.append("recurrent cramp")
    lasted = duration_days(ctx.fs)
    if lasted is not None and lasted > CRAMP_BLOODS_AFTER_DAYS:
        why.append(f"cramp lasting {lasted:.0f} days (more than {CRAMP_BLOODS_AFTER_DAYS})")
    why += [f"{drug.label} on record, a drug that causes cramp" for drug in finding.drugs]
    return why


def bloods_paragraph(why: list[str], ordered: bool) -> str:
    """Why bloods are suggested, or why none are; nothing when every result is already there."""
    if not why:
        return (
            "No blood tests suggested: a recent cramp in one leg with nothing in the record "
            "pointing to a cause is usually exercise-associated or idiopathic; stretching, "
            "hydration and safety-net (BNSSG Remedy). Bloods if it lasts more than "
            f"{CRAMP_BLOODS_AFTER_DAYS} days, recurs, affects both legs, or a drug or illness "
            "suggests a cause."
        )
    if not ordered:
        return ""
    return (
        f"Bloods suggested, as the picture may have a cause (BNSSG Remedy): {'; '.join(why)}. "
        "Those with no recent result are offered as draft orders."
    )


def assess_cramp(ctx: Context) -> CrampFinding | None:
    """The current cramp with the latest recent final result per analyte, or None."""
    found = recent_present(ctx.fs, [FeatureName.CRAMP], ctx.settings.episode_days)
    if not found:
        return None
    labs, missing = latest_labs(ctx)
    return CrampFinding(found[0], tuple(labs.values()), missing, tuple(current_drugs(ctx.fs)))


def drug_lines(finding: CrampFinding) -> list[str]:
    """Each current drug that causes cramp, with the low value it explains (S18d, S38)."""
    lines: list[str] = []
    for drug in finding.drugs:
        explained = [lab.value_text for lab in finding.abnormal if drug in finding.causes(lab)]
        why = (
            f"likely cause of the low {' and '.join(explained)}; review the dose and replace "
            "what is low (BNF)"
            if explained
            else "can cause cramp (BNSSG Remedy)"
        )
        lines.append(f"{drug.label}, {evidence_text([drug.evidence], named=False)}: {why}")
    return lines


def unjudged_statin(finding: CrampFinding) -> DrugOnRecord | None:
    """The statin on record when the recent CK came without the lab's upper limit."""
    ck = next((lab for lab in finding.labs if lab.analyte == CK), None)
    if ck is None or ck.uln_multiple is not None:
        return None
    return next((d for d in finding.drugs if d.drug_class == FeatureName.STATIN), None)


def ck_unjudged_line(finding: CrampFinding) -> str | None:
    """On a statin, a CK without the lab's upper limit leaves statin myopathy open: say so."""
    statin = unjudged_statin(finding)
    ck = next((lab for lab in finding.labs if lab.analyte == CK), None)
    if statin is None or ck is None:
        return None
    return (
        f"On {statin.name}: {ck.value_text} was sent without the lab's upper limit, so statin "
        f"myopathy (CK ≥ {CK_ULN_MULTIPLE:g}× the upper limit) is unknown, neither shown nor "
        "excluded: read the CK against the lab's range."
    )


def summary_unjudged(statin: str) -> str:
    return (
        f"Leg cramp on {statin}, CK sent without the lab's upper limit: statin myopathy unknown; "
        "read the CK against the range"
    )


def summary_of(ctx: Context, finding: CrampFinding) -> str:
    abnormal = finding.abnormal
    if abnormal:
        # At most two values in the summary; the detail lists them all.
        named = ", ".join(lab.value_text for lab in abnormal[:2])
        named += " and more" if len(abnormal) > 2 else ""
        causes = finding.likely_causes
        if causes:
            return summary_drug_cause(named, causes[0].name)
        return summary_abnormal(named)
    statin = unjudged_statin(finding)
    if statin is not None:
        return summary_unjudged(statin.name)
    if not finding.labs:
        return summary_no_labs() if bloods_reasons(ctx, finding) else summary_well()
    return summary_normal()


def cards(ctx: Context) -> Iterable[Card | None]:
    if not dvt_settled(ctx.dvt):
        return []
    finding = assess_cramp(ctx)
    if finding is None:
        return []
    lab_lines = [f"{lab.text}, {lab.result.evidence.reference}" for lab in finding.labs]
    lab_lines += [
        f"{LAB_NAMES[a]}: no result in the last {ctx.settings.lab_recent_days} days"
        for a in finding.missing
    ]
    drugs = drug_lines(finding)
    unjudged = ck_unjudged_line(finding)
    why = bloods_reasons(ctx, finding)
    detail = md.join_sections(
        dvt_statement(ctx.dvt),
        f"Cramp: {feature_evidence(finding.cramp)}.",
        md.section("Recent bloods", md.bullets(lab_lines)),
        md.bullets(
            [
                "Usually benign (nocturnal, exercise-associated, pregnancy). Drug causes: "
                "diuretics, beta-agonists, statins, calcium-channel blockers, raloxifene "
                "(BNSSG Remedy).",
                "Disease causes: PAD, neuropathy, hypothyroidism, cirrhosis, CKD; suggested bloods "
                "U&E, LFT, calcium, magnesium, HbA1c, TSH, CK (BNSSG Remedy).",
                f"CK ≥ {CK_ULN_MULTIPLE:g}× the upper limit suggests myopathy or rhabdomyolysis "
                "rather than cramp.",
                SAFETY_NET,
            ]
        ),
        md.section("Drugs on record that cause cramp", md.bullets(drugs)) if drugs else "",
        unjudged or "",
        bloods_paragraph(why, bool(finding.missing)),
        md.sources([("BNSSG Remedy: muscle cramps", CRAMP_SOURCE)]),
    )
    refs = references([finding.cramp])
    orders = [
        create_action(
            f"Create a draft {LAB_NAMES[analyte]} order",
            ctx.order(LAB_ORDERS[analyte], refs, role="cramp", reason_text="Leg cramps"),
        )
        for analyte in finding.missing
        if why
    ]
    suggestions = []
    if orders:
        names = ", ".join(LAB_NAMES[a] for a in finding.missing)
        suggestions.append(
            suggestion(
                ctx.hook_instance, TOPIC, 0, 0, f"Order bloods: {names}", orders, recommended=True
            )
        )
    return [
        ctx.card(
            topic=TOPIC,
            indicator="warning" if finding.abnormal or unjudged else "info",
            summary=summary_of(ctx, finding),
            detail=detail,
            suggestions=suggestions,
            override_reasons=OVERRIDE_REASONS,
            links=[Link(label="Muscle cramps (BNSSG Remedy)", url=CRAMP_SOURCE, type="absolute")],
        )
    ]


def gives_way(_card: Card, other: Card) -> bool:
    """Statin myopathy is not a cramp: no cramp card beside the statin-myopathy card."""
    return card_topic(other) == statin_myopathy.TOPIC.code


RULE: Final = Rule(
    name="cramp",
    kind="guidance",
    topics=(TOPIC,),
    reads=READS,
    cards=cards,
    withdrawn_beside=gives_way,
)
