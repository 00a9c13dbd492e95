"""Feedback and issued cards: what clinicians did with our cards, summarised per card topic.

Feedback names only a card uuid (CDS Hooks l.818-942), so the service records each card it issues
(uuid, topic, service, hookInstance, time: no patient data) and feedback is joined to its topic.
The same card may be reported several times (accepted, later overridden): every report is kept.
An exact duplicate delivery (same service, card, outcome and timestamp, e.g. a client retry) is
stored once, by the unique constraint, with ``INSERT .. ON CONFLICT DO NOTHING`` so concurrent
workers on SQLite or PostgreSQL never lose or double a report.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Insert, func, select
from sqlalchemy.dialects import postgresql, sqlite

from cds.hooks import FeedbackItem, FeedbackSummary, ReasonCount, TopicSummary
from cds.storage.db import SQLITE_BUSY_TIMEOUT_MS
from cds.storage.issued import IssuedCardWriter
from cds.storage.tables import feedback, issued_cards

UNKNOWN_TOPIC = "unknown"


def _utc(moment: datetime) -> datetime:
    """Stored in UTC so that one instant written with two offsets is the same report."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class IssuedCard:
    card_uuid: str
    topic: str


@dataclass(frozen=True, slots=True)
class StoreResult:
    received: int
    stored: int

    @property
    def duplicates(self) -> int:
        return self.received - self.stored


class FeedbackStore:
    """Reads and writes ``feedback`` and ``issued_cards``; async methods run in a thread."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] | None = None) -> None:
        self._engine = engine
        self._clock = clock or (lambda: datetime.now(UTC))
        self._insert_issued = self._insert_ignoring_duplicates(issued_cards)  # built once
        on_loop = self._write_issued_now if engine.dialect.name == "sqlite" else None
        self._writer = IssuedCardWriter(self._write_issued, on_loop=on_loop)

    def _insert_ignoring_duplicates(self, table: Any) -> Insert:
        if self._engine.dialect.name == "postgresql":
            return postgresql.insert(table).on_conflict_do_nothing()
        if self._engine.dialect.name == "sqlite":
            return sqlite.insert(table).on_conflict_do_nothing()
        raise RuntimeError(f"unsupported database dialect {self._engine.dialect.name}")

    # --- issued cards -----------------------------------------------------------------------

    def issue(self, service_id: str, hook_instance: str, cards: Sequence[IssuedCard]) -> None:
        """Record issued cards off the request path (``cds.storage.issued``); never blocks."""
        self._writer.submit(self._issued_rows(service_id, hook_instance, cards))

    async def record_issued(
        self, service_id: str, hook_instance: str, cards: Sequence[IssuedCard]
    ) -> None:
        """Record and wait until written."""
        self.issue(service_id, hook_instance, cards)
        await self._writer.flush()

    async def aclose(self) -> None:
        """Write every queued issued card (normal shutdown)."""
        await self._writer.aclose()

    def _issued_rows(
        self, service_id: str, hook_instance: str, cards: Sequence[IssuedCard]
    ) -> list[dict[str, Any]]:
        now = _utc(self._clock())
        return [
            {
                "card_uuid": card.card_uuid,
                "service_id": service_id,
                "topic": card.topic,
                "hook_instance": hook_instance,
                "issued_at": now,
            }
            for card in cards
        ]

    def _write_issued(self, rows: list[dict[str, Any]]) -> None:
        with self._engine.begin() as conn:
            conn.execute(self._insert_issued, rows)

    def _write_issued_now(self, rows: list[dict[str, Any]]) -> None:
        """SQLite, on the event loop: fails at once rather than wait for another writer's lock
        (``busy_timeout`` 0 for this write, its commit included; the writer retries, last in a
        thread). The pragma goes to the driver connection directly: it opens no transaction."""
        with self._engine.connect() as conn:
            driver = conn.connection.driver_connection
            assert driver is not None
            driver.execute("PRAGMA busy_timeout = 0")
            try:
                conn.execute(self._insert_issued, rows)
                conn.commit()
            finally:
                driver.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")

    # --- feedback ---------------------------------------------------------------------------

    async def store(self, service_id: str, items: Sequence[FeedbackItem]) -> StoreResult:
        await self._writer.flush()  # so the topics of cards issued just before are known
        return await asyncio.to_thread(self._store, service_id, items)

    def _store(self, service_id: str, items: Sequence[FeedbackItem]) -> StoreResult:
        received_at = _utc(self._clock())
        stored = 0
        with self._engine.begin() as conn:
            known = {
                row.card_uuid: row
                for row in conn.execute(
                    select(
                        issued_cards.c.card_uuid, issued_cards.c.topic, issued_cards.c.hook_instance
                    ).where(issued_cards.c.card_uuid.in_({item.card for item in items}))
                )
            }
            # RETURNING tells what was really inserted (rowcount is -1 with psycopg here).
            statement = self._insert_ignoring_duplicates(feedback).returning(feedback.c.id)
            for item in items:
                issued = known.get(item.card)
                reason = item.overrideReason.reason if item.overrideReason else None
                result = conn.execute(
                    statement,
                    {
                        "service_id": service_id,
                        "card_uuid": item.card,
                        "card_topic": issued.topic if issued else None,
                        "hook_instance": issued.hook_instance if issued else None,
                        "outcome": item.outcome,
                        "accepted_suggestions": [s.id for s in item.acceptedSuggestions]
                        if item.acceptedSuggestions
                        else None,
                        "override_reason_system": reason.system if reason else None,
                        "override_reason_code": reason.code if reason else None,
                        "override_reason_display": reason.display if reason else None,
                        "user_comment": item.overrideReason.userComment
                        if item.overrideReason
                        else None,
                        "outcome_timestamp": _utc(item.outcomeTimestamp),
                        "received_at": received_at,
                    },
                )
                stored += len(result.fetchall())
        return StoreResult(received=len(items), stored=stored)

    # --- summary ----------------------------------------------------------------------------

    async def summary(self, service_id: str | None = None) -> FeedbackSummary:
        await self._writer.flush()
        return await asyncio.to_thread(self.summary_sync, service_id)

    def summary_sync(self, service_id: str | None = None) -> FeedbackSummary:
        """Accepted / overridden counts and override reasons per card topic."""
        topic = func.coalesce(feedback.c.card_topic, UNKNOWN_TOPIC).label("topic")
        where = [] if service_id is None else [feedback.c.service_id == service_id]
        outcomes = (
            select(topic, feedback.c.outcome, func.count().label("n"))
            .where(*where)
            .group_by(topic, feedback.c.outcome)
        )
        reasons = (
            select(
                topic,
                feedback.c.override_reason_system,
                feedback.c.override_reason_code,
                func.max(feedback.c.override_reason_display).label("display"),
                func.count().label("n"),
            )
            .where(feedback.c.outcome == "overridden", *where)
            .group_by(topic, feedback.c.override_reason_system, feedback.c.override_reason_code)
        )
        with self._engine.connect() as conn:
            outcome_rows = list(conn.execute(outcomes))
            reason_rows = list(conn.execute(reasons))
        return _summarise(service_id, outcome_rows, reason_rows)


def _summarise(
    service_id: str | None, outcome_rows: Iterable[Any], reason_rows: Iterable[Any]
) -> FeedbackSummary:
    topics: dict[str, TopicSummary] = {}
    for row in outcome_rows:
        entry = topics.setdefault(row.topic, TopicSummary(topic=row.topic))
        if row.outcome == "accepted":
            entry.accepted += int(row.n)
        elif row.outcome == "overridden":
            entry.overridden += int(row.n)
    for row in reason_rows:
        entry = topics.setdefault(row.topic, TopicSummary(topic=row.topic))
        entry.reasons.append(
            ReasonCount(
                system=row.override_reason_system,
                code=row.override_reason_code,
                display=row.display,
                count=int(row.n),
            )
        )
    for entry in topics.values():
        entry.reasons.sort(key=lambda r: (-r.count, r.code or ""))
    return FeedbackSummary(service_id=service_id, topics=[topics[name] for name in sorted(topics)])
