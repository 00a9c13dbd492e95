"""Card building blocks: topics, ids, summaries, Markdown, FHIR orders."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fhir.resources.R4B.servicerequest import ServiceRequest

from cards.builders import ID_NAMESPACE, build_card, fit_summary, stable_id
from cards.fhir_orders import OrderCode, reason_references, service_request
from cards.markdown import cell, table
from cards.models import Card, Source
from cards.topics import TOPIC_SYSTEM, Topic, card_topic

TOPIC = Topic("example", "An example topic")
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"


def test_card_topic_reads_only_our_system() -> None:
    card = build_card(
        hook_instance="h",
        topic=TOPIC,
        indicator="info",
        summary="s",
        detail="d",
        source_label="label",
        source_url="https://example.org",
    )
    assert card_topic(card) == "example"
    assert card.source.topic == TOPIC.coding()
    assert card.source.topic.system == TOPIC_SYSTEM
    foreign = Card(summary="x", indicator="info", source=Source(label="y"))
    assert card_topic(foreign) is None


def test_stable_ids_are_uuid5_of_the_hook_instance_and_parts() -> None:
    assert stable_id("h", "dvt-likely", 0) == str(uuid.uuid5(ID_NAMESPACE, "h|dvt-likely|0"))
    assert stable_id("h", "dvt-likely", 0) != stable_id("h", "dvt-likely", 1)
    assert stable_id("h", "dvt-likely", 0) != stable_id("g", "dvt-likely", 0)


@pytest.mark.parametrize("length", [10, 139, 140, 300])
def test_fit_summary_keeps_under_140(length: int) -> None:
    text = ("word " * 100)[:length]
    assert len(fit_summary(text)) < 140


def test_markdown_table_escapes_pipes() -> None:
    assert cell("a|b") == "a\\|b"
    text = table(("A", "B"), [("Entire leg swollen", "x|y"), ("", "z")])
    assert text.splitlines() == [
        "| A | B |",
        "|---|---|",
        "| Entire leg swollen | x\\|y |",
        "| — | z |",
    ]


@pytest.mark.parametrize(
    "code",
    [
        OrderCode(
            LOINC, "30881-7", "US", "Ultrasound", ("363679005", "Imaging"), ("61685007", "L")
        ),
        OrderCode(LOINC, "48065-7", "D-dimer", "D-dimer", ("108252007", "Laboratory procedure")),
    ],
)
def test_an_order_is_a_valid_r4_draft_service_request(code: OrderCode) -> None:
    resource = service_request(
        code,
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
    assert (coding.system, coding.code) == (code.system, code.code)
    if code.body_site is None:
        assert "bodySite" not in resource
    else:
        site = resource["bodySite"][0]["coding"]
        assert site[0]["code"] == code.body_site[0]
        assert site[1] == {"system": SNOMED, "code": "7771000", "display": "Left"}


def test_reason_references_dedupe_and_filter() -> None:
    refs = reason_references(["Observation/1", "Observation/1", "Patient/x", "bad"])
    assert refs == [{"reference": "Observation/1"}]


def test_summary_of_140_characters_is_rejected_by_the_model() -> None:
    with pytest.raises(ValueError, match="139"):
        Card(summary="x" * 140, indicator="info", source=Source(label="y"))
    assert Card(summary="x" * 139, indicator="info", source=Source(label="y"))
