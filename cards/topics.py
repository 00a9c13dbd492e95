"""Card topics: the contract other systems (feedback reports, logs, EHR routing) rely on.

Each card carries ``source.topic``, a Coding from our own code system, so a consumer can tell what
a card is about without parsing its text. Each rule declares its own topics; a published code is
never renamed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from cards.models import Card, Coding

TOPIC_SYSTEM: Final = "https://calf-triage.example.org/fhir/CodeSystem/card-topic"


@dataclass(frozen=True, slots=True)
class Topic:
    """One code of our card-topic code system."""

    code: str
    display: str
    # What the card's advice rests on, shown as its source.label ("NICE NG59", ...).
    basis: str = ""

    def coding(self) -> Coding:
        return Coding(system=TOPIC_SYSTEM, code=self.code, display=self.display)


def card_topic(card: Card) -> str | None:
    """The topic code of a card, for logs and feedback summaries (None if not ours)."""
    topic = card.source.topic
    if topic is None or topic.system != TOPIC_SYSTEM:
        return None
    return topic.code
