"""The NICE NG158 DVT pathway card: `dvt-likely` or `dvt-ddimer` (docs/clinical-basis.md §1.3).

One card for a patient in the pathway whose DVT is not excluded: the Wells table (criterion,
points, finding, evidence), what was not documented and whether documenting it could change the
decision, the D-dimer with unit and cut-off, the NG158 next steps, and the next test as a draft
order. Where the patient stands on the pathway is ``pathway.assess_dvt`` (``Context.dvt``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from cards import markdown as md
from cards.builders import create_action, suggestion
from cards.models import Card, Indicator, Link, Suggestion
from cards.topics import Topic, card_topic
from cds.smart.link import wells_links
from cds.triage.context import Context
from cds.triage.ddimer import ddimer_section
from cds.triage.dvt_steps import (
    LIKELY_BAND,
    UNLIKELY_BAND,
    anticoagulant_record,
    criteria_count,
    next_steps,
)
from cds.triage.features_view import feature_evidence, readable, references, short
from cds.triage.order_codes import OrderKind
from cds.triage.override_reasons import (
    ALREADY_ANTICOAGULATED,
    DVT_ALREADY_EXCLUDED,
    ORDER_EXISTS,
    PATIENT_DECLINED,
)
from cds.triage.pathway import NG158_SOURCES, READS, DvtStatus, age_caveat
from cds.triage.rule import Rule
from cds.triage.rules import compartment_syndrome, pulmonary_embolism
from cds.triage.thresholds import DDIMER_WITHIN_HOURS, SCAN_WITHIN_HOURS
from cds.triage.wells_table import wells_section

DVT_LIKELY: Final = Topic(
    "dvt-likely", "DVT likely: proximal leg vein ultrasound", "NICE NG158 (suspected DVT), Wells"
)
DVT_DDIMER: Final = Topic(
    "dvt-ddimer",
    "DVT not excluded: D-dimer or ultrasound per NICE NG158",
    "NICE NG158 (suspected DVT), Wells",
)
OVERRIDE_REASONS: Final = (
    DVT_ALREADY_EXCLUDED,
    ALREADY_ANTICOAGULATED,
    ORDER_EXISTS,
    PATIENT_DECLINED,
)
# Cards beside which the D-dimer card is withdrawn (``gives_way``).
SUPERSEDED_BY: Final = frozenset({pulmonary_embolism.TOPIC.code, compartment_syndrome.TOPIC.code})


def summary_sudden_swelling(flag: str, score: str) -> str:
    return (
        f"Red flag: {flag} (Wells {score}): same-day emergency assessment, ultrasound within "
        f"{SCAN_WITHIN_HOURS} h"
    )


def summary_likely(score: str) -> str:
    return f"DVT likely (Wells {score}): proximal leg vein ultrasound within {SCAN_WITHIN_HOURS} h"


def summary_likely_alternative(score: str, alternative_score: str) -> str:
    return (
        f"DVT likely (Wells {score}; {alternative_score} if the alternative diagnosis is "
        f"judged as likely): ultrasound within {SCAN_WITHIN_HOURS} h"
    )


def summary_ddimer_needed(score: str) -> str:
    return (
        f"DVT unlikely (Wells {score}): D-dimer now, result within {DDIMER_WITHIN_HOURS} h; "
        "ultrasound if positive"
    )


def summary_undetermined(score: str, undocumented: int) -> str:
    # Wells is applied after history and examination, never the D-dimer first (S8, MDCalc
    # quoting Dr Wells): the undocumented criteria come first, then the test the score asks for.
    return (
        f"Wells {score} so far ({criteria_count(undocumented)} undocumented): examine and "
        f"document, then D-dimer if {UNLIKELY_BAND}, ultrasound if {LIKELY_BAND}"
    )


def summary_ddimer_unreliable(score: str) -> str:
    return (
        f"DVT not excluded (Wells {score}) and on anticoagulation, so a D-dimer is unreliable: "
        "leg vein ultrasound"
    )


def summary_ddimer_positive(value: str, score: str) -> str:
    return (
        f"D-dimer positive ({value}), Wells {score}: proximal leg vein ultrasound within "
        f"{SCAN_WITHIN_HOURS} h"
    )


def summary_negative_undetermined(score: str, undocumented: int) -> str:
    return (
        f"D-dimer negative but Wells {score} is incomplete: document "
        f"{criteria_count(undocumented)}; ultrasound if Wells {LIKELY_BAND}"
    )


def summary_ddimer_preliminary(score: str) -> str:
    return (
        f"Wells {score}, D-dimer negative but preliminary: await the final result before ruling out"
    )


def topic_and_summary(status: DvtStatus) -> tuple[Topic, Indicator, str]:
    wells = status.wells
    ddimer = status.ddimer
    assert wells is not None and ddimer is not None
    score = wells.score_text
    if wells.alternative_changed_decision:  # the -2 never turns "likely" silently
        score += f"; {wells.score_text_without_alternative} without the asserted −2"
    n_unknown = len(wells.unknown)
    if status.urgent_flags:
        flag = short(status.urgent_flags[0].name)
        return DVT_LIKELY, "critical", summary_sudden_swelling(flag, score)
    if wells.decision == "likely":
        alt = wells.score_text_if_alternative
        if wells.alternative_flips and alt is not None:
            return DVT_LIKELY, "warning", summary_likely_alternative(score, alt)
        return DVT_LIKELY, "warning", summary_likely(score)
    if status.anticoagulated and (ddimer.status != "positive") and not ddimer.rules_out:
        return DVT_DDIMER, "warning", summary_ddimer_unreliable(score)
    if ddimer.status == "positive":
        value = ddimer.value_text().split(" (cut-off")[0]
        if ddimer.preliminary:
            value += ", preliminary"
        return DVT_DDIMER, "warning", summary_ddimer_positive(value, score)
    if ddimer.status == "negative-preliminary":
        return DVT_DDIMER, "warning", summary_ddimer_preliminary(score)
    if wells.decision == "unlikely":
        return DVT_DDIMER, "warning", summary_ddimer_needed(score)
    if ddimer.status == "negative":
        return DVT_DDIMER, "warning", summary_negative_undetermined(score, n_unknown)
    return DVT_DDIMER, "warning", summary_undetermined(score, n_unknown)


def _suggestions(ctx: Context, status: DvtStatus, topic: Topic) -> list[Suggestion]:
    assert status.wells is not None
    refs = references(status.triggers) + [
        ev.reference for c in status.wells.criteria for ev in c.evidence if ev.reference
    ]
    if status.ddimer is not None and status.ddimer.result is not None:
        refs.append(status.ddimer.result.evidence.reference)
    leg = status.wells.leg.value if status.wells.leg is not None else None
    reason = f"Suspected DVT, Wells {status.wells.score_text} (NICE NG158)"
    ordered = {o.kind for o in ctx.fs.draft_orders}
    out: list[Suggestion] = []
    next_test = status.next_test
    if next_test is OrderKind.ULTRASOUND and OrderKind.ULTRASOUND not in ordered:
        scan = ctx.order(
            OrderKind.ULTRASOUND,
            refs,
            role="pathway",
            priority="stat",
            laterality=leg,
            note=f"Result needed within {SCAN_WITHIN_HOURS} h (NICE NG158 1.1.3).",
            reason_text=reason,
        )
        out.append(
            suggestion(
                ctx.hook_instance,
                topic,
                0,
                len(out),
                f"Order proximal leg vein ultrasound (result within {SCAN_WITHIN_HOURS} h)",
                [create_action("Create a draft proximal leg vein ultrasound order", scan)],
                recommended=True,
            )
        )
    # A D-dimer is offered only when none counts for this episode (a preliminary one awaits
    # its final result) and no anticoagulant makes a new one unreliable.
    needs_ddimer = (
        status.ddimer is not None and status.ddimer.status == "none" and not status.anticoagulated
    )
    if needs_ddimer and OrderKind.DDIMER not in ordered:
        likely = next_test is OrderKind.ULTRASOUND
        label = (
            f"Scan not available within {SCAN_WITHIN_HOURS} h: order D-dimer before interim "
            "anticoagulation"
            if likely
            else f"Order D-dimer (result within {DDIMER_WITHIN_HOURS} h)"
        )
        test = ctx.order(
            OrderKind.DDIMER,
            refs,
            role="pathway",
            priority="urgent" if likely else "stat",
            note="Take before any anticoagulation (NICE NG158, 2020 update).",
            reason_text=reason,
        )
        out.append(
            suggestion(
                ctx.hook_instance,
                topic,
                0,
                len(out),
                label,
                [create_action("Create a draft D-dimer order", test)],
                recommended=not likely,
            )
        )
    return out


def cards(ctx: Context) -> Iterable[Card | None]:
    """The one DVT card for a patient in the NG158 pathway (none when DVT is excluded)."""
    status = ctx.dvt
    if not status.in_pathway or status.excluded or status.wells is None or status.ddimer is None:
        return []
    topic, indicator, summary = topic_and_summary(status)
    triggers = ", ".join(f"{readable(f.name)}" for f in status.triggers)
    detail = md.join_sections(
        f"Current leg findings: {triggers}.",
        md.bullets(f"{readable(f.name)}: {feature_evidence(f)}" for f in status.urgent_flags),
        wells_section(status.wells),
        md.section("D-dimer", ddimer_section(status.ddimer)),
        md.section(
            "Next steps (NICE NG158)", md.bullets(next_steps(status, anticoagulant_record(ctx.fs)))
        ),
        "Never start physiotherapy, massage or compression while DVT is not excluded.",
        "Pregnancy status is not documented: NICE NG158 does not cover pregnancy or the "
        "postpartum period."
        if status.pregnancy_unknown
        else "",
        age_caveat(ctx.fs.age_years),
        md.sources(NG158_SOURCES),
    )
    return [
        ctx.card(
            topic=topic,
            indicator=indicator,
            summary=summary,
            detail=detail,
            suggestions=_suggestions(ctx, status, topic),
            selection_behavior="any",
            override_reasons=OVERRIDE_REASONS,
            links=[
                Link(
                    label="NICE NG158: venous thromboembolic diseases",
                    url=NG158_SOURCES[0][1],
                    type="absolute",
                ),
                # The assessment app, when undocumented criteria could change the decision.
                *wells_links(ctx.settings, topic.code, status.wells),
            ],
        )
    ]


def gives_way(card: Card, other: Card) -> bool:
    """The D-dimer card gives way to a PE card (the PE work-up comes first and the PE card says
    where the leg stands) and to a compartment-syndrome card (a D-dimer is non-specific after
    an injury; that card asks for the Wells / ultrasound pathway)."""
    return card_topic(card) == DVT_DDIMER.code and card_topic(other) in SUPERSEDED_BY


RULE: Final = Rule(
    name="dvt-pathway",
    kind="assessment",
    topics=(DVT_LIKELY, DVT_DDIMER),
    reads=READS | {"draft_orders"},
    cards=cards,
    withdrawn_beside=gives_way,
)
