"""Card topics: the contract other systems (feedback reports, logs, EHR routing) rely on.

Each card carries ``source.topic``, a Coding from our own code system, so a consumer can tell what
a card is about without parsing its text. The codes are fixed by issue 4; never rename them.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from cards.models import Card, Coding

TOPIC_SYSTEM: Final = "https://calf-triage.example.org/fhir/CodeSystem/card-topic"


class Topic(StrEnum):
    PE_EMERGENCY = "pe-emergency"
    CAUDA_EQUINA = "cauda-equina"
    COMPARTMENT_SYNDROME = "compartment-syndrome"
    DVT_LIKELY = "dvt-likely"
    DVT_DDIMER = "dvt-ddimer"
    DVT_OUTSIDE_PATHWAY = "dvt-outside-pathway"
    MUSCLE_STRAIN = "muscle-strain"
    CRAMP = "cramp"
    SCIATICA = "sciatica"
    PHYSIO_REFERRAL = "physio-referral"
    DVT_ORDER_CHECK = "dvt-order-check"


TOPIC_DISPLAY: Final[dict[Topic, str]] = {
    Topic.PE_EMERGENCY: "Possible pulmonary embolism: emergency assessment",
    Topic.CAUDA_EQUINA: "Possible cauda equina syndrome: emergency referral",
    Topic.COMPARTMENT_SYNDROME: "Possible acute compartment syndrome: emergency assessment",
    Topic.DVT_LIKELY: "DVT likely: proximal leg vein ultrasound",
    Topic.DVT_DDIMER: "DVT not excluded: D-dimer or ultrasound per NICE NG158",
    Topic.DVT_OUTSIDE_PATHWAY: "Suspected DVT outside the NG158 pathway: specialist assessment",
    Topic.MUSCLE_STRAIN: "Calf muscle strain: self-care guidance",
    Topic.CRAMP: "Leg cramp: secondary causes",
    Topic.SCIATICA: "Sciatica: self-care and safety-netting",
    Topic.PHYSIO_REFERRAL: "Physiotherapy referral",
    Topic.DVT_ORDER_CHECK: "Order check while DVT is not excluded",
}

# Topics that always come with a `critical` indicator.
CRITICAL_TOPICS: Final = frozenset(
    {Topic.PE_EMERGENCY, Topic.CAUDA_EQUINA, Topic.COMPARTMENT_SYNDROME}
)
# A response carrying any of these never also carries `physio-referral` (issue 4).
PHYSIO_BLOCKING_TOPICS: Final = CRITICAL_TOPICS | {Topic.DVT_LIKELY, Topic.DVT_DDIMER}


def topic_coding(topic: Topic) -> Coding:
    return Coding(system=TOPIC_SYSTEM, code=topic.value, display=TOPIC_DISPLAY[topic])


def card_topic(card: Card) -> str | None:
    """The topic code of a card, for logs and feedback summaries (None if not ours)."""
    topic = card.source.topic
    if topic is None or topic.system != TOPIC_SYSTEM:
        return None
    return topic.code
