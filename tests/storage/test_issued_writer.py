"""Issued cards are committed before the call answers, in writes shared by concurrent calls,
within a bounded wait, and never lost on a normal shutdown."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from cds.storage.db import create_db_engine, migrate
from cds.storage.feedback import FeedbackStore, IssuedCard
from cds.storage.issued import IssuedCardWriter
from cds.storage.tables import issued_cards
from cds.storage.tenants import LOCAL_TENANT
from tests.conftest import make_settings, running_app
from tests.service.builders import PV, condition, full_prefetch, request

from .test_feedback_store import SERVICE, T0, item


def issued_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(issued_cards)).scalar_one())


async def test_record_returns_once_its_rows_are_written() -> None:
    written: list[str] = []
    writer = IssuedCardWriter(lambda rows: written.extend(r["card_uuid"] for r in rows))
    await writer.record([{"card_uuid": "c1"}, {"card_uuid": "c2"}])
    assert written == ["c1", "c2"]


async def test_concurrent_calls_share_few_writes() -> None:
    batches: list[int] = []

    def slow_write(rows: list[dict[str, Any]]) -> None:
        time.sleep(0.01)
        batches.append(len(rows))

    writer = IssuedCardWriter(slow_write)
    await asyncio.gather(*(writer.record([{"card_uuid": f"c{n}"}]) for n in range(50)))
    assert sum(batches) == 50
    assert len(batches) <= 2  # the first call's write, then everything queued meanwhile


async def test_a_failing_write_is_retried_before_the_call_returns() -> None:
    calls: list[int] = []

    def flaky(rows: list[dict[str, Any]]) -> None:
        calls.append(len(rows))
        if len(calls) == 1:
            raise OSError("database briefly unavailable")

    writer = IssuedCardWriter(flaky)
    await writer.record([{"card_uuid": "c1"}])
    assert calls == [1, 1]


async def test_a_stuck_database_delays_the_answer_by_the_bounded_wait_only() -> None:
    release = threading.Event()
    written: list[int] = []

    def stuck(rows: list[dict[str, Any]]) -> None:
        release.wait(timeout=10)
        written.append(len(rows))

    writer = IssuedCardWriter(stuck, wait=0.05)
    started = time.perf_counter()
    await writer.record([{"card_uuid": "c1"}])
    assert time.perf_counter() - started < 1.0
    assert written == []  # not written yet, not given up either
    release.set()
    await asyncio.wait_for(writer.aclose(), timeout=10)
    assert written == [1]


async def test_a_service_call_is_answered_only_after_its_cards_are_committed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rows are queued when the cards are made and the response waits for their commit."""
    events: list[str] = []
    write = FeedbackStore._write_issued

    def slow_write(store: FeedbackStore, rows: list[dict[str, Any]]) -> None:
        time.sleep(0.1)
        write(store, rows)
        events.append(f"committed {len(rows)}")

    monkeypatch.setattr(FeedbackStore, "_write_issued", slow_write)
    async with running_app(make_settings(tmp_path)) as client:
        body = request(prefetch=full_prefetch("patient-view", condition("c1")))
        response = await client.post(PV, json=body)
        events.append("answered")
    cards = response.json()["cards"]
    assert response.status_code == 200 and cards
    assert events == [f"committed {len(cards)}", "answered"]


async def test_feedback_at_another_store_right_after_the_call_knows_the_topic(
    engine: Engine,
) -> None:
    """Two stores on one database, as two workers: nothing in between but the database."""
    first, second = FeedbackStore(engine, clock=lambda: T0), FeedbackStore(engine, clock=lambda: T0)
    card = IssuedCard("card-1", "pe-red-flags")
    await first.record_issued(LOCAL_TENANT, SERVICE, "hook-1", [card])
    await second.store(LOCAL_TENANT, SERVICE, [item("card-1")])
    summary = await second.summary(LOCAL_TENANT, SERVICE)
    assert [t.topic for t in summary.topics] == ["pe-red-flags"]


async def test_sqlite_locked_elsewhere_delays_the_call_boundedly_and_loses_nothing(
    tmp_path: Path,
) -> None:
    db = create_db_engine(f"sqlite:///{tmp_path / 'locked.sqlite3'}")
    migrate(db)
    other = sqlite3.connect(tmp_path / "locked.sqlite3", isolation_level=None)
    try:
        store = FeedbackStore(db, clock=lambda: T0)
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        started = time.perf_counter()
        await store.record_issued(
            LOCAL_TENANT, SERVICE, "hook-1", [IssuedCard("card-1", "dvt-wells")]
        )
        # busy_timeout is 30 s: waiting for it before answering would show here
        assert time.perf_counter() - started < 2.0
        assert issued_rows(db) == 0
        other.execute("COMMIT")
        await asyncio.wait_for(store.aclose(), timeout=40.0)
        assert issued_rows(db) == 1
    finally:
        other.close()
        db.dispose()
