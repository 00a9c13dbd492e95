"""The card every red-flag rule shows: `critical`, its findings with their evidence, its notes.

No order suggestions: an emergency referral is a phone call and a transfer, not a draft order.
The card names the findings and their evidence so the clinician can check them in seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from cards import markdown as md
from cards.builders import SUMMARY_LIMIT
from cards.models import Card, Link, OverrideReason
from cards.topics import Topic
from cds.triage.context import Context
from cds.triage.features_view import feature_evidence, readable
from fhir_mappings.features import Feature


@dataclass(frozen=True, slots=True)
class RedFlag:
    signs: tuple[str, ...]  # short words for the summary ("breathlessness", "heart rate 112/min")
    features: tuple[Feature, ...]  # the evidence
    notes: tuple[str, ...] = field(default=())


def fitted_summary(template: Callable[[str], str], signs: Sequence[str]) -> str:
    """Name as many findings as fit, so the action at the end is never cut off."""
    for count in (3, 2, 1):
        text = template(", ".join(signs[:count]))
        if len(text) <= SUMMARY_LIMIT:
            return text
    return template(signs[0][:40])


def red_flag_card(
    ctx: Context,
    flag: RedFlag,
    *,
    topic: Topic,
    summary: str,
    intro: str,
    link: tuple[str, str],
    override_reasons: Sequence[OverrideReason],
    sections: Sequence[str] = (),
) -> Card:
    seen: set[str] = set()
    lines: list[str] = []
    for feature in flag.features:
        if feature.name in seen or not feature.present:
            continue
        seen.add(feature.name)
        lines.append(f"{readable(feature.name)}: {feature_evidence(feature)}")
    detail = md.join_sections(
        intro,
        md.section("Findings", md.bullets(lines)),
        md.bullets(flag.notes),
        *sections,
        "Red flags come before any score: no physiotherapy, massage or compression.",
    )
    label, url = link
    return ctx.card(
        topic=topic,
        indicator="critical",
        summary=summary,
        detail=detail,
        override_reasons=override_reasons,
        links=[Link(label=label, url=url, type="absolute")],
    )
