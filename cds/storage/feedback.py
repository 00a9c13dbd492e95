"""Feedback and issued cards: what clinicians did with our cards, summarised per card topic.

Feedback names only a card uuid (CDS Hooks l.818-942), so the service records each card it issues
(tenant, uuid, topic, service, hookInstance, time: no patient data) before answering, and
feedback is joined to its topic. Everything is per tenant (``cds.storage.tenants``): a tenant
reads only its own feedback, and feedback on a card issued to another tenant is refused whole
(422 naming the item; nothing of the batch stored). Feedback on a card never issued is kept under
the topic "unknown". The same card may be reported several times (accepted, later overridden):
every report is kept. An exact duplicate delivery (same tenant, service, card, outcome and
timestamp, e.g. a client retry) is stored once, by the unique constraint, with
``INSERT .. ON CONFLICT DO NOTHING`` so concurrent workers on SQLite or PostgreSQL never lose or
double a report.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Insert, and_, func, select
from sqlalchemy.dialects import postgresql, sqlite

from cds.errors import Issue, RequestValidationFailed
from cds.hooks import FeedbackItem, FeedbackSummary, ReasonCount, TopicSummary
from cds.storage.issued import IssuedCardWriter, Recorded
from cds.storage.tables import feedback, issued_cards
from cds.storage.tenants import Tenant

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
        self._writer = IssuedCardWriter(self._write_issued)

    def _insert_ignoring_duplicates(self, table: Any) -> Insert:
        if self._engine.dialect.name == "postgresql":
            return postgresql.insert(table).on_conflict_do_nothing()
        if self._engine.dialect.name == "sqlite":
            return sqlite.insert(table).on_conflict_do_nothing()
        raise RuntimeError(f"unsupported database dialect {self._engine.dialect.name}")

    # --- issued cards -----------------------------------------------------------------------

    def record_issued(
        self, tenant: Tenant, service_id: str, hook_instance: str, cards: Sequence[IssuedCard]
    ) -> Recorded:
        """Queue the cards of one answer; awaiting the result waits for their commit
        (``cds.storage.issued``)."""
        now = _utc(self._clock())
        rows = [
            {
                "iss": tenant.iss,
                "tenant": tenant.tenant,
                "card_uuid": card.card_uuid,
                "service_id": service_id,
                "topic": card.topic,
                "hook_instance": hook_instance,
                "issued_at": now,
            }
            for card in cards
        ]
        return self._writer.record(rows)

    async def aclose(self) -> None:
        """Write every queued issued card (normal shutdown)."""
        await self._writer.aclose()

    def _write_issued(self, rows: list[dict[str, Any]]) -> None:
        with self._engine.begin() as conn:
            conn.execute(self._insert_issued, rows)

    # --- feedback ---------------------------------------------------------------------------

    async def store(
        self, tenant: Tenant, service_id: str, items: Sequence[FeedbackItem]
    ) -> StoreResult:
        return await asyncio.to_thread(self._store, tenant, service_id, items)

    def _store(self, tenant: Tenant, service_id: str, items: Sequence[FeedbackItem]) -> StoreResult:
        received_at = _utc(self._clock())
        stored = 0
        with self._engine.begin() as conn:
            issued = conn.execute(
                select(
                    issued_cards.c.iss,
                    issued_cards.c.tenant,
                    issued_cards.c.card_uuid,
                    issued_cards.c.topic,
                    issued_cards.c.hook_instance,
                ).where(issued_cards.c.card_uuid.in_({item.card for item in items}))
            ).all()
            mine = {row.card_uuid: row for row in issued if _owner(row) == tenant}
            _refuse_others_cards(items, {row.card_uuid for row in issued} - mine.keys())
            # RETURNING tells what was really inserted (rowcount is -1 with psycopg here).
            statement = self._insert_ignoring_duplicates(feedback).returning(feedback.c.id)
            for item in items:
                card = mine.get(item.card)
                reason = item.overrideReason.reason if item.overrideReason else None
                result = conn.execute(
                    statement,
                    {
                        "iss": tenant.iss,
                        "tenant": tenant.tenant,
                        "service_id": service_id,
                        "card_uuid": item.card,
                        "card_topic": card.topic if card else None,
                        "hook_instance": card.hook_instance if card else None,
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

    async def summary(self, tenant: Tenant, service_id: str | None = None) -> FeedbackSummary:
        """One tenant's summary (every service, or one)."""
        return await asyncio.to_thread(self.summary_sync, service_id, tenant)

    def summary_sync(
        self, service_id: str | None = None, tenant: Tenant | None = None
    ) -> FeedbackSummary:
        """Accepted / overridden counts and override reasons per card topic; every tenant's
        together when ``tenant`` is None (the operator's ``cds-triage feedback-summary``).

        A card recorded only after its feedback arrived (its answer did not wait for a slow
        database) still gets its topic here, from the same tenant's issued card."""
        card = feedback.outerjoin(
            issued_cards,
            and_(
                issued_cards.c.iss == feedback.c.iss,
                issued_cards.c.tenant == feedback.c.tenant,
                issued_cards.c.card_uuid == feedback.c.card_uuid,
            ),
        )
        topic = func.coalesce(feedback.c.card_topic, issued_cards.c.topic, UNKNOWN_TOPIC).label(
            "topic"
        )
        where = [] if service_id is None else [feedback.c.service_id == service_id]
        if tenant is not None:
            where += [feedback.c.iss == tenant.iss, feedback.c.tenant == tenant.tenant]
        outcomes = (
            select(topic, feedback.c.outcome, func.count().label("n"))
            .select_from(card)
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
            .select_from(card)
            .where(feedback.c.outcome == "overridden", *where)
            .group_by(topic, feedback.c.override_reason_system, feedback.c.override_reason_code)
        )
        with self._engine.connect() as conn:
            outcome_rows = list(conn.execute(outcomes))
            reason_rows = list(conn.execute(reasons))
        return _summarise(service_id, outcome_rows, reason_rows)


def _owner(row: Any) -> Tenant:
    return Tenant(iss=row.iss, tenant=row.tenant)


def _refuse_others_cards(items: Sequence[FeedbackItem], others: set[str]) -> None:
    """422 naming every item whose card was issued to another tenant only. The same answer for
    any other tenant, so it says nothing about whose card it is."""
    issues = [
        Issue(
            f"feedback[{i}].card: no card with this id was issued to this client",
            code="not-found",
            expression=[f"feedback[{i}].card"],
        )
        for i, item in enumerate(items)
        if item.card in others
    ]
    if issues:
        shown = issues[:20]  # as many as a validation error names
        raise RequestValidationFailed("; ".join(i.diagnostics for i in shown), issues=shown)


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
