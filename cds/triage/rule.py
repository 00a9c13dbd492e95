"""A rule: what it reads, which topics it may show, and how it turns a call into cards.

Each clinical rule is one module under ``cds/triage/rules/`` that ends with ``RULE = Rule(...)``;
``cds/triage/rules/__init__.py`` lists the rules each hook runs. The engine runs them in that
order and discovery derives each service's prefetch from the union of their ``reads``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

from cards.models import Card
from cards.topics import Topic
from cds.triage.context import Context

# red-flag: an emergency picture; shown first, and it silences the guidance rules.
# assessment: where the patient stands on a pathway (the DVT cards).
# guidance: self-care and referral advice, only when no red flag fired.
# order-check: prompts about draft orders (order-select, order-sign).
Kind = Literal["red-flag", "assessment", "guidance", "order-check"]


@dataclass(frozen=True)
class Rule:
    name: str
    kind: Kind
    topics: tuple[Topic, ...]
    # Feature names (``FeatureName`` values) and the FeatureSet fields besides features
    # (``ddimers``, ``labs``, ``alternatives``, ``draft_orders``, ...) the rule reads, including
    # what the shared findings it uses read (``Context.dvt`` reads ``pathway.READS``).
    reads: frozenset[str]
    cards: Callable[[Context], Iterable[Card | None]]
    # ``withdrawn_beside(card, other)``: this rule's ``card`` is withdrawn when ``other``, another
    # card of the same response, contradicts or supersedes it.
    withdrawn_beside: Callable[[Card, Card], bool] | None = field(default=None)
    # How strongly the record supports this rule's picture (its number of findings): orders the
    # critical cards when several emergencies fire.
    support: Callable[[Context], int] | None = field(default=None)
