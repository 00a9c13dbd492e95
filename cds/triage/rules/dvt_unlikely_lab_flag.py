"""DVT made unlikely by an age-adjusted D-dimer that the laboratory flagged high
(docs/clinical-basis.md §1.16).

The age-adjusted cut-off (a setting, S18a, S18b) may call a result negative that the lab's own
reference range calls high. NG158 then says DVT is unlikely, but the clinician must see that the
two readings disagree, which cut-off was used, and NG158's safety-net: other causes, and when to
come back (S6b). An information card, beside any musculoskeletal guidance.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from cards import markdown as md
from cards.models import Card, Link
from cards.topics import Topic
from cds.triage import pathway
from cds.triage.context import Context
from cds.triage.override_reasons import NOT_APPLICABLE, PATIENT_DECLINED
from cds.triage.pathway import NG158_SOURCES
from cds.triage.rule import Rule
from cds.triage.thresholds import DDIMER_CUTOFF_DDU_NG_ML, DDIMER_CUTOFF_FEU_NG_ML

TOPIC: Final = Topic(
    "dvt-unlikely-lab-flag",
    "DVT unlikely by the age-adjusted D-dimer, flagged high by the lab: safety-net",
    "NICE NG158 (D-dimer)",
)
OVERRIDE_REASONS: Final = (NOT_APPLICABLE, PATIENT_DECLINED)
CONVENTIONAL: Final = {"FEU": DDIMER_CUTOFF_FEU_NG_ML, "DDU": DDIMER_CUTOFF_DDU_NG_ML}
# HL7 v3 ObservationInterpretation codes that mean "raised", in words.
FLAG_WORDS: Final = {
    "H": "high",
    "HH": "critically high",
    "HU": "very high",
    "A": "abnormal",
    "AA": "critically abnormal",
    "POS": "positive",
    "DET": "detected",
}


def summary(flag: str) -> str:
    return (
        f"DVT unlikely by the age-adjusted D-dimer, but the lab flagged it {flag}: "
        "safety-net and consider other causes"
    )


def cards(ctx: Context) -> Iterable[Card | None]:
    status = ctx.dvt
    ddimer = status.ddimer
    if not status.excluded or ddimer is None or ddimer.result is None:
        return []
    if not ddimer.lab_flag_overruled:
        return []
    flag = FLAG_WORDS.get(ddimer.lab_flag_overruled, ddimer.lab_flag_overruled)
    result = ddimer.result
    kind = result.kind.value
    lab_cutoff = (
        f"{result.assay_cutoff_ng_ml:g} ng/mL {kind}"
        if result.assay_cutoff_ng_ml is not None
        else f"{CONVENTIONAL[kind]:g} ng/mL {kind} (conventional)"
    )
    detail = md.join_sections(
        f"D-dimer {ddimer.value_text()} using {ddimer.cutoff_basis} ({result.evidence.reference}): "
        f"**negative** by the age-adjusted cut-off, but the laboratory flagged it **{flag}** "
        f"against its own cut-off of {lab_cutoff}.",
        md.bullets(
            [
                "With Wells decisively unlikely and this negative D-dimer, NICE NG158 calls DVT "
                "unlikely; the age adjustment is a setting of this service.",  # S18a, S18b
                "If in doubt, the conventional cut-off would call the result positive: proximal "
                "leg vein ultrasound.",
                "Consider other causes: Baker's cyst, cellulitis, superficial thrombophlebitis, "
                "muscle strain (BMJ Best Practice, UpToDate).",  # S16a, S16b
                "Tell the patient DVT is unlikely, what the signs of DVT and PE are, and to come "
                "back at once with new leg swelling, breathlessness or chest pain (NICE NG158).",
            ]
        ),
        md.sources([NG158_SOURCES[0]]),
    )
    return [
        ctx.card(
            topic=TOPIC,
            indicator="info",
            summary=summary(flag),
            detail=detail,
            override_reasons=OVERRIDE_REASONS,
            links=[Link(label="NICE NG158", url=NG158_SOURCES[0][1], type="absolute")],
        )
    ]


RULE: Final = Rule(
    name="dvt-unlikely-lab-flag",
    kind="assessment",
    topics=(TOPIC,),
    reads=pathway.READS,
    cards=cards,
)
