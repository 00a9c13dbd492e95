"""The triage engine: red-flag gates, then the DVT pathway, then order checks or MSK guidance.

Order matters and is fixed here (CLINICAL.md §1.10): red flags first, whatever any score says;
the NG158 pathway next; musculoskeletal guidance only when DVT is excluded (or was never a
possibility) and no red flag fired. The final guard enforces the contract of issue 4: a
response never carries ``physio-referral`` with ``dvt-likely``, ``dvt-ddimer`` or a critical topic.

A red-flag card never hides the pathway card: the emergency team still needs the DVT answer.

Per hook: ``patient-view`` gets gates, the pathway card and MSK guidance; ``order-select`` and
``order-sign`` get gates and order prompts only (the chart view already carried the pathway).
Without a current leg complaint there are no cards, except a PE gate for a known DVT and order
prompts for a patient with a current DVT.
"""

from __future__ import annotations

from collections.abc import Sequence

from cards.models import Card
from cards.topics import PHYSIO_BLOCKING_TOPICS, Topic, card_topic
from cds.triage.context import Context
from cds.triage.dvt_cards import outside_pathway_card, pathway_card
from cds.triage.emergency_cards import red_flag_card
from cds.triage.features_view import dvt_triggers, leg_complaints
from cds.triage.msk import CrampRule, MskRule
from cds.triage.msk_cards import (
    achilles_card,
    cramp_card,
    muscle_strain_card,
    physio_card,
    sciatica_card,
)
from cds.triage.options import Hook, TriageOptions
from cds.triage.orders import check_orders, order_card
from cds.triage.pathway import DvtPathwayRule, DvtStatus
from cds.triage.red_flags import (
    CaudaEquinaGate,
    CompartmentSyndromeGate,
    PulmonaryEmbolismGate,
    RedFlag,
)
from fhir_mappings.features import Feature, FeatureSet


def gates(
    fs: FeatureSet,
    options: TriageOptions,
    leg_symptoms: bool,
    triggers: Sequence[Feature] | None = None,
) -> list[RedFlag]:
    """Red flags in order; ``triggers`` is ``dvt_triggers(fs, episode_days)`` if already known."""
    days = options.episode_days
    flags = [PulmonaryEmbolismGate(days).evaluate(fs, triggers=triggers)]
    if leg_symptoms:
        flags += [CaudaEquinaGate(days).evaluate(fs), CompartmentSyndromeGate(days).evaluate(fs)]
    return [flag for flag in flags if flag is not None]


def msk_cards(ctx: Context, status: DvtStatus) -> list[Card | None]:
    """Strain, cramp, sciatica and physiotherapy cards, only when DVT is not a live question."""
    options = ctx.options
    finding = MskRule(options.episode_days).evaluate(ctx.fs)
    cards: list[Card | None] = [achilles_card(ctx, finding)]
    if status.not_excluded or status.outside_reasons:
        return cards
    cramp = CrampRule(options.episode_days, options.lab_recent_days).evaluate(ctx.fs)
    cards += [
        muscle_strain_card(ctx, finding, status),
        cramp_card(ctx, cramp, status) if cramp is not None else None,
        sciatica_card(ctx, finding, status),
        physio_card(ctx, finding, status),
    ]
    return cards


def evaluate(
    fs: FeatureSet, *, hook: Hook, options: TriageOptions, hook_instance: str
) -> list[Card]:
    """All cards for one hook call. Pure: the same input gives the same cards."""
    ctx = Context(fs=fs, options=options, hook=hook, hook_instance=hook_instance)
    # The DVT triggers are read by the leg-complaint check, the pathway and the PE gate: once.
    triggers = dvt_triggers(fs, options.episode_days)
    leg_symptoms = bool(leg_complaints(fs, options.episode_days, triggers))
    status = DvtPathwayRule(options).evaluate(fs, triggers=triggers)
    flags = gates(fs, options, leg_symptoms, triggers)
    found: list[Card | None] = [red_flag_card(ctx, flag) for flag in flags]
    if hook == "patient-view":
        if leg_symptoms:
            found += [pathway_card(ctx, status), outside_pathway_card(ctx, status)]
            if not flags:
                found += msk_cards(ctx, status)
    else:
        checks = check_orders(fs.draft_orders, hook, status)
        found += [order_card(ctx, check, status, i) for i, check in enumerate(checks)]
    return enforce_contract([card for card in found if card is not None])


def enforce_contract(cards: list[Card]) -> list[Card]:
    """Drop physiotherapy referrals when DVT is not excluded or a critical card is present."""
    blocked = any(
        card.indicator == "critical" or card_topic(card) in PHYSIO_BLOCKING_TOPICS for card in cards
    )
    if not blocked:
        return cards
    return [card for card in cards if card_topic(card) != Topic.PHYSIO_REFERRAL]
