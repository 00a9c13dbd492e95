"""Leg cramp: look for a secondary cause in the recent bloods (docs/clinical-basis.md §1.9,
S18d-j), once DVT is settled (``msk``).

A low potassium, magnesium or calcium, or a CK at or above 3 x the lab's upper limit, is named;
bloods missing from the recent window are offered as draft orders. The lab's own reference range
wins over our default limits when it is sent; without one, a CK is shown but not judged (no
default upper limit is published).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from cards import markdown as md
from cards.builders import create_action, suggestion
from cards.models import Card, Link
from cards.topics import Topic
from cds.triage import pathway
from cds.triage.context import Context
from cds.triage.features_view import (
    after,
    explicitly_bilateral,
    feature_evidence,
    measured_value,
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
from cds.triage.order_codes import OrderKind
from cds.triage.rule import Rule
from cds.triage.thresholds import (
    CALCIUM_LOW_MMOL_L,
    CK_ULN_MULTIPLE,
    CRAMP_BLOODS_AFTER_DAYS,
    MAGNESIUM_LOW_MMOL_L,
    MAGNESIUM_SEVERE_MMOL_L,
    POTASSIUM_LOW_MMOL_L,
    POTASSIUM_SEVERE_MMOL_L,
)
from fhir_mappings.features import Feature, FeatureName, LabResult

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
        *pathway.READS,
    }
)

ELECTROLYTES: Final = ("potassium", "magnesium", "calcium")
CRAMP_LABS: Final = (*ELECTROLYTES, "creatine_kinase")
LOW_LIMITS: Final[dict[str, tuple[float, float | None]]] = {
    "potassium": (POTASSIUM_LOW_MMOL_L, POTASSIUM_SEVERE_MMOL_L),  # S18e
    "magnesium": (MAGNESIUM_LOW_MMOL_L, MAGNESIUM_SEVERE_MMOL_L),  # S18f, S18g
    "calcium": (CALCIUM_LOW_MMOL_L, None),  # S18i / USC, see thresholds.py
}
LAB_NAMES: Final = {
    "potassium": "potassium",
    "magnesium": "magnesium",
    "calcium": "calcium",
    "creatine_kinase": "CK",
}
LAB_ORDERS: Final = {
    "potassium": OrderKind.ELECTROLYTES,
    "magnesium": OrderKind.MAGNESIUM,
    "calcium": OrderKind.CALCIUM,
    "creatine_kinase": OrderKind.CREATINE_KINASE,
}


@dataclass(frozen=True, slots=True)
class LabFinding:
    analyte: str
    result: LabResult
    abnormal: bool
    text: str  # "potassium 3.1 mmol/L (low, < 3.5)"


@dataclass(frozen=True, slots=True)
class CrampFinding:
    cramp: Feature
    labs: tuple[LabFinding, ...]  # latest recent result per analyte
    missing: tuple[str, ...]  # analytes with no recent result

    @property
    def abnormal(self) -> tuple[LabFinding, ...]:
        return tuple(lab for lab in self.labs if lab.abnormal)


def summary_abnormal(findings: str) -> str:
    return f"Leg cramp with {findings}: treat the cause and review drugs that cause cramp"


def summary_no_labs() -> str:
    return "Leg cramp with no recent bloods: check electrolytes, magnesium, calcium and CK"


def summary_well() -> str:
    return (
        "Leg cramp, nothing suggesting a cause: stretching, hydration and safety-net; bloods "
        "only if it persists or recurs"
    )


def bloods_reasons(ctx: Context, finding: CrampFinding) -> list[str]:
    """What in the picture suggests a cause worth blood tests (S18d); none for a well adult's
    recent one-leg cramp."""
    why: list[str] = []
    if finding.labs:
        why.append("some recent bloods already taken")
    if explicitly_bilateral(finding.cramp):
        why.append("both legs")
    if ctx.fs.get(FeatureName.RECURRENT_PAIN).present:
        why.append("recurring")
    lasted = duration_days(ctx.fs)
    if lasted is not None and lasted > CRAMP_BLOODS_AFTER_DAYS:
        why.append(f"lasting {lasted:.0f} days")
    return why


def summary_normal() -> str:
    return (
        "Leg cramp, recent electrolytes not low: stretching advice; review drugs that cause cramp"
    )


def judge_lab(analyte: str, result: LabResult) -> LabFinding:
    """Flag a low electrolyte or a CK >= 3 x ULN; the lab's own range wins when it is sent."""
    name = LAB_NAMES[analyte]
    value = f"{name} {measured_value(result.value)} {result.unit}"
    if analyte == "creatine_kinase":
        if result.high is None:
            return LabFinding(analyte, result, False, f"{value} (no reference range sent)")
        limit = CK_ULN_MULTIPLE * result.high
        high = result.value >= limit
        flag = f"≥ {CK_ULN_MULTIPLE:g}× upper limit" if high else "not markedly raised"
        return LabFinding(analyte, result, high, f"{value} ({flag})")
    if result.unit != "mmol/L":
        return LabFinding(analyte, result, False, f"{value} (unit not judged)")
    low, severe = LOW_LIMITS[analyte]
    if result.low is not None:
        low = result.low
    if severe is not None and result.value < severe:
        return LabFinding(analyte, result, True, f"{value} (severely low, < {severe:g})")
    if result.value < low:
        return LabFinding(analyte, result, True, f"{value} (low, < {low:g})")
    return LabFinding(analyte, result, False, f"{value} (not low)")


def assess_cramp(ctx: Context) -> CrampFinding | None:
    """The current cramp with the latest recent final result per analyte, or None."""
    fs = ctx.fs
    found = recent_present(fs, [FeatureName.CRAMP], ctx.settings.episode_days)
    if not found:
        return None
    horizon = fs.now - timedelta(days=ctx.settings.lab_recent_days)
    labs: list[LabFinding] = []
    missing: list[str] = []
    for analyte in CRAMP_LABS:
        recent = [
            r
            for r in fs.labs.get(analyte, [])
            if r.time is not None and after(r.time, horizon) and not r.preliminary
        ]
        if recent:
            latest = max(recent, key=lambda r: r.time.timestamp() if r.time else 0.0)
            labs.append(judge_lab(analyte, latest))
        else:
            missing.append(analyte)
    return CrampFinding(found[0], tuple(labs), tuple(missing))


def cards(ctx: Context) -> Iterable[Card | None]:
    if not dvt_settled(ctx.dvt):
        return []
    finding = assess_cramp(ctx)
    if finding is None:
        return []
    abnormal = finding.abnormal
    if abnormal:
        # At most two values in the summary; the detail lists them all.
        named = ", ".join(lab.text.split(" (")[0] for lab in abnormal[:2])
        summary = summary_abnormal(named + (" and more" if len(abnormal) > 2 else ""))
    elif not finding.labs:
        summary = summary_no_labs() if bloods_reasons(ctx, finding) else summary_well()
    else:
        summary = summary_normal()
    lab_lines = [f"{lab.text}, {lab.result.evidence.reference}" for lab in finding.labs]
    lab_lines += [
        f"{LAB_NAMES[a]}: no result in the last {ctx.settings.lab_recent_days} days"
        for a in finding.missing
    ]
    detail = md.join_sections(
        dvt_statement(ctx.dvt),
        f"Cramp: {feature_evidence(finding.cramp)}.",
        md.section("Recent bloods", md.bullets(lab_lines)),
        md.bullets(
            [
                "Usually benign (nocturnal, exercise-associated, pregnancy). Drug causes: "
                "diuretics, beta-agonists, statins, calcium-channel blockers, raloxifene (S18d).",
                "Disease causes: PAD, neuropathy, hypothyroidism, cirrhosis, CKD; suggested bloods "
                "U&E, LFT, calcium, magnesium, HbA1c, TSH, CK (S18d).",
                f"CK ≥ {CK_ULN_MULTIPLE:g}× the upper limit suggests myopathy or rhabdomyolysis "
                "rather than cramp.",
                SAFETY_NET,
            ]
        ),
        md.sources([("BNSSG Remedy: muscle cramps", CRAMP_SOURCE)]),
    )
    refs = references([finding.cramp])
    why = bloods_reasons(ctx, finding)
    if not why:
        detail = md.join_sections(
            detail,
            "No blood tests suggested: a recent cramp in one leg with nothing in the record "
            "pointing to a cause is usually exercise-associated or idiopathic; stretching, "
            "hydration and safety-net (S18d). Bloods if it lasts more than "
            f"{CRAMP_BLOODS_AFTER_DAYS} days, recurs, affects both legs, or a drug or illness "
            "suggests a cause.",
        )
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
            indicator="warning" if abnormal else "info",
            summary=summary,
            detail=detail,
            suggestions=suggestions,
            override_reasons=OVERRIDE_REASONS,
            links=[Link(label="Muscle cramps (BNSSG Remedy)", url=CRAMP_SOURCE, type="absolute")],
        )
    ]


RULE: Final = Rule(name="cramp", kind="guidance", topics=(TOPIC,), reads=READS, cards=cards)
