"""Calf muscle strain self-care, and a possible Achilles tendon rupture (docs/clinical-basis.md
§1.8, S17a-c).

A strain gets RICE, analgesia and a graded return, only once DVT is settled (``msk``): a calf
strain is hard to tell from DVT on examination (S16a). A possible Achilles rupture ("pop" or
"snap") always goes to same-day assessment, whatever the DVT question.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from cards import markdown as md
from cards.models import Card, Link
from cards.topics import Topic
from cds.triage import pathway
from cds.triage.context import Context
from cds.triage.features_view import feature_evidence, recent_present
from cds.triage.msk import (
    CALF_INJURY_LEAFLET,
    MSK_PATHWAY,
    OVERRIDE_REASONS,
    SAFETY_NET,
    duration_days,
    dvt_settled,
    dvt_statement,
)
from cds.triage.override_reasons import NOT_APPLICABLE, PATIENT_DECLINED
from cds.triage.rule import Rule
from cds.triage.thresholds import PHYSIO_PERSISTENT_DAYS, RICE_HOURS
from fhir_mappings.features import Feature, FeatureName

TOPIC: Final = Topic(
    "muscle-strain", "Calf muscle strain: self-care guidance", "Calf strain (NHS MSK pathways)"
)
LEAFLET_STRAIN: Final = "https://www.hey.nhs.uk/patient-leaflet/soft-tissue-injury-calf-strain/"
READS: Final = frozenset(
    {
        FeatureName.MUSCLE_STRAIN,
        FeatureName.ACHILLES_RUPTURE,
        FeatureName.SYMPTOM_DURATION_DAYS,
        "episode_start",
        *pathway.READS,
    }
)


def summary_strain(past_rice: bool) -> str:
    if past_rice:
        return (
            "Calf muscle strain, DVT made unlikely: graded return to walking and calf exercises; "
            "review if not improving"
        )
    return (
        "Calf muscle strain, DVT made unlikely: RICE and analgesia for "
        f"{RICE_HOURS} h, then graded return"
    )


def summary_achilles() -> str:
    return "Possible Achilles tendon rupture: same-day A&E or orthopaedic assessment"


def achilles_card(ctx: Context, achilles: Feature) -> Card:
    detail = md.join_sections(
        f"Possible Achilles tendon rupture: {feature_evidence(achilles)}.",
        "An audible pop or snap at the back of the ankle suggests rupture: same-day A&E or "
        "orthopaedic assessment (Tyneside leaflet). No physiotherapy referral until assessed.",
        md.sources([CALF_INJURY_LEAFLET]),
    )
    return ctx.card(
        topic=TOPIC,
        indicator="warning",
        summary=summary_achilles(),
        detail=detail,
        index=1,
        override_reasons=OVERRIDE_REASONS,
    )


def strain_card(ctx: Context, strain: Feature) -> Card:
    # Past the first 72 h the RICE advice no longer applies: a strain at day 10 is not told to
    # rest, ice and compress for 72 h (S17a, S17b).
    lasted = duration_days(ctx.fs)
    past_rice = lasted is not None and lasted * 24 > RICE_HOURS
    first = (
        f"The first {RICE_HOURS} h (rest, ice, compression, elevation and simple analgesia) are "
        f"over: {lasted:.0f} days since the injury (Tyneside and HUTH leaflets)."
        if past_rice and lasted is not None
        else f"First {RICE_HOURS} h: rest, ice, compression, elevation (RICE) and simple "
        "analgesia (Tyneside and HUTH leaflets)."
    )
    detail = md.join_sections(
        dvt_statement(ctx.dvt),
        f"Calf muscle strain: {feature_evidence(strain)}.",
        md.bullets(
            [
                first,
                "Expected recovery: grade 1 in 1–3 weeks, grade 2 in 4–8 weeks, grade 3 in "
                "8–12 weeks (Tyneside leaflet).",
                "Then graded return to walking and calf exercises; self-management first "
                "(NHS GGC MSK).",
                "Review, or refer to physiotherapy, if pain persists beyond "
                f"{PHYSIO_PERSISTENT_DAYS} days, recurs, or prevents walking or weight-bearing.",
                "An audible 'pop' or 'snap' suggests Achilles rupture: A&E (Tyneside leaflet).",
                SAFETY_NET,
            ]
        ),
        md.sources(
            [
                CALF_INJURY_LEAFLET,
                ("Calf strain leaflet (HUTH)", LEAFLET_STRAIN),
                ("NHS GGC MSK", MSK_PATHWAY),
            ]
        ),
    )
    return ctx.card(
        topic=TOPIC,
        indicator="info",
        summary=summary_strain(past_rice),
        detail=detail,
        override_reasons=(NOT_APPLICABLE, PATIENT_DECLINED),
        links=[Link(label="Calf strain: patient leaflet", url=LEAFLET_STRAIN, type="absolute")],
    )


def cards(ctx: Context) -> Iterable[Card | None]:
    days = ctx.settings.episode_days
    achilles = recent_present(ctx.fs, [FeatureName.ACHILLES_RUPTURE], days)
    found: list[Card | None] = [achilles_card(ctx, achilles[0]) if achilles else None]
    strain = recent_present(ctx.fs, [FeatureName.MUSCLE_STRAIN], days)
    if strain and dvt_settled(ctx.dvt):
        found.append(strain_card(ctx, strain[0]))
    return found


RULE: Final = Rule(name="muscle-strain", kind="guidance", topics=(TOPIC,), reads=READS, cards=cards)
