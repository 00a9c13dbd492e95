"""Runs a hook's rules in order and applies the checks that span the whole response.

- A red flag silences the guidance rules: emergency care first, no self-care advice beside it.
- A rule's card is withdrawn when another card of the response matches its ``withdrawn_beside``
  test (a physiotherapy referral never travels with a live DVT card or a critical card).
Pure: the same input gives the same cards.
"""

from __future__ import annotations

from collections.abc import Sequence

from cards.models import Card
from cds.hooks import HookName
from cds.settings import Settings
from cds.triage.context import Context
from cds.triage.rule import Rule
from cds.triage.rules import RULES_BY_HOOK
from fhir_mappings.features import FeatureSet


def evaluate(
    fs: FeatureSet,
    *,
    hook: HookName,
    settings: Settings,
    hook_instance: str,
    rules: Sequence[Rule] | None = None,
) -> list[Card]:
    """All cards for one hook call, from ``rules`` (by default the hook's ``RULES_BY_HOOK``)."""
    ctx = Context(fs=fs, settings=settings, hook=hook, hook_instance=hook_instance)
    produced: list[tuple[Rule, Card]] = []
    red_flag = False
    for rule in RULES_BY_HOOK[hook] if rules is None else rules:
        if rule.kind == "guidance" and red_flag:
            continue
        cards = [card for card in rule.cards(ctx) if card is not None]
        red_flag = red_flag or (rule.kind == "red-flag" and bool(cards))
        produced += [(rule, card) for card in cards]
    return [card for rule, card in produced if not _withdrawn(rule, card, produced)]


def _withdrawn(rule: Rule, card: Card, produced: list[tuple[Rule, Card]]) -> bool:
    test = rule.withdrawn_beside
    return test is not None and any(test(other) for _, other in produced if other is not card)
