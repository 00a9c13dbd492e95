"""Calf-pain triage: features in, CDS Hooks cards out.

One module per clinical rule in ``cds/triage/rules/``; ``RULES_BY_HOOK`` lists the rules each hook
runs. Public interface: ``evaluate(fs, hook=..., settings=..., hook_instance=...)``,
``RULES_BY_HOOK``, ``Rule``, ``reads(rules)``, ``topics()``, ``card_topic(card)``.
"""

from __future__ import annotations

from cards.topics import TOPIC_SYSTEM, Topic, card_topic
from cds.triage.evaluation import evaluate
from cds.triage.rule import Rule
from cds.triage.rules import RULES_BY_HOOK, reads, topics

__all__ = [
    "RULES_BY_HOOK",
    "TOPIC_SYSTEM",
    "Rule",
    "Topic",
    "card_topic",
    "evaluate",
    "reads",
    "topics",
]
