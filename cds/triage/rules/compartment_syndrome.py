"""Red flag: possible acute compartment syndrome (docs/clinical-basis.md §1.6).

A recorded compartment syndrome, or a recent fracture / crush / tight cast with either pain out
of proportion (or on passive stretch), or calf pain with paraesthesia in the same leg.

The second limb is our conservative reading of S15a-c: paraesthesia is an early warning sign and
the late signs must not be waited for; a fracture with calf pain and tingling is treated as the
compartment-syndrome picture until a clinician has examined the compartment. Pulses do not
exclude it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from cards.models import Card
from cards.topics import Topic
from cds.triage.context import Context
from cds.triage.features_view import LEG_COMPLAINT_READS, recent_present, short, sides
from cds.triage.override_reasons import ALREADY_REFERRED, NOT_APPLICABLE, PATIENT_DECLINED
from cds.triage.red_flag import RedFlag, fitted_summary, red_flag_card
from cds.triage.rule import Rule
from cds.triage.thresholds import FASCIOTOMY_BEST_WITHIN_HOURS, MUSCLE_DAMAGE_IRREVERSIBLE_HOURS
from fhir_mappings.features import Feature, FeatureName

TOPIC: Final = Topic(
    "compartment-syndrome",
    "Possible acute compartment syndrome: emergency assessment",
    "Acute compartment syndrome (orthopaedic guidance)",
)
OVERRIDE_REASONS: Final = (ALREADY_REFERRED, NOT_APPLICABLE, PATIENT_DECLINED)
LINK: Final = (
    "Compartment syndrome, adult (MedVellum)",
    "https://www.medvellum.com/topics/compartment-syndrome-adult",
)
# The intro and the signs rest on S15a-c; the signs and the pulses also on BOAST (S32).
INTRO: Final = (
    "Possible acute compartment syndrome: emergency orthopaedic assessment and compartment "
    "pressure measurement now."
)
NOTES: Final = (
    "Pain out of proportion and pain on passive stretch are the earliest signs; "
    "paraesthesia is an early warning. Do not wait for pallor, paralysis or "
    "pulselessness: palpable pulses do not exclude it (BOAST).",
    f"Best outcomes with fasciotomy within {FASCIOTOMY_BEST_WITHIN_HOURS} h; damage is "
    f"irreversible after about {MUSCLE_DAMAGE_IRREVERSIBLE_HOURS} h.",
    "Never suggest physiotherapy for this picture.",
    "DVT is also possible after a fracture or immobilisation: the assessing team "
    "should apply the Wells / ultrasound pathway (a D-dimer is non-specific here).",
)
READS: Final = frozenset(
    {
        FeatureName.COMPARTMENT_SYNDROME,
        FeatureName.RECENT_FRACTURE_OR_CRUSH,
        FeatureName.PAIN_OUT_OF_PROPORTION,
        FeatureName.RADICULAR_SYMPTOMS,
        FeatureName.CALF_PAIN,
        *LEG_COMPLAINT_READS,
    }
)


def summary(features: str) -> str:
    return f"Possible compartment syndrome ({features}): emergency orthopaedic assessment now"


def findings(ctx: Context) -> list[Feature]:
    """The recorded syndrome, or the injury with the signs that make the picture."""
    days = ctx.settings.episode_days
    fs = ctx.fs
    found: list[Feature] = recent_present(fs, [FeatureName.COMPARTMENT_SYNDROME], days)
    injury = recent_present(fs, [FeatureName.RECENT_FRACTURE_OR_CRUSH], days)
    if injury:
        pain = recent_present(fs, [FeatureName.PAIN_OUT_OF_PROPORTION], days)
        tingling = [
            f
            for f in recent_present(
                fs, [FeatureName.RADICULAR_SYMPTOMS, FeatureName.CALF_PAIN], days
            )
            if sides(f) & sides(injury[0])
        ]
        if pain:
            found += [*injury, *pain]
        elif len(tingling) == 2:  # calf pain and paraesthesia on the injured leg
            found += [*injury, *tingling]
    return found


def cards(ctx: Context) -> Iterable[Card | None]:
    if not ctx.leg_complaints:
        return []
    found = findings(ctx)
    if not found:
        return []
    flag = RedFlag(tuple(dict.fromkeys(short(f.name) for f in found)), tuple(found), NOTES)
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


def support(ctx: Context) -> int:
    """How many distinct findings make the picture."""
    return len({f.name for f in findings(ctx)})


RULE: Final = Rule(
    name="compartment-syndrome",
    kind="red-flag",
    topics=(TOPIC,),
    reads=READS,
    cards=cards,
    support=support,
)
