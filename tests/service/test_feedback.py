"""Feedback (CDS Hooks l.818-942) through the HTTP API and the CLI.

Every item is stored (card uuid, outcome, accepted suggestions, override reason, timestamp,
service id, hookInstance and topic when we issued the card); a card reported twice keeps both
reports, an exact re-delivery is stored once; the summary counts per card topic. What a database
cannot store is a 422 naming the item, on SQLite and PostgreSQL alike, and feedback sent to
another worker right after the answer finds its card's topic. Tenants: test_feedback_tenants.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, select
from typer.testing import CliRunner

from cds.cli import cli
from cds.settings import Settings
from cds.storage.tables import feedback
from tests.conftest import make_settings, running_app
from tests.service.builders import PV, condition, full_prefetch, request
from tests.storage.conftest import BACKENDS, empty_database

FEEDBACK = f"{PV}/feedback"
REASON = {
    "system": "https://calf-triage.example.org/override",
    "code": "dvt-excluded",
    "display": "DVT already excluded",
}


@pytest.fixture(params=BACKENDS)
def db_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """App settings on each database: a SQLite file, or a fresh PostgreSQL database."""
    with empty_database(request.param, tmp_path) as url:
        yield make_settings(tmp_path, database_url=url)


def accepted(card: str, at: str = "2025-03-01T12:05:00Z") -> dict[str, Any]:
    return {
        "card": card,
        "outcome": "accepted",
        "acceptedSuggestions": [{"id": "s-1"}],
        "outcomeTimestamp": at,
    }


def overridden(card: str, at: str = "2025-03-01T12:06:00Z", **extra: Any) -> dict[str, Any]:
    return {"card": card, "outcome": "overridden", "outcomeTimestamp": at, **extra}


async def _issue_cards(client: httpx.AsyncClient) -> tuple[str, list[dict[str, Any]]]:
    body = request(prefetch=full_prefetch("patient-view", condition("c1")))
    response = await client.post(PV, json=body)
    assert response.status_code == 200, response.text
    cards = response.json()["cards"]
    assert cards, "the calf-pain patient must get at least one card"
    return body["hookInstance"], cards


def _rows(settings_url: str) -> list[Any]:
    engine = create_engine(settings_url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(select(feedback).order_by(feedback.c.id)))
    finally:
        engine.dispose()


async def test_feedback_is_stored_with_topic_and_hook_instance(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    async with running_app(settings) as client:
        hook_instance, cards = await _issue_cards(client)
        card = cards[0]
        items = [
            accepted(card["uuid"]),
            overridden(card["uuid"], overrideReason={"reason": REASON, "userComment": "seen"}),
        ]
        response = await client.post(FEEDBACK, json={"feedback": items})
        assert response.status_code == 200, response.text
        assert response.json() == {"received": 2, "stored": 2, "duplicates": 0}
        again = await client.post(FEEDBACK, json={"feedback": items})
        assert again.json() == {"received": 2, "stored": 0, "duplicates": 2}
        summary = (await client.get(f"{FEEDBACK}/summary")).json()
        everything = (await client.get("/feedback/summary")).json()
    rows = _rows(settings.database_url)
    assert [(r.outcome, r.card_uuid, r.hook_instance) for r in rows] == [
        ("accepted", card["uuid"], hook_instance),
        ("overridden", card["uuid"], hook_instance),
    ]
    topic = card["source"]["topic"]["code"]
    assert {r.card_topic for r in rows} == {topic}
    assert rows[0].accepted_suggestions == ["s-1"]
    assert (rows[1].override_reason_code, rows[1].user_comment) == ("dvt-excluded", "seen")
    assert summary == everything | {"service_id": "calf-pain-patient-view"}
    assert summary["topics"] == [
        {
            "topic": topic,
            "accepted": 1,
            "overridden": 1,
            "reasons": [{**REASON, "count": 1}],
        }
    ]


async def test_feedback_for_a_card_we_do_not_know_is_kept(client: httpx.AsyncClient) -> None:
    response = await client.post(FEEDBACK, json={"feedback": [overridden("not-ours")]})
    assert response.json()["stored"] == 1
    summary = (await client.get("/feedback/summary")).json()
    assert summary["topics"] == [
        {"topic": "unknown", "accepted": 0, "overridden": 1, "reasons": [{"count": 1}]}
    ]


BAD: list[tuple[str, Any, int]] = [
    ("not json", b"{", 400),
    ("no feedback array", {}, 422),
    ("empty feedback", {"feedback": []}, 422),
    ("bad outcome", {"feedback": [{**overridden("c"), "outcome": "ignored"}]}, 422),
    (
        "accepted without suggestions",
        {"feedback": [{**accepted("c"), "acceptedSuggestions": []}]},
        422,
    ),
    ("timestamp without zone", {"feedback": [overridden("c", at="2025-03-01T12:00:00")]}, 422),
    (
        "no card",
        {"feedback": [{"outcome": "overridden", "outcomeTimestamp": "2025-03-01T12:00:00Z"}]},
        422,
    ),
]


@pytest.mark.parametrize(("body", "status"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
async def test_bad_feedback_bodies(client: httpx.AsyncClient, body: Any, status: int) -> None:
    if isinstance(body, bytes):
        response = await client.post(
            FEEDBACK, content=body, headers={"content-type": "application/json"}
        )
    else:
        response = await client.post(FEEDBACK, json=body)
    assert response.status_code == status, response.text
    assert response.json()["resourceType"] == "OperationOutcome"
    summary = (await client.get("/feedback/summary")).json()
    assert summary["topics"] == []


async def test_cli_feedback_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = make_settings(tmp_path)
    async with running_app(settings) as client:
        _, cards = await _issue_cards(client)
        await client.post(FEEDBACK, json={"feedback": [accepted(cards[0]["uuid"])]})
    monkeypatch.setenv("CDS_DATABASE_URL", settings.database_url)
    result = CliRunner().invoke(cli, ["feedback-summary"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["topics"][0]["accepted"] == 1
    assert summary["topics"][0]["topic"] == cards[0]["source"]["topic"]["code"]
    only_other = CliRunner().invoke(cli, ["feedback-summary", "--service", "calf-pain-order-sign"])
    assert json.loads(only_other.output)["topics"] == []


def test_cli_commands() -> None:
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--workers"):
        assert option in result.output
    assert CliRunner().invoke(cli, ["serve", "--workers", "0"]).exit_code != 0


NUL = "a\x00b"
_GOOD = overridden("card-ok")
# Values one database stores and the other refuses (a NUL byte in text, a code or system longer
# than its column), and timestamps that exist only before conversion to UTC: each must be a 422
# naming the item on both databases, never a 500 that a retrying EHR would repeat forever.
POISON: list[tuple[str, dict[str, Any], str]] = [
    ("nul in card", overridden(NUL), "feedback[1].card"),
    (
        "nul in user comment",
        overridden("c", overrideReason={"userComment": NUL}),
        "feedback[1].overrideReason.userComment",
    ),
    (
        "nul in reason code",
        overridden("c", overrideReason={"reason": {**REASON, "code": NUL}}),
        "feedback[1].overrideReason.reason.code",
    ),
    (
        "nul in reason system",
        overridden("c", overrideReason={"reason": {**REASON, "system": NUL}}),
        "feedback[1].overrideReason.reason.system",
    ),
    (
        "nul in reason display",
        overridden("c", overrideReason={"reason": {**REASON, "display": NUL}}),
        "feedback[1].overrideReason.reason.display",
    ),
    (
        "nul in accepted suggestion",
        {**accepted("c"), "acceptedSuggestions": [{"id": NUL}]},
        "feedback[1].acceptedSuggestions[0].id",
    ),
    (
        "reason code of 101 characters",
        overridden("c", overrideReason={"reason": {**REASON, "code": "x" * 101}}),
        "feedback[1].overrideReason.reason.code",
    ),
    (
        "reason system of 301 characters",
        overridden("c", overrideReason={"reason": {**REASON, "system": "x" * 301}}),
        "feedback[1].overrideReason.reason.system",
    ),
    (
        "timestamp before year 1 in UTC",
        overridden("c", at="0001-01-01T00:00:00+14:00"),
        "feedback[1].outcomeTimestamp",
    ),
    (
        "timestamp after year 9999 in UTC",
        overridden("c", at="9999-12-31T23:59:59-14:00"),
        "feedback[1].outcomeTimestamp",
    ),
]


@pytest.mark.parametrize(("item", "where"), [p[1:] for p in POISON], ids=[p[0] for p in POISON])
async def test_feedback_the_database_cannot_store_is_422_naming_the_item(
    db_settings: Settings, item: dict[str, Any], where: str
) -> None:
    async with running_app(db_settings) as client:
        response = await client.post(FEEDBACK, json={"feedback": [_GOOD, item]})
        assert response.status_code == 422, response.text
        body = response.json()
        assert body["resourceType"] == "OperationOutcome"
        assert [i["expression"] for i in body["issue"]] == [[where]]
        assert "\x00" not in response.text  # the value is never echoed
        # The batch is refused whole, and the service still stores good feedback afterwards.
        assert (await client.get("/feedback/summary")).json()["topics"] == []
        again = await client.post(FEEDBACK, json={"feedback": [_GOOD]})
        assert again.json()["stored"] == 1


async def test_longest_accepted_values_are_stored_on_both_databases(db_settings: Settings) -> None:
    reason = {"system": "s" * 300, "code": "c" * 100, "display": "d" * 5000}
    item = overridden("c" * 100, overrideReason={"reason": reason, "userComment": "u" * 10_000})
    async with running_app(db_settings) as client:
        response = await client.post(FEEDBACK, json={"feedback": [item]})
        assert response.status_code == 200, response.text
        summary = (await client.get("/feedback/summary")).json()
    assert summary["topics"][0]["reasons"] == [{**reason, "count": 1}]


async def test_feedback_at_another_worker_right_after_the_answer_finds_the_card_topic(
    db_settings: Settings,
) -> None:
    """Two workers share only the database: the card must be recorded before it is answered."""
    async with running_app(db_settings) as worker_1, running_app(db_settings) as worker_2:
        _, cards = await _issue_cards(worker_1)
        items = [overridden(card["uuid"]) for card in cards]
        response = await worker_2.post(FEEDBACK, json={"feedback": items})
        assert response.status_code == 200, response.text
        summary = (await worker_2.get("/feedback/summary")).json()
    topics = sorted(card["source"]["topic"]["code"] for card in cards)
    assert sorted(t["topic"] for t in summary["topics"]) == topics
