"""Card, suggestion and action builders with deterministic ids.

Ids are uuid5 of (hookInstance, topic, index): the same request gives the same cards, so golden
files are stable and feedback can be matched to what we sent. Nothing here reads a clock or RNG.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from typing import Any, Final

from cards.models import Action, Card, Indicator, Link, OverrideReason, Source, Suggestion
from cards.topics import CRITICAL_TOPICS, Topic, topic_coding

ID_NAMESPACE: Final = uuid.uuid5(uuid.NAMESPACE_URL, "https://calf-triage.example.org/cds")
SOURCE_LABEL: Final = "Calf pain triage (NICE NG158, Wells)"
SUMMARY_LIMIT: Final = 139  # the spec says "<140-character"


# SHA-1 state after hashing the namespace: uuid5(ns, name) is SHA-1(ns.bytes + name) (RFC 4122
# §4.3), so each id hashes only its name from a copy of this state.
_NAMESPACE_SHA1: Final = hashlib.sha1(ID_NAMESPACE.bytes, usedforsecurity=False)


def stable_id(hook_instance: str, *parts: object) -> str:
    """A uuid5 from the hook instance and the parts naming the thing (topic, index, role).

    Equal to ``str(uuid.uuid5(ID_NAMESPACE, name))``; computed by hand because ``uuid.UUID``
    construction and formatting cost twice the hash itself, and a request mints several ids.
    """
    digest = _NAMESPACE_SHA1.copy()
    digest.update("|".join([hook_instance, *map(str, parts)]).encode())
    raw = bytearray(digest.digest()[:16])
    raw[6] = (raw[6] & 0x0F) | 0x50  # version 5
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


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
        uuid=stable_id(hook_instance, topic.value, card_index, "suggestion", number),
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
    source_url: str,
    index: int = 0,
    suggestions: Sequence[Suggestion] = (),
    selection_behavior: str = "at-most-one",
    override_reasons: Sequence[OverrideReason] = (),
    links: Sequence[Link] = (),
) -> Card:
    """A validated card; critical topics are always `critical`."""
    if topic in CRITICAL_TOPICS:
        indicator = "critical"
    return Card.model_validate(
        {
            "uuid": stable_id(hook_instance, topic.value, index),
            "summary": fit_summary(summary),
            "detail": detail,
            "indicator": indicator,
            "source": Source(label=SOURCE_LABEL, url=source_url, topic=topic_coding(topic)),
            "suggestions": list(suggestions) or None,
            "selectionBehavior": selection_behavior if suggestions else None,
            "overrideReasons": list(override_reasons) or None,
            "links": list(links) or None,
        }
    )
