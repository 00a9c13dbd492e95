"""No answered card goes unrecorded when the server is killed (SIGKILL) in the middle of a burst.

A real ``cds-triage serve`` on loopback gets concurrent service calls until it has answered
``ANSWERED_CARDS`` cards, and is then killed with SIGKILL (no shutdown, nothing drained). Every card
in a 200 answer must be in ``issued_cards``: feedback on it may arrive at any worker at once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from cds.storage.db import create_db_engine, migrate
from cds.storage.tables import issued_cards
from tests.service.builders import PV, condition, full_prefetch, request
from tests.storage.live import LiveServer, serve_many

CLIENTS = 8
ANSWERED_CARDS = 300  # cards answered before the kill
BURST_SECONDS = 30.0  # bound on the whole burst


def _calf_pain_today() -> dict[str, Any]:
    """A calf-pain Condition recorded an hour ago (the server runs on the real clock)."""
    recorded = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    return {**condition("c1"), "onsetDateTime": recorded, "recordedDate": recorded}


async def _burst(server: LiveServer, answered: list[str]) -> None:
    prefetch = full_prefetch("patient-view", _calf_pain_today())
    enough = asyncio.Event()

    async def client(http: httpx.AsyncClient) -> None:
        try:
            while not enough.is_set():
                try:
                    response = await http.post(
                        f"{server.base}{PV}", json=request(prefetch=prefetch, fhir=False)
                    )
                except httpx.TransportError:
                    return  # killed
                assert response.status_code == 200, response.text[:300]
                cards = response.json()["cards"]
                assert cards, "a calf-pain patient gets at least one card"
                answered.extend(card["uuid"] for card in cards)
                if len(answered) >= ANSWERED_CARDS:
                    enough.set()
        finally:
            enough.set()  # a failing client ends the burst at once (its error is raised below)

    async with httpx.AsyncClient(timeout=10, trust_env=False) as http:
        tasks = [asyncio.create_task(client(http)) for _ in range(CLIENTS)]
        await asyncio.wait_for(enough.wait(), timeout=BURST_SECONDS)
        os.killpg(server.process.pid, signal.SIGKILL)  # while the other calls are in flight
        server.process.wait(timeout=15)
        await asyncio.gather(*tasks)


def _recorded(url: str, uuids: list[str]) -> set[str]:
    engine = create_db_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(issued_cards.c.card_uuid).where(issued_cards.c.card_uuid.in_(set(uuids)))
            )
            return {row.card_uuid for row in rows}
    finally:
        engine.dispose()


async def test_every_answered_card_is_recorded_when_the_server_is_killed(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = create_db_engine(database_url)
    migrate(engine)
    engine.dispose()
    env: dict[str, Any] = {"CDS_DATABASE_URL": database_url, "CDS_AUTH": "off"}
    answered: list[str] = []
    with serve_many(env, tmp_path, workers=[1], name="killed") as (server,):
        started = time.monotonic()
        await _burst(server, answered)
        elapsed = time.monotonic() - started
    lost = set(answered) - _recorded(database_url, answered)
    with capsys.disabled():
        print(
            f"\n{database_url.split(':')[0]}: {len(set(answered))} answered cards in "
            f"{elapsed:.1f} s before SIGKILL, {len(lost)} not recorded"
        )
    assert len(set(answered)) >= ANSWERED_CARDS
    assert lost == set()
