"""Card, suggestion and action builders with deterministic ids.

Ids are uuid5 of (hookInstance, topic, index): the same request gives the same cards, so golden
files are stable and feedback can be matched to what we sent. Nothing here reads a clock or RNG.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Final

from cards.models import Action, Card, Indicator, Link, OverrideReason, Source, Suggestion
from cards.topics import Topic

ID_NAMESPACE: Final = uuid.uuid5(uuid.NAMESPACE_URL, "https://calf-triage.example.org/cds")
SUMMARY_LIMIT: Final = 139  # the spec says "<140-character"


def stable_id(hook_instance: str, *parts: object) -> str:
    """A uuid5 from the hook instance and the parts naming the thing (topic, index, role)."""
    return str(uuid.uuid5(ID_NAMESPACE, "|".join([hook_instance, *map(str, parts)])))


def fit_summary(text: str) -> str:
    """Keep a summary under 140 characters, cutting at a word boundary if a value made it long."""
    text = " ".join(text.split())
    if len(text) <= SUMMARY_LIMIT:
        return text
    cut = text[: SUMMARY_LIMIT - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def create_action(description: str, resource: dict[str, Any]) -> Action:
    return Action(type="create", description=description, resource=resource)


def delete_action(description: str, resource_id: str) -> Action:
    """Delete a draft order by relative reference ("ServiceRequest/abc"), as the spec prefers."""
    return Action(type="delete", description=description, resourceId=resource_id)


def suggestion(
    hook_instance: str,
    topic: Topic,
    card_index: int,
    number: int,
    label: str,
    actions: Sequence[Action],
    *,
    recommended: bool | None = None,
) -> Suggestion:
    return Suggestion(
        label=label,
        uuid=stable_id(hook_instance, topic.code, card_index, "suggestion", number),
        isRecommended=recommended,
        actions=list(actions) or None,
    )


def build_card(
    *,
    hook_instance: str,
    topic: Topic,
    indicator: Indicator,
    summary: str,
    detail: str,
    source_label: str,
    source_url: str,
    index: int = 0,
    suggestions: Sequence[Suggestion] = (),
    selection_behavior: str = "at-most-one",
    override_reasons: Sequence[OverrideReason] = (),
    links: Sequence[Link] = (),
) -> Card:
    """A validated card whose ``source.topic`` names the topic."""
    return Card.model_validate(
        {
            "uuid": stable_id(hook_instance, topic.code, index),
            "summary": fit_summary(summary),
            "detail": detail,
            "indicator": indicator,
            "source": Source(label=source_label, url=source_url, topic=topic.coding()),
            "suggestions": list(suggestions) or None,
            "selectionBehavior": selection_behavior if suggestions else None,
            "overrideReasons": list(override_reasons) or None,
            "links": list(links) or None,
        }
    )
