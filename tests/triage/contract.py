"""Checks every produced card against the CDS Hooks card contract and our topic contract."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.servicerequest import ServiceRequest

from cards.models import Card, CdsResponse
from cards.topics import TOPIC_SYSTEM
from cds import triage
from cds.triage.rules import physio_referral
from tests.clinical.chart import PATIENT

ALL_TOPICS = {t.code for t in triage.topics()}


def check_cards(cards: list[Card], patient: str = PATIENT) -> None:
    # The whole response survives a JSON round trip through our pydantic models.
    payload = CdsResponse(cards=cards).to_json_dict()
    again = CdsResponse.model_validate(payload)
    assert len(again.cards) == len(cards)
    uuids = [c.uuid for c in cards]
    assert all(uuids) and len(set(uuids)) == len(uuids)
    topics = set()
    for card in again.cards:
        assert 0 < len(card.summary) < 140, card.summary
        assert card.detail and card.detail.strip()
        assert card.source.label and card.source.url
        assert card.source.topic is not None and card.source.topic.system == TOPIC_SYSTEM
        assert card.source.topic.code in ALL_TOPICS
        topics.add(card.source.topic.code)
        assert card.overrideReasons, "every card offers override reasons"
        assert all(reason.display for reason in card.overrideReasons)
        for link in card.links or []:
            assert link.type == "absolute" and link.url.startswith("https://")
        if card.suggestions:
            assert card.selectionBehavior in ("at-most-one", "any")
        for sugg in card.suggestions or []:
            assert sugg.uuid and sugg.label and sugg.actions
            for action in sugg.actions:
                assert action.description
                if action.type == "delete":
                    assert action.resourceId and "/" in action.resourceId
                    assert action.resource is None
                else:
                    assert action.resource is not None
                    check_resource(action.resource, patient)
    if topics & physio_referral.BLOCKED_BY or any(c.indicator == "critical" for c in cards):
        assert physio_referral.TOPIC.code not in topics


def check_resource(resource: dict[str, object], patient: str = PATIENT) -> None:
    kind = resource["resourceType"]
    model: Any = {"ServiceRequest": ServiceRequest, "MedicationRequest": MedicationRequest}[
        str(kind)
    ]
    parsed = model.model_validate(resource)
    assert parsed.status == "draft"
    assert parsed.intent == "order"
    assert parsed.subject.reference == patient
    assert parsed.code.coding and parsed.code.coding[0].system and parsed.code.coding[0].code
