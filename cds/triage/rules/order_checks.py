"""Order-entry prompts (order-select, order-sign): catch orders that do harm while DVT is live.

- Physiotherapy, massage or compression for calf pain while DVT is likely or not yet excluded:
  warn and offer the NG158 test instead (delete the draft and create the test), or the test
  alongside the order.
- An NSAID while DVT is not excluded: the reason is bleeding risk (docs/clinical-basis.md §1.15,
  S34): now with an anticoagulant on record, with the treatment of a DVT or PE on record, else if
  anticoagulation starts for a confirmed DVT. So the analgesia choice stays with the clinician
  (paracetamol suggested in words) and the recommended option only adds the NG158 test; removing
  the NSAID is offered, never the default. A test already among the drafts is not asked for
  again: the card says to wait for it.
- A preliminary negative D-dimer on record: the test is done, so the prompt says its final result
  is awaited (DVT not excluded yet) and offers no new D-dimer.
- A D-dimer for a patient whose Wells score says "likely": NG158 sends them to ultrasound (the
  D-dimer only matters if the scan is negative or delayed), so suggest adding the scan.

order-select looks at the selected drafts only (context.selections); order-sign at all drafts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal

from cards import markdown as md
from cards.builders import create_action, delete_action, suggestion
from cards.models import Action, Card, Link, Suggestion
from cards.topics import Topic
from cds.hooks import HookName
from cds.triage import pathway
from cds.triage.context import Context
from cds.triage.dvt_steps import anticoagulant_record
from cds.triage.features_view import readable, references
from cds.triage.order_codes import OrderKind
from cds.triage.override_reasons import (
    ALREADY_ANTICOAGULATED,
    ALTERNATIVE_CONFIRMED,
    DVT_ALREADY_EXCLUDED,
    PATIENT_DECLINED,
)
from cds.triage.pathway import NG158_SOURCES, DvtStatus
from cds.triage.rule import Rule
from cds.triage.thresholds import DDIMER_WITHIN_HOURS, SCAN_WITHIN_HOURS
from fhir_mappings.features import DraftOrder

TOPIC: Final = Topic(
    "dvt-order-check", "Order check while DVT is not excluded", "NICE NG158 (DVT not excluded)"
)
OVERRIDE_REASONS: Final = (
    DVT_ALREADY_EXCLUDED,
    ALREADY_ANTICOAGULATED,
    ALTERNATIVE_CONFIRMED,
    PATIENT_DECLINED,
)
# An anticoagulant is the reason an NSAID is risky, never a reason to go ahead with one.
NSAID_OVERRIDE_REASONS: Final = tuple(r for r in OVERRIDE_REASONS if r != ALREADY_ANTICOAGULATED)
READS: Final = frozenset({*pathway.READS, "draft_orders"})

RISKY_KINDS: Final = ("physiotherapy", "massage", "compression", "nsaid")
TEST_WORDS: Final[dict[str, str]] = {
    OrderKind.ULTRASOUND: "proximal leg vein ultrasound",
    OrderKind.DDIMER: "D-dimer",
}
# Each kind of draft order as it reads inside a sentence: an acronym keeps its capitals.
ORDER_WORDS: Final[dict[str, str]] = {
    "physiotherapy": "physiotherapy",
    "massage": "massage",
    "compression": "compression",
    "nsaid": "NSAID",
    **TEST_WORDS,
}
# The test in a summary, short enough to keep the summary whole.
SHORT_TEST_WORDS: Final = {OrderKind.ULTRASOUND: "ultrasound", OrderKind.DDIMER: "D-dimer"}

Problem = Literal["not-excluded", "ddimer-when-likely"]
NsaidStep = Literal["add", "drafted", "first", "awaited"]
# Why a risky order waits when the D-dimer that counts is a preliminary negative.
AWAITING_FINAL: Final = (
    "the D-dimer on record is negative but preliminary: its final result is awaited (no new "
    "D-dimer)"
)


def summary_not_excluded(order: str, action: str) -> str:
    return f"{order} ordered while DVT is not excluded: {action} first (NICE NG158)"


def summary_awaiting_final(order: str) -> str:
    return (
        f"{order} ordered while DVT is not excluded: D-dimer preliminary, await the final result "
        "(NICE NG158)"
    )


def order_words(kind: str) -> str:
    return ORDER_WORDS.get(kind, kind)


def sentence_start(words: str) -> str:
    return words[:1].upper() + words[1:]


def summary_nsaid(risk: str, action: str, step_kind: NsaidStep) -> str:
    """The NSAID prompt: its bleeding risk (``nsaid_risk``), then add the test, wait for the
    drafted one, or do the named step first."""
    step = {
        "add": f", add the {action}",
        "drafted": f" until the drafted {action} is back",
        "first": f", {action} first",
        "awaited": f" until {action} is back",
    }[step_kind]
    return f"{risk}; consider paracetamol{step}"


NSAID_INTERACTION: Final = (
    "an NSAID taken with an anticoagulant raises the risk of bleeding (BNF interactions; NICE "
    "CKS, NSAIDs: prescribing issues). The choice of analgesia stays with you: paracetamol is an "
    "option"
)


def nsaid_risk(status: DvtStatus, anticoagulant: str) -> tuple[str, str]:
    """(the summary's words, the detail's sentences) for an NSAID's bleeding risk: now when an
    anticoagulant is current, with the treatment of a clot on record, else if anticoagulation
    starts because DVT is confirmed. ``anticoagulant`` cites the record of a current one."""
    if status.anticoagulated:
        return (
            "NSAID on current anticoagulation: bleeding risk now",
            f"Anticoagulation is current: {anticoagulant}. {sentence_start(NSAID_INTERACTION)}.",
        )
    clot = "DVT" if status.known_dvt is not None else "PE" if status.known_pe is not None else ""
    if clot:
        return (
            f"NSAID with a {clot} on record: bleeding risk with its anticoagulation",
            f"The {clot} on record is treated with anticoagulation, and {NSAID_INTERACTION}.",
        )
    return (
        "NSAID while DVT is not excluded: bleeding risk if anticoagulation starts",
        f"If DVT is confirmed, anticoagulation starts, and {NSAID_INTERACTION} while DVT is being "
        "excluded.",
    )


def summary_ddimer_when_likely(score: str) -> str:
    return (
        f"D-dimer ordered but DVT likely (Wells {score}): order a proximal leg vein ultrasound too"
    )


@dataclass(frozen=True, slots=True)
class OrderFinding:
    order: DraftOrder
    problem: Problem
    test: OrderKind | None  # the NG158 test to do first, if the pathway names one


def active_orders(orders: list[DraftOrder], hook: HookName) -> list[DraftOrder]:
    if hook == "order-sign":
        return list(orders)
    if hook == "order-select":
        return [o for o in orders if o.selected]
    return []


def check_orders(orders: list[DraftOrder], hook: HookName, status: DvtStatus) -> list[OrderFinding]:
    """Pure: which draft orders need a prompt, given where the patient is on the pathway."""
    findings: list[OrderFinding] = []
    drafts = active_orders(orders, hook)
    all_kinds = {o.kind for o in orders}
    likely = (
        status.in_pathway
        and status.wells is not None
        and (status.wells.decision == "likely" or bool(status.urgent_flags))
    )
    for order in drafts:
        if order.kind in RISKY_KINDS and status.not_excluded:
            findings.append(OrderFinding(order, "not-excluded", status.next_test))
        elif order.kind == "ddimer" and likely and "ultrasound" not in all_kinds:
            findings.append(OrderFinding(order, "ddimer-when-likely", OrderKind.ULTRASOUND))
    return findings


def _test_action(ctx: Context, finding: OrderFinding, status: DvtStatus) -> Action | None:
    if finding.test is None:
        return None
    if finding.test.value in {o.kind for o in ctx.fs.draft_orders}:
        return None  # already being ordered
    refs = references(status.triggers)
    leg = status.wells.leg.value if status.wells is not None and status.wells.leg else None
    within = SCAN_WITHIN_HOURS if finding.test is OrderKind.ULTRASOUND else DDIMER_WITHIN_HOURS
    resource = ctx.order(
        finding.test,
        refs,
        role="order-check",  # the same test resource across cards
        priority="stat",
        laterality=leg if finding.test is OrderKind.ULTRASOUND else None,
        note=f"Result needed within {within} h (NICE NG158).",
        reason_text="Suspected DVT (NICE NG158)",
    )
    return create_action(f"Create a draft {TEST_WORDS[finding.test]} order", resource)


def order_card(ctx: Context, finding: OrderFinding, status: DvtStatus, index: int) -> Card:
    order = finding.order
    test_action = _test_action(ctx, finding, status)
    score = status.wells.score_text if status.wells is not None else "not scored"
    topic = TOPIC
    suggestions: list[Suggestion] = []
    if finding.problem == "ddimer-when-likely":
        summary = summary_ddimer_when_likely(score)
        why = (
            f"Wells {score} means DVT likely: NG158 asks for a proximal leg vein ultrasound with "
            f"the result within {SCAN_WITHIN_HOURS} h; the D-dimer is for a negative scan or "
            "when the scan is delayed (then before interim anticoagulation)."
        )
        if test_action is not None:
            suggestions.append(
                suggestion(
                    ctx.hook_instance,
                    topic,
                    index,
                    0,
                    "Add a proximal leg vein ultrasound (keep the D-dimer)",
                    [test_action],
                    recommended=True,
                )
            )
    else:
        kind = order_words(order.kind)
        awaiting = status.awaiting_final_ddimer
        if finding.test is not None:
            action_words = TEST_WORDS[finding.test]
        elif status.child is not None and status.child.examination_only:
            action_words = "the leg examination"  # it decides whether DVT is suspected at all
        elif status.outside_reasons:
            action_words = "specialist assessment"
        elif status.known_dvt is not None:
            action_words = "treatment of the DVT"
        elif status.known_pe is not None:
            action_words = "treatment of the PE"
        elif awaiting:
            action_words = "the final D-dimer result"
        else:
            action_words = "completing the Wells score"
        summary = summary_not_excluded(sentence_start(kind), action_words)
        reason = f"NICE NG158 asks for {action_words} first"
        if awaiting:
            summary = summary_awaiting_final(sentence_start(kind))
            reason = AWAITING_FINAL
        why = (
            f"{sentence_start(kind)} for calf pain before DVT is excluded treats a symptom of a "
            f"possibly undiagnosed DVT; {reason}."
        )
        delete = delete_action(f"Remove the draft {kind} order", order.reference)
        if order.kind == "nsaid":
            risk, risk_why = nsaid_risk(status, anticoagulant_record(ctx.fs))
            drafted = finding.test is not None and test_action is None
            if awaiting:
                summary = summary_nsaid(risk, action_words, "awaited")
            elif finding.test is None:
                summary = summary_nsaid(risk, action_words, "first")
            elif drafted:
                summary = summary_nsaid(risk, SHORT_TEST_WORDS[finding.test], "drafted")
            else:
                summary = summary_nsaid(risk, action_words, "add")
            asks = f"{action_words}, already among the draft orders" if drafted else action_words
            if status.known_clot is not None:
                why = risk_why  # the summary names the clot's treatment as the step first
            elif awaiting:
                why = f"{risk_why} DVT is not excluded yet; {AWAITING_FINAL}."
            else:
                why = f"{risk_why} DVT is not excluded yet: NICE NG158 asks for {asks}."
            if test_action is not None:
                suggestions.append(
                    suggestion(
                        ctx.hook_instance,
                        topic,
                        index,
                        0,
                        f"Keep the analgesia choice and add {action_words}",
                        [test_action],
                        recommended=True,
                    )
                )
            remove = [delete, test_action] if test_action is not None else [delete]
            suggestions.append(
                suggestion(
                    ctx.hook_instance,
                    topic,
                    index,
                    len(suggestions),
                    "Remove the NSAID order" + (f" and add {action_words}" if test_action else ""),
                    remove,
                )
            )
            return _card(ctx, finding, status, index, summary, why, suggestions)
        replace = [delete, test_action] if test_action is not None else [delete]
        label = f"Replace with {action_words}" if test_action is not None else "Remove the order"
        suggestions.append(
            suggestion(ctx.hook_instance, topic, index, 0, label, replace, recommended=True)
        )
        if test_action is not None:
            suggestions.append(
                suggestion(
                    ctx.hook_instance,
                    topic,
                    index,
                    1,
                    f"Keep the order and add {action_words}",
                    [test_action],
                )
            )
    return _card(ctx, finding, status, index, summary, why, suggestions)


def _card(
    ctx: Context,
    finding: OrderFinding,
    status: DvtStatus,
    index: int,
    summary: str,
    why: str,
    suggestions: list[Suggestion],
) -> Card:
    order = finding.order
    score = status.wells.score_text if status.wells is not None else "not scored"
    concept = (
        order.concept.display
        if order.concept and order.concept.display
        else order_words(order.kind)
    )
    findings = ", ".join(readable(f.name) for f in status.triggers) or "current DVT"
    detail = md.join_sections(
        f"Draft order: {concept} ({order.reference}).",
        f"Leg findings: {findings}. Wells: {score}.",
        why,
        md.sources(NG158_SOURCES[:1]),
    )
    return ctx.card(
        topic=TOPIC,
        indicator="warning",
        summary=summary,
        detail=detail,
        index=index,
        suggestions=suggestions,
        selection_behavior="at-most-one",
        override_reasons=NSAID_OVERRIDE_REASONS if order.kind == "nsaid" else OVERRIDE_REASONS,
        links=[Link(label="NICE NG158", url=NG158_SOURCES[0][1], type="absolute")],
    )


def cards(ctx: Context) -> Iterable[Card | None]:
    status = ctx.dvt
    checks = check_orders(ctx.fs.draft_orders, ctx.hook, status)
    return [order_card(ctx, check, status, i) for i, check in enumerate(checks)]


RULE: Final = Rule(
    name="order-checks", kind="order-check", topics=(TOPIC,), reads=READS, cards=cards
)
