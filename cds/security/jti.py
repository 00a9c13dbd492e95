"""Each token is used once: its ``jti`` is remembered (CDS Hooks 2.0 l.944-1110, "jti" nonce).

A token is remembered until it could no longer be accepted anyway (``exp`` + leeway). The SQL
cache relies on the primary key ``(iss, jti)`` of ``jwt_jti``: the first worker to insert wins
and every other insert fails with a unique violation, so replicas sharing one database cannot
both accept the same token, whatever the interleaving. Expired rows are purged now and then.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import Engine, delete, insert
from sqlalchemy.exc import IntegrityError

from cds.storage.tables import jwt_jti

PURGE_INTERVAL = timedelta(minutes=1)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _as_utc(moment: datetime) -> datetime:
    """Store and compare in UTC; naive values (SQLite returns them) are taken as UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


class JtiCache(Protocol):
    async def remember(self, iss: str, jti: str, expires_at: datetime) -> bool:
        """Record ``(iss, jti)``; False when it was already seen and has not expired (reuse)."""
        ...


class MemoryJtiCache:
    """One process only (tests, single-worker trials); replicas need ``SqlJtiCache``."""

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self._clock = clock or _utcnow
        self._seen: dict[tuple[str, str], datetime] = {}
        self._last_purge = datetime.min.replace(tzinfo=UTC)

    async def remember(self, iss: str, jti: str, expires_at: datetime) -> bool:
        now = _as_utc(self._clock())
        if now - self._last_purge >= PURGE_INTERVAL:
            self._seen = {k: v for k, v in self._seen.items() if v > now}
            self._last_purge = now
        key = (iss, jti)
        previous = self._seen.get(key)
        if previous is not None and previous > now:
            return False
        self._seen[key] = _as_utc(expires_at)
        return True


class SqlJtiCache:
    """The ``jwt_jti`` table; works on SQLite and PostgreSQL (insert, unique violation = reuse).

    SQLAlchemy's engine is synchronous, so each call runs in a worker thread to keep the event
    loop free. An in-memory SQLite database needs ``poolclass=StaticPool`` to be shared.
    """

    def __init__(self, engine: Engine, clock: Callable[[], datetime] | None = None) -> None:
        self._engine = engine
        self._clock = clock or _utcnow
        self._last_purge = datetime.min.replace(tzinfo=UTC)

    async def remember(self, iss: str, jti: str, expires_at: datetime) -> bool:
        now = _as_utc(self._clock())
        purge = now - self._last_purge >= PURGE_INTERVAL
        if purge:
            self._last_purge = now
        return await asyncio.to_thread(self._remember, iss, jti, _as_utc(expires_at), now, purge)

    def _remember(
        self, iss: str, jti: str, expires_at: datetime, now: datetime, purge: bool
    ) -> bool:
        if purge:
            self.purge_expired(now)
        with self._engine.begin() as conn:
            # A jti whose earlier use has expired may be reused; clear just that row first.
            conn.execute(
                delete(jwt_jti).where(
                    jwt_jti.c.iss == iss, jwt_jti.c.jti == jti, jwt_jti.c.expires_at <= now
                )
            )
        try:
            with self._engine.begin() as conn:
                conn.execute(insert(jwt_jti).values(iss=iss, jti=jti, expires_at=expires_at))
        except IntegrityError:
            return False
        return True

    def purge_expired(self, now: datetime | None = None) -> int:
        """Delete rows that can no longer match an acceptable token; returns how many."""
        cutoff = _as_utc(now or self._clock())
        with self._engine.begin() as conn:
            result = conn.execute(delete(jwt_jti).where(jwt_jti.c.expires_at <= cutoff))
        return int(result.rowcount or 0)
