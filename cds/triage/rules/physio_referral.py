"""Referral to musculoskeletal physiotherapy for a strain or sciatica that persists beyond the RICE
period, recurs or prevents walking (docs/clinical-basis.md §1.8, S17a, S17c; NICE NG59).

Never while DVT is not excluded, and never beside a live DVT card or any critical card: a
physiotherapy referral over an undiagnosed DVT or an emergency is the harm this service exists to
prevent, so the engine withdraws this card whenever such a card is in the same response.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from cards import markdown as md
from cards.builders import create_action, suggestion
from cards.models import Card
from cards.topics import Topic, card_topic
from cds.triage import pathway
from cds.triage.context import Context
from cds.triage.features_view import readable, recent_present, references
from cds.triage.msk import (
    CALF_INJURY_LEAFLET,
    MSK_PATHWAY,
    NG59,
    OVERRIDE_REASONS,
    SAFETY_NET,
    duration_days,
    dvt_settled,
    dvt_statement,
)
from cds.triage.order_codes import OrderKind
from cds.triage.rule import Rule
from cds.triage.rules.dvt_pathway import DVT_DDIMER, DVT_LIKELY
from cds.triage.thresholds import PHYSIO_PERSISTENT_DAYS
from fhir_mappings.features import Feature, FeatureName

TOPIC: Final = Topic("physio-referral", "Physiotherapy referral", "NHS MSK pathways, NICE NG59")
# Topics this card never travels with (besides any critical card).
BLOCKED_BY: Final = frozenset({DVT_LIKELY.code, DVT_DDIMER.code})
READS: Final = frozenset(
    {
        FeatureName.MUSCLE_STRAIN,
        FeatureName.SCIATICA,
        FeatureName.RADICULAR_SYMPTOMS,
        FeatureName.ACHILLES_RUPTURE,
        FeatureName.SYMPTOM_DURATION_DAYS,
        FeatureName.RECURRENT_PAIN,
        FeatureName.WALKING_DIFFICULTY,
        "episode_start",
        *pathway.READS,
    }
)


def summary(reason: str) -> str:
    return f"Calf or leg pain {reason}: refer to musculoskeletal physiotherapy"


def reasons(ctx: Context) -> tuple[list[str], list[Feature]]:
    """Why a referral fits ("persisting 6 days", "recurring"), and the findings behind it."""
    fs = ctx.fs
    days = ctx.settings.episode_days
    strain = recent_present(fs, [FeatureName.MUSCLE_STRAIN], days)
    sciatica = recent_present(fs, [FeatureName.SCIATICA, FeatureName.RADICULAR_SYMPTOMS], days)
    achilles = recent_present(fs, [FeatureName.ACHILLES_RUPTURE], days)
    why: list[str] = []
    evidence: list[Feature] = []
    if (strain or sciatica) and not achilles:
        lasted = duration_days(fs)
        if lasted is not None and lasted > PHYSIO_PERSISTENT_DAYS:
            why.append(f"persisting {lasted:.0f} days")  # beyond the RICE period
            duration = fs.get(FeatureName.SYMPTOM_DURATION_DAYS)
            if duration.present:
                evidence.append(duration)
        for name, words in (
            (FeatureName.RECURRENT_PAIN, "recurring"),
            (FeatureName.WALKING_DIFFICULTY, "preventing walking"),
        ):
            feature = fs.get(name)
            if feature.present:
                why.append(words)
                evidence.append(feature)
    return why, [*strain, *sciatica, *evidence]


def cards(ctx: Context) -> Iterable[Card | None]:
    why, evidence = reasons(ctx)
    if not why or not dvt_settled(ctx.dvt):
        return []
    reason = ", ".join(why)
    referral = ctx.order(
        OrderKind.PHYSIOTHERAPY,
        references(evidence),
        role="physio",
        reason_text=f"Calf/leg pain {reason}; DVT excluded or not suspected",
    )
    # The RICE period explains "persisting" for a strain only; sciatica has its own basis.
    strain = bool(recent_present(ctx.fs, [FeatureName.MUSCLE_STRAIN], ctx.settings.episode_days))
    detail = md.join_sections(
        dvt_statement(ctx.dvt),
        f"Reason for referral: pain {reason}. Findings: "
        f"{', '.join(readable(f.name) for f in evidence)}.",
        f"For a strain, pain beyond the first {PHYSIO_PERSISTENT_DAYS} days (the RICE period) "
        "counts as persisting (Tyneside leaflet)."
        if strain
        else "",
        "NHS MSK pathways: self-management first, then assessment, manual therapy and graded "
        "exercise (NHS GGC MSK); for sciatica, exercise-based care (NICE NG59).",
        SAFETY_NET,
        md.sources(
            [
                *([CALF_INJURY_LEAFLET] if strain else []),
                ("NHS GGC MSK", MSK_PATHWAY),
                ("NICE NG59", NG59),
            ]
        ),
    )
    return [
        ctx.card(
            topic=TOPIC,
            indicator="info",
            summary=summary(reason),
            detail=detail,
            suggestions=[
                suggestion(
                    ctx.hook_instance,
                    TOPIC,
                    0,
                    0,
                    "Refer to musculoskeletal physiotherapy",
                    [create_action("Create a draft physiotherapy referral", referral)],
                    recommended=True,
                )
            ],
            override_reasons=OVERRIDE_REASONS,
        )
    ]


def blocks_referral(_card: Card, other: Card) -> bool:
    """A critical card or a live DVT card: no physiotherapy referral beside it."""
    return other.indicator == "critical" or card_topic(other) in BLOCKED_BY


RULE: Final = Rule(
    name="physio-referral",
    kind="guidance",
    topics=(TOPIC,),
    reads=READS,
    cards=cards,
    withdrawn_beside=blocks_referral,
)
