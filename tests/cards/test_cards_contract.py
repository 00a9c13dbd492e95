"""Card building blocks: topics, override reasons, ids, summaries, Markdown, FHIR orders."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.servicerequest import ServiceRequest

from cards import overrides
from cards.builders import build_card, fit_summary, stable_id
from cards.fhir_orders import ORDER_CODES, OrderKind, reason_references, service_request
from cards.markdown import WellsRow, cell, wells_table
from cards.models import Card, OverrideReason, Source
from cards.topics import TOPIC_SYSTEM, Topic, card_topic, topic_coding

NON_ADHERENCE = (
    Path(__file__).resolve().parents[1]
    / "data"
    / "cds-hooks"
    / "hl7-cds-hooks-main"
    / "CodeSystem-non-adherence-reason-codes.json"
)


def test_topic_codes_are_exactly_the_issue_contract() -> None:
    assert {t.value for t in Topic} == {
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
    assert TOPIC_SYSTEM.startswith("https://")


def test_card_topic_reads_only_our_system() -> None:
    card = build_card(
        hook_instance="h",
        topic=Topic.CRAMP,
        indicator="info",
        summary="s",
        detail="d",
        source_url="https://example.org",
    )
    assert card_topic(card) == "cramp"
    foreign = Card(summary="x", indicator="info", source=Source(label="y"))
    assert card_topic(foreign) is None
    assert topic_coding(Topic.CRAMP).system == TOPIC_SYSTEM


def test_critical_topics_are_forced_critical() -> None:
    card = build_card(
        hook_instance="h",
        topic=Topic.PE_EMERGENCY,
        indicator="info",
        summary="s",
        detail="d",
        source_url="https://example.org",
    )
    assert card.indicator == "critical"


def test_hl7_override_reasons_match_the_published_code_system() -> None:
    system = json.loads(NON_ADHERENCE.read_text())
    displays: dict[str, str] = {}

    def walk(concepts: list[dict[str, object]]) -> None:
        for concept in concepts:
            displays[str(concept["code"])] = str(concept["display"])
            walk(concept.get("concept", []))  # type: ignore[arg-type]

    walk(system["concept"])
    assert system["url"] == overrides.NON_ADHERENCE_SYSTEM
    ours = [v for v in vars(overrides).values() if isinstance(v, OverrideReason)]
    assert len(ours) >= 6
    for reason in ours:
        assert reason.display
        if reason.system == overrides.NON_ADHERENCE_SYSTEM:
            assert displays[reason.code] == reason.display


def test_stable_ids_are_deterministic_and_distinct() -> None:
    assert stable_id("h", "dvt-likely", 0) == stable_id("h", "dvt-likely", 0)
    assert stable_id("h", "dvt-likely", 0) != stable_id("h", "dvt-likely", 1)
    assert stable_id("h", "dvt-likely", 0) != stable_id("g", "dvt-likely", 0)


@pytest.mark.parametrize("length", [10, 139, 140, 300])
def test_fit_summary_keeps_under_140(length: int) -> None:
    text = ("word " * 100)[:length]
    assert len(fit_summary(text)) < 140


def test_markdown_table_escapes_pipes() -> None:
    assert cell("a|b") == "a\\|b"
    table = wells_table([WellsRow("Entire leg swollen", 1, "not documented", None, "x|y")])
    assert "| Entire leg swollen | +1 | not documented | ? | x\\|y |" in table


@pytest.mark.parametrize("kind", list(OrderKind))
def test_every_order_is_a_valid_r4_draft_service_request(kind: OrderKind) -> None:
    resource = service_request(
        kind,
        resource_id="abc",
        patient_ref="Patient/p1",
        reasons=["Observation/1", "Condition/2", "Procedure/3", ""],
        authored_on="2026-11-25T10:00:00+00:00",
        laterality="left",
        note="within 4 h",
    )
    parsed: Any = ServiceRequest.model_validate(resource)
    assert (parsed.status, parsed.intent) == ("draft", "order")
    assert parsed.subject.reference == "Patient/p1"
    assert [r.reference for r in parsed.reasonReference] == ["Observation/1", "Condition/2"]
    coding = parsed.code.coding[0]
    assert (coding.system, coding.code) == (ORDER_CODES[kind].system, ORDER_CODES[kind].code)


def test_order_codes_are_the_cited_ones() -> None:
    assert ORDER_CODES[OrderKind.DDIMER].code == "48065-7"  # CLINICAL.md §2.3
    assert ORDER_CODES[OrderKind.ULTRASOUND].code == "30881-7"
    assert ORDER_CODES[OrderKind.PHYSIOTHERAPY].code == "308447003"
    assert ORDER_CODES[OrderKind.ELECTROLYTES].code == "24326-1"


def test_reason_references_dedupe_and_filter() -> None:
    refs = reason_references(["Observation/1", "Observation/1", "Patient/x", "bad"])
    assert refs == [{"reference": "Observation/1"}]


def test_summary_of_140_characters_is_rejected_by_the_model() -> None:
    with pytest.raises(ValueError, match="139"):
        Card(summary="x" * 140, indicator="info", source=Source(label="y"))
    assert Card(summary="x" * 139, indicator="info", source=Source(label="y"))
