"""The feedback store on SQLite and PostgreSQL: every report kept once, summarised per topic.

CDS Hooks l.818-942: the same card may be reported more than once; each distinct report is kept,
an exact re-delivery (same service, card, outcome, timestamp) is stored once. Concurrent writers
(several workers' threads) must neither lose nor double a report.
"""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from cds.hooks import FeedbackItem
from cds.storage.feedback import FeedbackStore, IssuedCard
from cds.storage.tables import feedback
from cds.storage.tenants import LOCAL_TENANT, Tenant

SERVICE = "calf-pain-patient-view"
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def item(card: str, outcome: str = "accepted", at: datetime = T0, **extra: Any) -> FeedbackItem:
    body: dict[str, Any] = {"card": card, "outcome": outcome, "outcomeTimestamp": at.isoformat()}
    if outcome == "accepted":
        body["acceptedSuggestions"] = [{"id": "s-1"}]
    body.update(extra)
    return FeedbackItem.model_validate(body)


def stored_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(feedback)).scalar_one())


# (case, batches of items, expected stored per batch, expected rows at the end)
CASES = [
    ("one accepted report", [[item("c1")]], [1], 1),
    ("exact re-delivery stored once", [[item("c1")], [item("c1")]], [1, 0], 1),
    ("duplicate inside one batch", [[item("c1"), item("c1")]], [1], 1),
    (
        "accepted then overridden: both kept",
        [[item("c1")], [item("c1", "overridden", T0 + timedelta(minutes=5))]],
        [1, 1],
        2,
    ),
    (
        "same instant written with another offset is the same report",
        [[item("c1")], [item("c1", at=T0.astimezone(timezone(timedelta(hours=2))))]],
        [1, 0],
        1,
    ),
    (
        "different cards",
        [[item("c1"), item("c2"), item("c3", "overridden")]],
        [3],
        3,
    ),
]


@pytest.mark.parametrize(
    ("batches", "stored", "rows"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
async def test_reports_are_kept_once(
    engine: Engine, batches: list[list[FeedbackItem]], stored: list[int], rows: int
) -> None:
    store = FeedbackStore(engine, clock=lambda: T0)
    results = [await store.store(LOCAL_TENANT, SERVICE, batch) for batch in batches]
    assert [r.stored for r in results] == stored
    assert [r.received for r in results] == [len(b) for b in batches]
    assert stored_rows(engine) == rows


async def test_summary_joins_feedback_to_issued_card_topics(engine: Engine) -> None:
    store = FeedbackStore(engine, clock=lambda: T0)
    await store.record_issued(
        LOCAL_TENANT,
        SERVICE,
        "hook-1",
        [IssuedCard("c1", "dvt-wells"), IssuedCard("c2", "pe-red-flags")],
    )
    reason = {
        "reason": {
            "system": "https://example.org/reasons",
            "code": "already-done",
            "display": "Already done",
        },
        "userComment": "free text",
    }
    await store.store(
        LOCAL_TENANT,
        SERVICE,
        [
            item("c1"),
            item("c2", "overridden", overrideReason=reason),
            item("c9", "overridden", T0 + timedelta(seconds=1)),  # never issued: unknown topic
        ],
    )
    summary = await store.summary(LOCAL_TENANT, SERVICE)
    by_topic = {t.topic: t for t in summary.topics}
    assert (by_topic["dvt-wells"].accepted, by_topic["dvt-wells"].overridden) == (1, 0)
    assert (by_topic["pe-red-flags"].accepted, by_topic["pe-red-flags"].overridden) == (0, 1)
    assert [r.code for r in by_topic["pe-red-flags"].reasons] == ["already-done"]
    assert by_topic["unknown"].overridden == 1
    other = await store.summary(LOCAL_TENANT, "calf-pain-order-sign")
    assert other.topics == []
    assert (await store.summary(Tenant("https://ehr.example.org"))).topics == []
    assert store.summary_sync(SERVICE) == summary  # the operator's view: every tenant


def test_concurrent_writers_store_every_report_exactly_once(database_url: str) -> None:
    """8 writers with their own engines (as 8 workers), overlapping batches: count in == out."""
    from cds.storage.db import create_db_engine, migrate

    writers, per_writer = 8, 40
    first = create_db_engine(database_url)
    migrate(first)
    engines = [first] + [create_db_engine(database_url) for _ in range(writers - 1)]
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []
    stored: list[int] = []
    lock = threading.Lock()

    def write(index: int, db: Engine) -> None:
        store = FeedbackStore(db, clock=lambda: T0)
        # Each writer sends its own cards plus the neighbour's: every card arrives twice.
        mine = [item(f"w{index}-{n}") for n in range(per_writer)]
        theirs = [item(f"w{(index + 1) % writers}-{n}") for n in range(per_writer)]
        barrier.wait(timeout=30)
        try:
            for batch in (mine[:20], theirs[:20], mine[20:], theirs[20:]):
                result = asyncio.run(store.store(LOCAL_TENANT, SERVICE, batch))
                with lock:
                    stored.append(result.stored)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i, db)) for i, db in enumerate(engines)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=90)
        assert not any(t.is_alive() for t in threads), "a writer hung"
        assert errors == []
        unique = writers * per_writer
        assert stored_rows(first) == unique
        assert sum(stored) == unique  # each reported "stored" exactly once across writers
    finally:
        for db in engines:
            db.dispose()


async def test_each_tenant_keeps_its_own_copy_of_one_report(engine: Engine) -> None:
    """The same report (card, outcome, time) from two tenants is two reports, one each."""
    store = FeedbackStore(engine, clock=lambda: T0)
    north, south = Tenant("https://ehr.example.net", "north"), Tenant("https://ehr.example.net")
    for tenant in (north, south):
        await store.record_issued(tenant, SERVICE, "hook-1", [IssuedCard("c1", "dvt-wells")])
        assert (await store.store(tenant, SERVICE, [item("c1")])).stored == 1
        assert (await store.store(tenant, SERVICE, [item("c1")])).stored == 0
    assert stored_rows(engine) == 2
    for tenant in (north, south):
        summary = await store.summary(tenant)
        assert [(t.topic, t.accepted) for t in summary.topics] == [("dvt-wells", 1)]


async def test_a_card_recorded_after_its_feedback_still_gets_its_topic(engine: Engine) -> None:
    """An answer that did not wait for a slow database: its feedback may come first. The topic
    comes from the same tenant's card only."""
    store = FeedbackStore(engine, clock=lambda: T0)
    await store.store(LOCAL_TENANT, SERVICE, [item("c1"), item("c2")])
    assert [t.topic for t in (await store.summary(LOCAL_TENANT)).topics] == ["unknown"]
    await store.record_issued(LOCAL_TENANT, SERVICE, "hook-1", [IssuedCard("c1", "dvt-wells")])
    other = Tenant("https://other.example")
    await store.record_issued(other, SERVICE, "hook-2", [IssuedCard("c2", "pe-red-flags")])
    topics = (await store.summary(LOCAL_TENANT)).topics
    assert [(t.topic, t.accepted) for t in topics] == [("dvt-wells", 1), ("unknown", 1)]
