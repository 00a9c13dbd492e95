"""Calf-pain triage: features in, CDS Hooks cards out (issue 4).

Public interface (used by the protocol layer):
``evaluate(fs, hook=..., options=..., hook_instance=...)``, ``required_features(hook)``,
``required_data(hook)`` (FeatureSet fields besides features), ``TriageOptions``, ``Hook``,
``TOPIC_SYSTEM``, ``card_topic(card)``.
"""

from __future__ import annotations

from cards.topics import TOPIC_SYSTEM, Topic, card_topic
from cds.triage.engine import evaluate
from cds.triage.options import Hook, TriageOptions
from cds.triage.registry import required_data, required_features

__all__ = [
    "TOPIC_SYSTEM",
    "Hook",
    "Topic",
    "TriageOptions",
    "card_topic",
    "evaluate",
    "required_data",
    "required_features",
]
