"""Suspected DVT outside the NICE NG158 pathway: pregnancy or the postpartum period, or age under
18 (S3b). Wells and the D-dimer are not validated there, so the card asks for same-day specialist
assessment instead of a score (docs/clinical-basis.md §1.3).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from cards import markdown as md
from cards.models import Card, Link
from cards.topics import Topic
from cds.triage.context import Context
from cds.triage.features_view import feature_evidence, readable
from cds.triage.override_reasons import (
    ALREADY_ANTICOAGULATED,
    DVT_ALREADY_EXCLUDED,
    ORDER_EXISTS,
    PATIENT_DECLINED,
)
from cds.triage.pathway import NG158_SOURCES, READS
from cds.triage.rule import Rule
from cds.triage.thresholds import NG158_MIN_AGE
from fhir_mappings.features import FeatureName

TOPIC: Final = Topic(
    "dvt-outside-pathway", "Suspected DVT outside the NG158 pathway: specialist assessment"
)
OVERRIDE_REASONS: Final = (
    DVT_ALREADY_EXCLUDED,
    ALREADY_ANTICOAGULATED,
    ORDER_EXISTS,
    PATIENT_DECLINED,
)


def summary_pregnancy() -> str:
    return (
        "Suspected DVT in pregnancy or postpartum: outside NICE NG158, same-day specialist review"
    )


def summary_age(age: int) -> str:
    return (
        f"Suspected DVT at age {age}: under {NG158_MIN_AGE} is outside NICE NG158, "
        "specialist assessment"
    )


def cards(ctx: Context) -> Iterable[Card | None]:
    status = ctx.dvt
    if not status.triggered or not status.outside_reasons or status.known_dvt is not None:
        return []
    age = ctx.fs.age_years
    if "pregnancy" in status.outside_reasons:
        summary = summary_pregnancy()
        why = "NICE NG158 does not cover pregnant women (S3b); Wells and D-dimer are not validated."
    else:
        summary = summary_age(age if age is not None else 0)
        why = f"NICE NG158 covers adults aged {NG158_MIN_AGE} and over (S3b)."
    pregnancy = ctx.fs.get(FeatureName.PREGNANCY)
    detail = md.join_sections(
        f"Current leg findings: {', '.join(readable(f.name) for f in status.triggers)}.",
        why,
        md.bullets(
            item
            for item in (
                f"Pregnancy: {feature_evidence(pregnancy)}" if pregnancy.present else "",
                f"Age: {age}" if age is not None else "Age: not documented",
                "Arrange same-day specialist assessment (obstetric/haematology or paediatric).",
                "Do not start physiotherapy, massage or compression until DVT is excluded.",
            )
            if item
        ),
        md.sources([NG158_SOURCES[0]]),
    )
    return [
        ctx.card(
            topic=TOPIC,
            indicator="warning",
            summary=summary,
            detail=detail,
            override_reasons=OVERRIDE_REASONS,
            links=[Link(label="NICE NG158 scope", url=NG158_SOURCES[0][1], type="absolute")],
        )
    ]


RULE: Final = Rule(
    name="dvt-outside-pathway", kind="assessment", topics=(TOPIC,), reads=READS, cards=cards
)
