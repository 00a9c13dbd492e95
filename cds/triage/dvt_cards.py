"""DVT pathway cards: dvt-likely, dvt-ddimer, dvt-outside-pathway.

Each card explains itself: the Wells table (criterion, points, finding, evidence), what was not
documented and whether documenting it could change the decision, the alternative-diagnosis
"with and without -2" values, the D-dimer with unit and cut-off, and the NG158 next steps.
"""

from __future__ import annotations

from cards import markdown as md
from cards import summaries
from cards.builders import build_card, create_action, suggestion
from cards.fhir_orders import OrderKind
from cards.models import Card, Indicator, Link, Suggestion
from cards.overrides import DVT_REASONS
from cards.topics import Topic
from cds.triage.context import Context
from cds.triage.ddimer import DDimerAssessment
from cds.triage.features_view import feature_evidence, readable, references, short
from cds.triage.pathway import DvtStatus
from cds.triage.thresholds import (
    DDIMER_WITHIN_HOURS,
    REPEAT_SCAN_DAYS,
    SCAN_DEFERRED_WITHIN_HOURS,
    SCAN_WITHIN_HOURS,
    WELLS_LIKELY_MIN,
)
from cds.triage.wells import WellsResult
from fhir_mappings.features import FeatureName, State

NG158_SOURCES = (
    ("NICE NG158", "https://www.nice.org.uk/guidance/ng158/chapter/Recommendations"),
    ("NICE QS201 statement 3", "https://www.nice.org.uk/guidance/qs201"),
)
STATE_TEXT = {State.PRESENT: "present", State.ABSENT: "absent", State.UNKNOWN: "not documented"}


def wells_rows(wells: WellsResult) -> list[md.WellsRow]:
    rows = [
        md.WellsRow(c.label, c.points, STATE_TEXT[c.state], c.scored, c.note)
        for c in wells.criteria
    ]
    alt_points = -2
    if wells.alternative_applied:
        kinds = ", ".join(a.kind.replace("_", " ") for a in wells.alternative_applied)
        ev = "; ".join(a.evidence.reference for a in wells.alternative_applied)
        rows.append(
            md.WellsRow(
                f"Alternative diagnosis at least as likely ({kinds})",
                alt_points,
                "asserted by a clinician",
                alt_points,
                ev,
            )
        )
    else:
        kinds = ", ".join(a.kind.replace("_", " ") for a in wells.alternative_candidates)
        state = f"recorded, not asserted ({kinds})" if kinds else "not asserted"
        rows.append(
            md.WellsRow(
                "Alternative diagnosis at least as likely",
                alt_points,
                state,
                0,
                "clinician judgement",
            )
        )
    for alt in wells.alternative_other_leg:
        side = alt.evidence.laterality.value if alt.evidence.laterality else "other"
        rows.append(
            md.WellsRow(
                f"Alternative diagnosis on the {side} leg ({alt.kind.replace('_', ' ')})",
                alt_points,
                "other leg: not applied",
                0,
                alt.evidence.reference,
            )
        )
    if wells.homans is not None:
        rows.append(
            md.WellsRow(
                "Pain on dorsiflexion (Homans' sign): not a Wells criterion",
                0,
                STATE_TEXT[wells.homans.state],
                0,
                feature_evidence(wells.homans),
            )
        )
    return rows


def wells_section(wells: WellsResult) -> str:
    leg = f" on the {wells.leg.value} leg" if wells.leg is not None else ""
    version = "2003 (NICE NG158)" if wells.version == "2003" else "1997"
    head = (
        f"Wells DVT {version}{leg}: documented score **{wells.minimum}**, possible maximum "
        f"**{wells.maximum}** (likely ≥ {WELLS_LIKELY_MIN}, unlikely ≤ {WELLS_LIKELY_MIN - 1})."
    )
    parts = [head, md.wells_table(wells_rows(wells))]
    if wells.unknown:
        names = ", ".join(c.label for c in wells.unknown)
        change = (
            "Documenting them **could change** the decision."
            if wells.unknown_could_change
            else "Documenting them would not change the decision."
        )
        parts.append(f"Not documented: {names}. {change}")
    if wells.alternative_candidates and not wells.alternative_applied:
        alt = wells.score_text_if_alternative
        flip = (
            " **This would change DVT likely to DVT unlikely.**" if wells.alternative_flips else ""
        )
        parts.append(
            f"An alternative diagnosis is recorded but no clinician asserted it for this episode, "
            "so −2 is not applied. If judged at least as likely as DVT, Wells would be "
            f"{alt}.{flip}"
            " Baker's cyst, cellulitis and superficial thrombophlebitis can coexist with DVT."
        )
    if wells.homans is not None:
        parts.append(
            "Pain on dorsiflexion (Homans' sign) adds no points, and its absence never lowers "
            "suspicion: the sign is neither sensitive nor specific (sensitivity 10–54%) and is "
            "not part of the Wells score (NICE NG158)."
        )
    if wells.version == "1997":
        parts.append(f"1997 three-level category of the documented score: {wells.three_level}.")
    return md.join_sections(*parts)


def ddimer_section(ddimer: DDimerAssessment) -> str:
    lines: list[str] = []
    if ddimer.result is not None:
        r = ddimer.result
        when = r.time.date().isoformat() if r.time else "time unknown"
        verdict = {"positive": "positive", "negative": "negative"}.get(
            ddimer.status, "negative (preliminary)"
        )
        lines.append(
            f"D-dimer {ddimer.value_text()} using {ddimer.cutoff_basis}; sent as "
            f"{r.original}, taken {when} ({r.evidence.reference}): **{verdict}**."
        )
    else:
        lines.append("No D-dimer that counts for this episode.")
    for result, why in ddimer.ignored:
        lines.append(f"Not counted: {result.original} ({result.evidence.reference}): {why}.")
    lines.extend(ddimer.notes)
    return md.bullets(lines)


def _steps(status: DvtStatus) -> list[str]:
    assert status.wells is not None
    if status.urgent_flags or status.wells.decision == "likely":
        return [
            f"Proximal leg vein ultrasound with the result within {SCAN_WITHIN_HOURS} h; "
            "D-dimer as well if the scan is negative.",
            f"If the scan cannot be had within {SCAN_WITHIN_HOURS} h: take a D-dimer, start "
            "interim "
            f"therapeutic anticoagulation, and scan within {SCAN_DEFERRED_WITHIN_HOURS} h.",
            "Scan negative and D-dimer positive: stop interim anticoagulation and repeat the "
            f"scan {REPEAT_SCAN_DAYS[0]}–{REPEAT_SCAN_DAYS[1]} days later.",
        ]
    if (
        status.anticoagulated
        and status.ddimer is not None
        and not (status.ddimer.positive or status.ddimer.rules_out)
    ):
        return [
            "Anticoagulation has started or is current: a D-dimer taken now may read falsely low "
            "and cannot rule DVT out (NICE NG158 2020 update).",
            f"Proximal leg vein ultrasound with the result within {SCAN_WITHIN_HOURS} h "
            f"(within {SCAN_DEFERRED_WITHIN_HOURS} h if interim anticoagulation continues).",
        ]
    return [
        f"D-dimer with the result within {DDIMER_WITHIN_HOURS} h (before any anticoagulation); "
        "interim anticoagulation if the result will take longer.",
        f"Positive: proximal leg vein ultrasound within {SCAN_WITHIN_HOURS} h "
        f"(or interim anticoagulation and a scan within {SCAN_DEFERRED_WITHIN_HOURS} h).",
        "Negative with Wells ≤ 1: DVT unlikely; consider other causes and safety-net the patient.",
    ]


def _summary_and_topic(status: DvtStatus) -> tuple[Topic, Indicator, str]:
    wells = status.wells
    ddimer = status.ddimer
    assert wells is not None and ddimer is not None
    score = wells.score_text
    n_unknown = len(wells.unknown)
    if status.urgent_flags:
        flag = short(status.urgent_flags[0].name)
        return Topic.DVT_LIKELY, "critical", summaries.sudden_swelling(flag, score)
    if wells.decision == "likely":
        alt = wells.score_text_if_alternative
        if wells.alternative_flips and alt is not None:
            return Topic.DVT_LIKELY, "warning", summaries.dvt_likely_alternative(score, alt)
        return Topic.DVT_LIKELY, "warning", summaries.dvt_likely(score)
    if status.anticoagulated and (ddimer.status != "positive") and not ddimer.rules_out:
        return Topic.DVT_DDIMER, "warning", summaries.ddimer_unreliable(score)
    if ddimer.status == "positive":
        value = ddimer.value_text().split(" (cut-off")[0]
        return Topic.DVT_DDIMER, "warning", summaries.ddimer_positive(value, score)
    if ddimer.status == "negative-preliminary":
        return Topic.DVT_DDIMER, "warning", summaries.ddimer_preliminary(score)
    if wells.decision == "unlikely":
        return Topic.DVT_DDIMER, "warning", summaries.ddimer_needed(score)
    if ddimer.status == "negative":
        return Topic.DVT_DDIMER, "warning", summaries.ddimer_negative_undetermined(score, n_unknown)
    return Topic.DVT_DDIMER, "warning", summaries.ddimer_needed_undetermined(score, n_unknown)


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
    if next_test is OrderKind.ULTRASOUND and "ultrasound" not in ordered:
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
    needs_ddimer = (
        status.ddimer is not None and status.ddimer.status == "none" and not status.anticoagulated
    )
    if (next_test is OrderKind.DDIMER or needs_ddimer) and "ddimer" not in ordered:
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


def pathway_card(ctx: Context, status: DvtStatus) -> Card | None:
    """The one DVT card for a patient in the NG158 pathway (None when DVT is excluded)."""
    if not status.in_pathway or status.excluded or status.wells is None or status.ddimer is None:
        return None
    topic, indicator, summary = _summary_and_topic(status)
    triggers = ", ".join(f"{readable(f.name)}" for f in status.triggers)
    detail = md.join_sections(
        f"Current leg findings: {triggers}.",
        md.bullets(f"{readable(f.name)}: {feature_evidence(f)}" for f in status.urgent_flags),
        wells_section(status.wells),
        md.section("D-dimer", ddimer_section(status.ddimer)),
        md.section("Next steps (NICE NG158)", md.bullets(_steps(status))),
        "Never start physiotherapy, massage or compression while DVT is not excluded.",
        "Pregnancy status is not documented: NICE NG158 does not cover pregnancy or the "
        "postpartum period."
        if status.pregnancy_unknown
        else "",
        md.sources(NG158_SOURCES),
    )
    suggestions = _suggestions(ctx, status, topic)
    return build_card(
        hook_instance=ctx.hook_instance,
        topic=topic,
        indicator=indicator,
        summary=summary,
        detail=detail,
        source_url=ctx.options.source_url,
        suggestions=suggestions,
        selection_behavior="any",
        override_reasons=DVT_REASONS,
        links=[
            Link(
                label="NICE NG158: venous thromboembolic diseases",
                url=NG158_SOURCES[0][1],
                type="absolute",
            )
        ],
    )


def outside_pathway_card(ctx: Context, status: DvtStatus) -> Card | None:
    if not status.triggered or not status.outside_reasons or status.known_dvt is not None:
        return None
    age = ctx.fs.age_years
    if "pregnancy" in status.outside_reasons:
        summary = summaries.outside_pregnancy()
        why = "NICE NG158 does not cover pregnant women (S3b); Wells and D-dimer are not validated."
    else:
        summary = summaries.outside_age(age if age is not None else 0)
        why = "NICE NG158 covers adults aged 18 and over (S3b)."
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
    return build_card(
        hook_instance=ctx.hook_instance,
        topic=Topic.DVT_OUTSIDE_PATHWAY,
        indicator="warning",
        summary=summary,
        detail=detail,
        source_url=ctx.options.source_url,
        override_reasons=DVT_REASONS,
        links=[Link(label="NICE NG158 scope", url=NG158_SOURCES[0][1], type="absolute")],
    )
