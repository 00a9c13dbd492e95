"""Runs a hook's rules and applies the checks that span the whole response.

- A red flag silences the guidance rules: emergency care first, no self-care advice beside it.
- A rule's card is withdrawn when another card of the response matches its ``withdrawn_beside``
  test (a physiotherapy referral never travels with a live DVT card or a critical card; the DVT
  D-dimer card gives way to the PE work-up).
- Cards come in order of severity (critical, warning, info); among critical cards, the picture
  the record supports most strongly first (``Rule.support``); otherwise in rule order.
Pure: the same input gives the same cards.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

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
    kept = [(rule, card) for rule, card in produced if not _withdrawn(rule, card, produced)]
    strength: dict[str, int] = {}
    for rule, card in kept:
        if rule.support is not None and card.indicator == "critical":
            strength[rule.name] = rule.support(ctx)
    ordered = sorted(
        kept,
        key=lambda item: (SEVERITY[item[1].indicator], -strength.get(item[0].name, 0)),
    )
    return [card for _, card in ordered]


SEVERITY: Final = {"critical": 0, "warning": 1, "info": 2}


def _withdrawn(rule: Rule, card: Card, produced: list[tuple[Rule, Card]]) -> bool:
    test = rule.withdrawn_beside
    return test is not None and any(test(card, other) for _, other in produced if other is not card)
