"""Critical cards for the red-flag gates: pe-emergency, cauda-equina, compartment-syndrome.

No order suggestions: an emergency referral is a phone call and a transfer, not a draft order.
The card names the findings and their evidence so the clinician can check them in seconds.
"""

from __future__ import annotations

from typing import Final

from cards import markdown as md
from cards import summaries
from cards.builders import SUMMARY_LIMIT, build_card
from cards.models import Card, Link
from cards.overrides import EMERGENCY_REASONS
from cards.topics import Topic
from cds.triage.context import Context
from cds.triage.features_view import feature_evidence, readable
from cds.triage.red_flags import RedFlag
from cds.triage.thresholds import CES_MRI_WITHIN_HOURS

LINKS: Final[dict[Topic, tuple[str, str]]] = {
    Topic.PE_EMERGENCY: (
        "NICE NG158: suspected PE",
        "https://www.nice.org.uk/guidance/ng158/chapter/Recommendations",
    ),
    Topic.CAUDA_EQUINA: (
        "BMJ Best Practice: cauda equina syndrome (S14a)",
        "https://bestpractice.bmj.com/topics/en-gb/3000164/diagnosis-approach",
    ),
    Topic.COMPARTMENT_SYNDROME: (
        "Compartment syndrome, adult (S15c)",
        "https://www.medvellum.com/topics/compartment-syndrome-adult",
    ),
}
INTRO: Final[dict[Topic, str]] = {
    Topic.PE_EMERGENCY: (
        "Signs of pulmonary embolism with leg symptoms or a suspected/confirmed DVT: assess as an "
        "emergency now (same-day hospital assessment; NICE NG158 PE pathway)."
    ),
    Topic.CAUDA_EQUINA: (
        "Possible cauda equina syndrome: in the community refer immediately to hospital, to be "
        "seen within hours; in hospital, emergency MRI within "
        f"{CES_MRI_WITHIN_HOURS} h of request (S14a)."
    ),
    Topic.COMPARTMENT_SYNDROME: (
        "Possible acute compartment syndrome: emergency orthopaedic assessment and compartment "
        "pressure measurement now (S15a-c)."
    ),
}


def _summary(flag: RedFlag) -> str:
    """Name as many findings as fit, so the action at the end is never cut off."""

    def pe(signs: str) -> str:
        return summaries.pe_emergency(signs, flag.setting or "leg symptoms")

    template = {
        Topic.PE_EMERGENCY: pe,
        Topic.CAUDA_EQUINA: summaries.cauda_equina,
        Topic.COMPARTMENT_SYNDROME: summaries.compartment_syndrome,
    }[flag.topic]
    for count in (3, 2, 1):
        text = template(", ".join(flag.signs[:count]))
        if len(text) <= SUMMARY_LIMIT:
            return text
    return template(flag.signs[0][:40])


def red_flag_card(ctx: Context, flag: RedFlag) -> Card:
    seen: set[str] = set()
    lines: list[str] = []
    for feature in flag.features:
        if feature.name in seen or not feature.present:
            continue
        seen.add(feature.name)
        lines.append(f"{readable(feature.name)}: {feature_evidence(feature)}")
    detail = md.join_sections(
        INTRO[flag.topic],
        md.section("Findings", md.bullets(lines)),
        md.bullets(flag.notes),
        "Red flags come before any score: no physiotherapy, massage or compression.",
    )
    label, url = LINKS[flag.topic]
    return build_card(
        hook_instance=ctx.hook_instance,
        topic=flag.topic,
        indicator="critical",
        summary=_summary(flag),
        detail=detail,
        source_url=ctx.options.source_url,
        override_reasons=EMERGENCY_REASONS,
        links=[Link(label=label, url=url, type="absolute")],
    )
