"""Suspected DVT outside the NICE NG158 pathway: pregnancy or the 6 weeks after it, or age under
18 with a leg sign or risk factor (S3b). Wells and the D-dimer are not validated there, so the card
gives the steps that apply instead of a score (docs/clinical-basis.md §1.12, §1.13): in pregnancy
and the puerperium the RCOG Green-top 37b steps (S28); under 18, same-day paediatric assessment,
or, when only the leg examination is missing, the examination first with both branches.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from cards import markdown as md
from cards.builders import create_action, suggestion
from cards.models import Card, Link, Suggestion
from cards.topics import Topic
from cds.triage import pathway
from cds.triage.context import Context
from cds.triage.features_view import feature_evidence, readable, references
from cds.triage.order_codes import OrderKind
from cds.triage.override_reasons import (
    ALREADY_ANTICOAGULATED,
    DVT_ALREADY_EXCLUDED,
    ORDER_EXISTS,
    PATIENT_DECLINED,
)
from cds.triage.pathway import CHILD_RISK_FACTORS, NG158_SOURCES, ChildGrounds, DvtStatus
from cds.triage.rule import Rule
from cds.triage.thresholds import NG158_MIN_AGE
from fhir_mappings.features import FeatureName, FeatureSet, State
from fhir_mappings.options import MappingOptions

TOPIC: Final = Topic(
    "dvt-outside-pathway",
    "Suspected DVT outside the NG158 pathway: specialist assessment",
    "NICE NG158 scope; RCOG Green-top 37b in pregnancy",
)
OVERRIDE_REASONS: Final = (
    DVT_ALREADY_EXCLUDED,
    ALREADY_ANTICOAGULATED,
    ORDER_EXISTS,
    PATIENT_DECLINED,
)


RCOG_37B: Final = (
    "RCOG Green-top 37b: thromboembolic disease in pregnancy and the puerperium",
    "https://www.rcog.org.uk/guidance/browse-all-guidance/green-top-guidelines/",
)
# Both Green-top guidelines are listed at the same RCOG address.
RCOG_37A: Final = (
    "RCOG Green-top 37a: reducing the risk of VTE in pregnancy and the puerperium",
    RCOG_37B[1],
)
# The puerperium the mapping reads as postpartum (a delivery within this many weeks; S27).
POSTPARTUM_WEEKS: Final = MappingOptions().postpartum_weeks
# NG158's scope: S3b; the puerperium: S27; the steps: S28.
PREGNANCY_STEPS: Final = (
    f"NICE NG158 does not cover pregnancy or the {POSTPARTUM_WEEKS} weeks after it "
    "(RCOG Green-top 37a): no Wells score and no D-dimer rule-out (the D-dimer rises in normal "
    "pregnancy; RCOG Green-top 37b).",
    "Compression duplex ultrasound of the leg veins the same day (RCOG Green-top 37b).",
    "Therapeutic low-molecular-weight heparin while waiting for the scan, unless contraindicated "
    "(bleeding, low platelets; RCOG Green-top 37b).",
    "Scan negative but suspicion still high: stop the heparin and repeat the scan on days 3 and 7 "
    "(RCOG Green-top 37b).",
    "Obstetric (maternal medicine) and haematology advice the same day.",
)
# The pathway's reads, and the draft orders (no second ultrasound order is suggested).
READS: Final = frozenset({*pathway.READS, "draft_orders"})
CHILD_STEPS: Final = (  # NG158's scope: S3b
    f"NICE NG158 covers adults aged {NG158_MIN_AGE} and over: Wells and the D-dimer are not "
    "validated in children and young people.",
    "Same-day assessment by the paediatric (or adolescent) team, with haematology advice; "
    "imaging is decided there.",
)

# Under 18 when only the examination is missing: it decides whether DVT is suspected at all.
CHILD_EXAMINE_STEPS: Final = (
    "Examine both legs and document swelling, tenderness along the deep veins and pitting oedema.",
    "A leg sign or a VTE risk factor: same-day assessment by the paediatric (or adolescent) team, "
    "with haematology advice; imaging is decided there.",
    "No leg sign and no VTE risk factor: DVT is not suspected. NICE NG158 covers adults aged "
    f"{NG158_MIN_AGE} and over: Wells and the D-dimer are not validated in children and young "
    "people.",
)


def summary_pregnancy() -> str:
    return (
        "Suspected DVT in pregnancy or postpartum: outside NICE NG158; same-day duplex "
        "ultrasound, LMWH while waiting (RCOG)"
    )


def summary_age(age: int) -> str:
    return (
        f"Suspected DVT at age {age}: under {NG158_MIN_AGE} is outside NICE NG158, same-day "
        "paediatric assessment"
    )


def summary_examine(age: int) -> str:
    return (
        f"Leg complaint at age {age}, examination not documented: examine; a leg sign or VTE "
        "risk factor means same-day paediatric assessment"
    )


def child_facts(fs: FeatureSet, child: ChildGrounds) -> list[str]:
    """What the under-18 card rests on: the risk factors on record, the examination items not
    documented, and when only those are missing, what the record says of risk factors."""
    facts = [
        f"VTE risk factor on record: {readable(f.name)} ({feature_evidence(f)})"
        for f in child.risk_factors
    ]
    if child.undocumented:
        facts.append(f"Not documented: {', '.join(readable(name) for name in child.undocumented)}")
    if child.examination_only:
        # Only what the record was searched for is "not found"; the rest is not claimed absent.
        searched = [
            readable(name) for name in CHILD_RISK_FACTORS if fs.get(name).state is State.ABSENT
        ]
        facts.append(
            f"No VTE risk factor found on record (searched: {', '.join(searched)})"
            if searched
            else "VTE risk factors: the record could not be searched"
        )
    return facts


def _scan(ctx: Context, status: DvtStatus) -> list[Suggestion]:
    if any(o.kind == OrderKind.ULTRASOUND.value for o in ctx.fs.draft_orders):
        return []
    scan = ctx.order(
        OrderKind.ULTRASOUND,
        references(status.triggers),
        role="outside-pathway",
        priority="stat",
        note="Compression duplex ultrasound today (RCOG Green-top 37b).",
        reason_text="Suspected DVT in pregnancy or the puerperium",
    )
    label = "Order compression duplex ultrasound of the leg veins today"
    action = create_action("Create a draft leg vein ultrasound order", scan)
    return [suggestion(ctx.hook_instance, TOPIC, 0, 0, label, [action], recommended=True)]


def cards(ctx: Context) -> Iterable[Card | None]:
    status = ctx.dvt
    if not status.triggered or not status.outside_reasons or status.known_clot is not None:
        return []
    age = ctx.fs.age_years
    pregnancy = ctx.fs.get(FeatureName.PREGNANCY)
    pregnant = "pregnancy" in status.outside_reasons
    # The only other reason is the age, and then the child's grounds are always known.
    child = None if pregnant else status.child
    steps: tuple[str, ...]
    if child is None:
        steps, summary = PREGNANCY_STEPS, summary_pregnancy()
    elif child.examination_only:
        steps, summary = CHILD_EXAMINE_STEPS, summary_examine(child.age)
    else:
        steps, summary = CHILD_STEPS, summary_age(child.age)
    facts = [
        f"Pregnancy or postpartum: {feature_evidence(pregnancy)}" if pregnant else "",
        f"Age: {age}" if age is not None else "Age: not documented",
        *(child_facts(ctx.fs, child) if child is not None else ()),
    ]
    detail = md.join_sections(
        f"Current leg findings: {', '.join(readable(f.name) for f in status.triggers)}.",
        md.bullets(item for item in facts if item),
        md.section("Next steps", md.bullets(steps)),
        "Do not start physiotherapy, massage or compression until DVT is excluded.",
        md.sources([RCOG_37B, RCOG_37A, NG158_SOURCES[0]] if pregnant else [NG158_SOURCES[0]]),
    )
    return [
        ctx.card(
            topic=TOPIC,
            indicator="warning",
            summary=summary,
            detail=detail,
            suggestions=_scan(ctx, status) if pregnant else (),
            override_reasons=OVERRIDE_REASONS,
            links=[Link(label="NICE NG158 scope", url=NG158_SOURCES[0][1], type="absolute")],
        )
    ]


RULE: Final = Rule(
    name="dvt-outside-pathway", kind="assessment", topics=(TOPIC,), reads=READS, cards=cards
)
