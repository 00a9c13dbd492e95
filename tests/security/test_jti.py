"""jti cache: shared by replicas through the database; memory variant for one process."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, func, select

from cds.security import MemoryJtiCache, SqlJtiCache
from cds.storage.tables import jwt_jti, metadata

from .tokens import NOW


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        eng = create_engine(f"sqlite:///{tmp_path / 'jti.sqlite3'}")
    else:
        url = os.environ.get("CDS_TEST_POSTGRES_URL")
        if not url:
            pytest.skip("CDS_TEST_POSTGRES_URL not set")
        eng = create_engine(url)
    metadata.drop_all(eng, tables=[jwt_jti])
    metadata.create_all(eng, tables=[jwt_jti])
    yield eng
    eng.dispose()


@pytest.mark.parametrize("kind", ["sql", "memory"])
async def test_second_use_within_lifetime_is_a_replay(engine: Engine, kind: str) -> None:
    clock = Clock()
    cache = SqlJtiCache(engine, clock) if kind == "sql" else MemoryJtiCache(clock)
    exp = NOW + timedelta(minutes=5)

    assert await cache.remember("iss-a", "j1", exp) is True
    assert await cache.remember("iss-a", "j1", exp) is False
    assert await cache.remember("iss-b", "j1", exp) is True  # jti is per issuer
    assert await cache.remember("iss-a", "j2", exp) is True

    clock.now = exp  # the first token can no longer be accepted: its jti may be reused
    assert await cache.remember("iss-a", "j1", exp + timedelta(minutes=5)) is True
    clock.now = exp + timedelta(minutes=1)
    assert await cache.remember("iss-a", "j1", exp + timedelta(minutes=5)) is False


async def test_replicas_sharing_a_database_accept_a_token_once(engine: Engine) -> None:
    clock = Clock()
    replicas = [SqlJtiCache(engine, clock) for _ in range(4)]
    exp = NOW + timedelta(minutes=5)

    results = await asyncio.gather(
        *(r.remember("iss", f"jti-{n}", exp) for n in range(10) for r in replicas)
    )

    assert sum(results) == 10  # exactly one replica wins each jti
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(jwt_jti)) == 10


async def test_expired_rows_are_purged(engine: Engine) -> None:
    clock = Clock()
    cache = SqlJtiCache(engine, clock)
    for n in range(3):
        await cache.remember("iss", f"old-{n}", NOW + timedelta(seconds=30))
    await cache.remember("iss", "young", NOW + timedelta(hours=1))

    clock.now = NOW + timedelta(minutes=2)  # past the purge interval and the old rows' expiry
    await cache.remember("iss", "trigger", NOW + timedelta(hours=1))

    with engine.connect() as conn:
        left = set(conn.scalars(select(jwt_jti.c.jti)))
    assert left == {"young", "trigger"}
    assert cache.purge_expired(NOW + timedelta(hours=2)) == 2


async def test_memory_cache_forgets_expired_entries() -> None:
    clock = Clock()
    cache = MemoryJtiCache(clock)
    await cache.remember("iss", "a", NOW + timedelta(seconds=10))
    clock.now = NOW + timedelta(minutes=2)
    await cache.remember("iss", "b", NOW + timedelta(minutes=10))
    assert len(cache._seen) == 1
