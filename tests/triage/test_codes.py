"""The codes the rules publish: card topics, override reasons, and the orders they create."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.servicerequest import ServiceRequest

from cards.models import OverrideReason
from cds import triage
from cds.triage import override_reasons
from cds.triage.context import Context
from cds.triage.order_codes import ORDER_CODES, OrderKind
from tests.clinical.chart import fs
from tests.clinical.chart import settings as make_settings

NON_ADHERENCE = (
    Path(__file__).resolve().parents[1]
    / "data"
    / "cds-hooks"
    / "hl7-cds-hooks-main"
    / "CodeSystem-non-adherence-reason-codes.json"
)
# Published topic codes: consumers route and count cards by them, so none may disappear.
PUBLISHED_TOPICS = {
    "pe-emergency",
    "cauda-equina",
    "compartment-syndrome",
    "dvt-likely",
    "dvt-ddimer",
    "dvt-outside-pathway",
    "muscle-strain",
    "cramp",
    "sciatica",
    "physio-referral",
    "dvt-order-check",
}


def test_published_topic_codes_are_still_served() -> None:
    assert PUBLISHED_TOPICS <= {topic.code for topic in triage.topics()}
    assert all(topic.display for topic in triage.topics())


def test_hl7_override_reasons_match_the_published_code_system() -> None:
    system = json.loads(NON_ADHERENCE.read_text())
    displays: dict[str, str] = {}

    def walk(concepts: list[dict[str, object]]) -> None:
        for concept in concepts:
            displays[str(concept["code"])] = str(concept["display"])
            walk(concept.get("concept", []))  # type: ignore[arg-type]

    walk(system["concept"])
    assert system["url"] == override_reasons.NON_ADHERENCE_SYSTEM
    ours = [v for v in vars(override_reasons).values() if isinstance(v, OverrideReason)]
    assert len(ours) >= 6
    for reason in ours:
        assert reason.display
        if reason.system == override_reasons.NON_ADHERENCE_SYSTEM:
            assert displays[reason.code] == reason.display


@pytest.mark.parametrize("kind", list(OrderKind))
def test_every_order_is_a_valid_r4_draft_service_request(kind: OrderKind) -> None:
    ctx = Context(fs=fs(), settings=make_settings(), hook="patient-view", hook_instance="h")
    resource = ctx.order(kind, ["Observation/1"], role="test", laterality="right")
    parsed: Any = ServiceRequest.model_validate(resource)
    assert (parsed.status, parsed.intent) == ("draft", "order")
    assert parsed.subject.reference == "Patient/p1"
    coding = parsed.code.coding[0]
    assert (coding.system, coding.code) == (ORDER_CODES[kind].system, ORDER_CODES[kind].code)


def test_order_codes_are_the_cited_ones() -> None:
    assert ORDER_CODES[OrderKind.DDIMER].code == "48065-7"  # docs/clinical-basis.md §2.3
    assert ORDER_CODES[OrderKind.ULTRASOUND].code == "30881-7"
    assert ORDER_CODES[OrderKind.ULTRASOUND].body_site == ("61685007", "Lower limb structure")
    assert ORDER_CODES[OrderKind.PHYSIOTHERAPY].code == "308447003"
    assert ORDER_CODES[OrderKind.ELECTROLYTES].code == "24326-1"
