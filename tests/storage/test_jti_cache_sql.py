"""The JWT ``jti`` cache in the database, shared by workers (SQLite and PostgreSQL).

Two engines stand for two worker processes: a token accepted by one must be refused by the other,
and when both see the same token at the same instant exactly one accepts it.
"""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from cds.security import SqlJtiCache
from cds.storage.db import create_db_engine

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
ISS = "https://ehr.example.org"


@pytest.fixture
def second_worker(engine: Engine, database_url: str) -> Engine:
    other = create_db_engine(database_url)
    yield other  # type: ignore[misc]
    other.dispose()


# (case, [(worker, iss, jti, expires in s, clock offset s)], expected answers)
CASES = [
    ("first use accepted", [(0, ISS, "a", 300, 0)], [True]),
    (
        "replay on the same worker refused",
        [(0, ISS, "a", 300, 0), (0, ISS, "a", 300, 1)],
        [True, False],
    ),
    (
        "replay on another worker refused",
        [(0, ISS, "a", 300, 0), (1, ISS, "a", 300, 1)],
        [True, False],
    ),
    (
        "same jti from another issuer is another token",
        [(0, ISS, "a", 300, 0), (1, "https://other.example", "a", 300, 0)],
        [True, True],
    ),
    (
        "reuse after the first use expired is allowed",
        [(0, ISS, "a", 60, 0), (1, ISS, "a", 60, 120)],
        [True, True],
    ),
]


@pytest.mark.parametrize(("calls", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
async def test_replay_across_workers(
    engine: Engine,
    second_worker: Engine,
    calls: list[tuple[int, str, str, int, int]],
    expected: list[bool],
) -> None:
    answers = []
    for worker, iss, jti, expires_in, offset in calls:
        now = NOW + timedelta(seconds=offset)
        cache = SqlJtiCache((engine, second_worker)[worker], clock=lambda now=now: now)
        answers.append(await cache.remember(iss, jti, NOW + timedelta(seconds=expires_in)))
    assert answers == expected


def test_simultaneous_replays_accept_exactly_one(engine: Engine, database_url: str) -> None:
    workers = 8
    engines = [engine] + [create_db_engine(database_url) for _ in range(workers - 1)]
    barrier = threading.Barrier(workers)
    answers: list[bool] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def attempt(db: Engine) -> None:
        cache = SqlJtiCache(db, clock=lambda: NOW)
        barrier.wait(timeout=30)
        try:
            ok = asyncio.run(cache.remember(ISS, "raced", NOW + timedelta(minutes=5)))
            with lock:
                answers.append(ok)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=attempt, args=(db,)) for db in engines]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert errors == []
        assert sorted(answers) == [False] * (workers - 1) + [True]
    finally:
        for db in engines[1:]:
            db.dispose()
