"""Red flag: possible cauda equina syndrome (docs/clinical-basis.md §1.6).

Saddle numbness, bladder or bowel disturbance or bilateral leg neurological symptoms (or a
recorded cauda equina syndrome) with leg or back pain (S14a, S14b) needs an immediate hospital
referral and an emergency MRI.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from cards.models import Card
from cards.topics import Topic
from cds.triage.context import Context
from cds.triage.features_view import LEG_COMPLAINT_READS, recent_present, short
from cds.triage.override_reasons import ALREADY_REFERRED, NOT_APPLICABLE, PATIENT_DECLINED
from cds.triage.red_flag import RedFlag, fitted_summary, red_flag_card
from cds.triage.rule import Rule
from cds.triage.thresholds import CES_MRI_WITHIN_HOURS, CES_RECENT_DAYS
from fhir_mappings.features import Feature, FeatureName

TOPIC: Final = Topic(
    "cauda-equina",
    "Possible cauda equina syndrome: emergency referral",
    "Cauda equina syndrome (BMJ Best Practice, NICE CKS)",
)
OVERRIDE_REASONS: Final = (ALREADY_REFERRED, NOT_APPLICABLE, PATIENT_DECLINED)
LINK: Final = (
    "BMJ Best Practice: cauda equina syndrome",
    "https://bestpractice.bmj.com/topics/en-gb/3000164/diagnosis-approach",
)
INTRO: Final = (
    "Possible cauda equina syndrome: in the community refer immediately to hospital, to be "
    "seen within hours; in hospital, emergency MRI within "
    f"{CES_MRI_WITHIN_HOURS} h of request (BMJ Best Practice)."
)
NOTES: Final = (
    f"Recent (< {CES_RECENT_DAYS} days) onset or worsening of these with back or leg "
    "pain: refer immediately to hospital; emergency lumbosacral MRI within "
    f"{CES_MRI_WITHIN_HOURS} h of request (BMJ Best Practice).",
    "A post-void residual ≥ 200 mL makes CES more likely; a lower one does not exclude it.",
)

CES_FEATURES: Final = (
    FeatureName.SADDLE_NUMBNESS,
    FeatureName.BLADDER_BOWEL_DISTURBANCE,
    FeatureName.BILATERAL_LEG_NEURO,
    FeatureName.CAUDA_EQUINA,
)
READS: Final = frozenset({*CES_FEATURES, *LEG_COMPLAINT_READS})


def summary(features: str) -> str:
    return (
        f"Possible cauda equina syndrome ({features}): refer to hospital now, "
        f"MRI within {CES_MRI_WITHIN_HOURS} h"
    )


def findings(ctx: Context) -> list[Feature]:
    """The cauda equina features present now, with a leg complaint (else none)."""
    if not ctx.leg_complaints:
        return []
    return recent_present(ctx.fs, CES_FEATURES, ctx.settings.episode_days)


def support(ctx: Context) -> int:
    """How many findings make the picture."""
    return len(findings(ctx))


def cards(ctx: Context) -> Iterable[Card | None]:
    found = findings(ctx)
    if not found:
        return []
    flag = RedFlag(tuple(short(f.name) for f in found), tuple(found), NOTES)
    return [
        red_flag_card(
            ctx,
            flag,
            topic=TOPIC,
            summary=fitted_summary(summary, flag.signs),
            intro=INTRO,
            link=LINK,
            override_reasons=OVERRIDE_REASONS,
        )
    ]


RULE: Final = Rule(
    name="cauda-equina",
    kind="red-flag",
    topics=(TOPIC,),
    reads=READS,
    cards=cards,
    support=support,
)
