"""Sciatica and radicular pain: keep active, exercise, and safety-net for cauda equina (NICE NG59;
docs/clinical-basis.md §1.8), once DVT is settled (``msk``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from cards import markdown as md
from cards.models import Card, Link
from cards.topics import Topic
from cds.triage import pathway
from cds.triage.context import Context
from cds.triage.features_view import feature_evidence, readable, recent_present
from cds.triage.msk import NG59, OVERRIDE_REASONS, dvt_settled, dvt_statement
from cds.triage.rule import Rule
from cds.triage.rules import cauda_equina
from cds.triage.thresholds import SCIATICA_COMMUNITY_WEEKS, SCIATICA_MRI_AFTER_WEEKS
from fhir_mappings.features import FeatureName

TOPIC: Final = Topic("sciatica", "Sciatica: self-care and safety-netting", "NICE NG59")
SCIATICA_FEATURES: Final = (FeatureName.SCIATICA, FeatureName.RADICULAR_SYMPTOMS)
READS: Final = frozenset({*SCIATICA_FEATURES, *pathway.READS})
# The bullets rest on S17d-e (NICE NG59 and a summary of it), S17f, S16e, and for cauda equina
# S14a (BMJ Best Practice) and S14b (NICE CKS red flags). The addresses of S17f and S16e are
# those listed in the project's clinical reference notes.
DEVON_REFERRAL: Final = (
    "Devon referral guidance: low back pain with or without sciatica",
    "https://northeast.devonformularyguidance.nhs.uk/referral-guidance/eastern-locality/"
    "musculosketal/low-back-pain-with-or-without-sciatica-radiculopathy",
)
GP_REASONING: Final = (
    "GP Reasoning: sciatica algorithm",
    "https://gpreasoning.uk/tools/algorithms/sciatica.html",
)


def summary() -> str:
    return (
        "Sciatica: keep active, NICE NG59 exercise programme; safety-net for cauda equina symptoms"
    )


def cards(ctx: Context) -> Iterable[Card | None]:
    found = recent_present(ctx.fs, SCIATICA_FEATURES, ctx.settings.episode_days)
    if not found or not dvt_settled(ctx.dvt):
        return []
    evidence = "; ".join(f"{readable(f.name)}: {feature_evidence(f)}" for f in found)
    detail = md.join_sections(
        dvt_statement(ctx.dvt),
        f"Sciatica / radicular pain: {evidence}.",
        md.bullets(
            [
                "Stratify the episode (e.g. STarT Back), advise keeping active, and offer a group "
                "exercise programme; manual or psychological therapy only alongside exercise "
                "(NICE NG59).",
                f"About {SCIATICA_COMMUNITY_WEEKS} weeks of community management including MSK "
                "physiotherapy before specialist referral (Devon referral guidance).",
                f"MRI only if symptoms persist beyond {SCIATICA_MRI_AFTER_WEEKS[0]}–"
                f"{SCIATICA_MRI_AFTER_WEEKS[1]} weeks and intervention is considered "
                "(GP Reasoning sciatica algorithm).",
                "Progressive or severe motor weakness (e.g. foot drop): urgent spinal referral.",
                "Safety-net for cauda equina: new saddle numbness, bladder or bowel disturbance, "
                "sexual dysfunction or weakness in both legs means go to A&E now "
                "(BMJ Best Practice, NICE CKS).",
            ]
        ),
        md.sources([("NICE NG59", NG59), DEVON_REFERRAL, GP_REASONING, cauda_equina.LINK]),
    )
    return [
        ctx.card(
            topic=TOPIC,
            indicator="info",
            summary=summary(),
            detail=detail,
            override_reasons=OVERRIDE_REASONS,
            links=[Link(label="NICE NG59: low back pain and sciatica", url=NG59, type="absolute")],
        )
    ]


RULE: Final = Rule(name="sciatica", kind="guidance", topics=(TOPIC,), reads=READS, cards=cards)
