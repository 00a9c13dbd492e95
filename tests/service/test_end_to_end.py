"""Real pathways end to end: HTTP request -> prefetch -> mapping -> triage -> cards -> log line.

No stubs: the real mapping layer and triage produce the cards, and every response is validated
against the card models (CDS Hooks l.524-816).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, select

from cards.models import CdsResponse
from cds import triage
from cds.engine import SKIPPED_EXTENSION
from cds.logging import JsonFormatter
from cds.storage.tables import issued_cards
from tests.conftest import make_settings, running_app
from tests.service.builders import (
    OSEL,
    OSIGN,
    PATIENT_ID,
    PV,
    TOKEN,
    condition,
    draft_orders,
    full_prefetch,
    key_for,
    request,
    service_request,
)


def _validated(response: httpx.Response) -> CdsResponse:
    assert response.status_code == 200, response.text
    body = response.json()
    parsed = CdsResponse.model_validate(body)
    for card in body["cards"]:
        assert card["uuid"]
        assert len(card["summary"]) < 140
        assert card["indicator"] in ("info", "warning", "critical")
        assert card["source"]["label"]
        assert card["source"]["topic"]["system"] == triage.TOPIC_SYSTEM
        assert card.get("detail")
        if "suggestions" in card:
            assert card["selectionBehavior"] in ("at-most-one", "any")
        for reason in card.get("overrideReasons", []):
            assert reason["display"]
        assert None not in card.values()
    return parsed


async def test_calf_pain_patient_gets_real_dvt_cards(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    body = request(prefetch=full_prefetch("patient-view", condition("c1")))
    async with running_app(settings) as client:
        response = await client.post(PV, json=body)
    result = _validated(response)
    assert result.cards
    topics = {triage.card_topic(card) for card in result.cards}
    assert topics and None not in topics
    assert any("wells" in (card.detail or "").lower() for card in result.cards)
    engine = create_engine(settings.database_url)
    with engine.connect() as conn:
        rows = list(conn.execute(select(issued_cards)))
    engine.dispose()
    assert {r.card_uuid for r in rows} == {card.uuid for card in result.cards}
    assert {r.hook_instance for r in rows} == {body["hookInstance"]}
    assert {r.topic for r in rows} == topics


async def test_patient_without_leg_complaint_gets_no_dvt_card(client: httpx.AsyncClient) -> None:
    response = await client.post(PV, json=request(prefetch=full_prefetch()))
    result = _validated(response)
    assert all("wells" not in (card.detail or "").lower() for card in result.cards)


@pytest.mark.parametrize(
    ("url", "hook"), [(OSIGN, "order-sign"), (OSEL, "order-select")], ids=["sign", "select"]
)
async def test_order_hooks_answer_with_valid_cards(
    client: httpx.AsyncClient, url: str, hook: str
) -> None:
    context: dict[str, Any] = {
        "userId": "Practitioner/doc-1",
        "patientId": PATIENT_ID,
        "draftOrders": draft_orders(service_request("sr1"), service_request("sr2", "other")),
    }
    if hook == "order-select":
        context["selections"] = ["ServiceRequest/sr1"]
    body = request(hook, prefetch=full_prefetch(hook, condition("c1")), context=context)
    result = _validated(await client.post(url, json=body))
    assert result.extension is not None  # the other patient's draft order was left out
    assert result.extension[SKIPPED_EXTENSION]["count"] == 1


async def test_left_out_resources_are_counted_in_the_response(client: httpx.AsyncClient) -> None:
    prefetch = full_prefetch("patient-view", condition("c1"))
    prefetch[key_for("Condition")]["entry"].append(
        {"resource": condition("c2", pid="someone-else")}
    )
    result = _validated(await client.post(PV, json=request(prefetch=prefetch)))
    assert result.extension == {SKIPPED_EXTENSION: {"count": 1, "byResourceType": {"Condition": 1}}}


async def test_one_log_line_per_request_without_patient_data(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    body = request(prefetch=full_prefetch("patient-view", condition("c1")))
    caplog.set_level(logging.DEBUG)
    async with running_app(make_settings(tmp_path)) as client:
        caplog.clear()
        response = await client.post(PV, json=body)
    assert response.status_code == 200
    lines = [r for r in caplog.records if r.name == "cds.request"]
    assert len(lines) == 1
    line = lines[0].__dict__
    assert line["hookInstance"] == body["hookInstance"]
    assert line["service"] == "calf-pain-patient-view"
    assert line["status"] == 200
    assert line["cards"] == len(response.json()["cards"])
    assert line["topics"] and isinstance(line["duration_ms"], float)
    formatter = JsonFormatter()
    text = "\n".join(formatter.format(r) for r in caplog.records)
    for secret in (PATIENT_ID, TOKEN, "1970-05-01", "300954003"):
        assert secret not in text
