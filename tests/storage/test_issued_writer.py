"""Issued cards are recorded off the request path, batched, and never lost on a normal shutdown."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from cds.storage.db import create_db_engine, migrate
from cds.storage.feedback import FeedbackStore, IssuedCard
from cds.storage.issued import IssuedCardWriter
from cds.storage.tables import issued_cards

from .test_feedback_store import SERVICE, T0, item


def issued_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(issued_cards)).scalar_one())


async def test_many_calls_share_few_writes_and_close_writes_everything() -> None:
    batches: list[int] = []
    writer = IssuedCardWriter(lambda rows: batches.append(len(rows)))
    for n in range(50):
        writer.submit([{"card_uuid": f"c{n}"}])  # 50 calls, no await in between
    await writer.aclose()
    assert sum(batches) == 50
    assert len(batches) <= 2  # the first call's write, then everything queued meanwhile


async def test_calls_within_the_linger_share_one_write_and_flush_does_not_wait_for_it() -> None:
    batches: list[int] = []
    writer = IssuedCardWriter(lambda rows: batches.append(len(rows)), linger=30.0)
    for n in range(5):
        writer.submit([{"card_uuid": f"c{n}"}])
        await asyncio.sleep(0.01)  # separate calls, each in its own event-loop turn
    assert batches == []  # still lingering
    await asyncio.wait_for(writer.flush(), timeout=5.0)  # far shorter than the linger
    assert batches == [5]


async def test_a_failing_write_is_retried() -> None:
    calls: list[int] = []

    def flaky(rows: list[dict[str, Any]]) -> None:
        calls.append(len(rows))
        if len(calls) == 1:
            raise OSError("database briefly unavailable")

    writer = IssuedCardWriter(flaky)
    writer.submit([{"card_uuid": "c1"}])
    await writer.flush()
    assert calls == [1, 1]
    assert writer.pending == 0


async def test_issue_does_not_wait_but_shutdown_stores_every_card(engine: Engine) -> None:
    store = FeedbackStore(engine, clock=lambda: T0)
    for n in range(20):
        store.issue(SERVICE, f"hook-{n}", [IssuedCard(f"card-{n}", "dvt-wells")])
    await store.aclose()
    assert issued_rows(engine) == 20


async def test_feedback_right_after_issue_knows_the_card_topic(engine: Engine) -> None:
    store = FeedbackStore(engine, clock=lambda: T0)
    store.issue(SERVICE, "hook-1", [IssuedCard("card-1", "pe-red-flags")])
    await store.store(SERVICE, [item("card-1")])  # no flush in between
    summary = await store.summary(SERVICE)
    assert [t.topic for t in summary.topics] == ["pe-red-flags"]
    await asyncio.sleep(0)


async def test_a_write_offered_on_loop_runs_there_and_its_last_retry_runs_in_a_thread() -> None:
    loop_thread = threading.get_ident()
    where: list[tuple[str, bool]] = []  # (which callable, ran on the event loop's thread)

    def in_thread(rows: list[dict[str, Any]]) -> None:
        where.append(("write", threading.get_ident() == loop_thread))

    def on_loop(rows: list[dict[str, Any]]) -> None:
        where.append(("on_loop", threading.get_ident() == loop_thread))

    writer = IssuedCardWriter(in_thread, on_loop=on_loop)
    writer.submit([{"card_uuid": "c1"}])
    await writer.flush()
    assert where == [("on_loop", True)]  # no thread hop when the loop write works

    where.clear()

    def busy(rows: list[dict[str, Any]]) -> None:
        where.append(("on_loop", threading.get_ident() == loop_thread))
        raise OSError("database is locked")

    writer = IssuedCardWriter(in_thread, on_loop=busy)
    writer.submit([{"card_uuid": "c2"}])
    await writer.flush()
    # every attempt but the last on the loop (they never wait); the last one may wait: a thread
    assert where == [("on_loop", True), ("on_loop", True), ("write", False)]
    assert writer.pending == 0


async def test_sqlite_writes_on_the_loop_never_wait_for_a_lock_held_elsewhere(
    tmp_path: Path,
) -> None:
    db = create_db_engine(f"sqlite:///{tmp_path / 'locked.sqlite3'}")
    migrate(db)
    other = sqlite3.connect(tmp_path / "locked.sqlite3", isolation_level=None)
    try:
        store = FeedbackStore(db, clock=lambda: T0)
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        started = time.perf_counter()
        store.issue(SERVICE, "hook-1", [IssuedCard("card-1", "dvt-wells")])
        await asyncio.sleep(0.1)  # the linger, a failed attempt on the loop, its back-off
        # busy_timeout is 30 s for other writes: waiting for it on the loop would show here
        assert time.perf_counter() - started < 1.0
        assert issued_rows(db) == 0  # not written yet, not lost either
        other.execute("COMMIT")
        await asyncio.wait_for(store.aclose(), timeout=10.0)
        assert issued_rows(db) == 1
    finally:
        other.close()
        db.dispose()
