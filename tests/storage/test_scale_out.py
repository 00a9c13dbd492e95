"""Scale-out with real processes: replicas share only the database (issue 7).

Two ``cds-triage serve`` instances (one with ``--workers 2``, so three worker processes) on one
database, SQLite and PostgreSQL, with JWT auth on as in production. Many concurrent clients post
feedback to both and every accepted report is stored exactly once; a JWT accepted by one replica
is refused as a replay by every other.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm
from sqlalchemy import delete, func, select

from cds.storage.db import create_db_engine
from cds.storage.tables import feedback, jwt_jti
from tests.storage.live import LiveServer, serve_many

SERVICE = "calf-pain-patient-view"
CLIENTS = 16
POSTS = 240  # distinct feedback POSTs, 1-3 items each
PUBLIC_URL = "https://cds.test"
ISS = "https://ehr.scale-out.test"
KID = "scale-out"
_KEY = ec.generate_private_key(ec.SECP384R1())


def _jwk() -> dict[str, Any]:
    jwk: dict[str, Any] = ECAlgorithm.to_jwk(_KEY.public_key(), as_dict=True)
    return {**jwk, "kid": KID, "use": "sig", "alg": "ES384"}


def token(path: str, jti: str | None = None) -> str:
    """A client JWT for ``PUBLIC_URL + path`` (CDS Hooks 2.0 l.944-1110 claims)."""
    now = datetime.now(UTC)
    claims = {
        "iss": ISS,
        "aud": f"{PUBLIC_URL}{path}",
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=5)).timestamp()),
        "jti": jti or str(uuid.uuid4()),
    }
    return jwt.encode(claims, _KEY, algorithm="ES384", headers={"kid": KID})


@pytest.fixture(scope="module")
def replicas(
    module_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[LiveServer]]:
    trusted = [{"iss": ISS, "jwks": {"keys": [_jwk()]}, "algorithms": ["ES384"]}]
    env = {
        "CDS_DATABASE_URL": module_database_url,
        "CDS_AUTH": "on",
        "CDS_PUBLIC_URL": PUBLIC_URL,
        "CDS_TRUSTED_CLIENTS": orjson.dumps(trusted).decode(),
    }
    logs: Path = tmp_path_factory.mktemp("replicas")
    with serve_many(env, logs, workers=[2, 1]) as servers:
        yield servers


def _count(url: str, table: Any) -> int:
    engine = create_db_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())
    finally:
        engine.dispose()


def _clear(url: str, table: Any) -> None:
    engine = create_db_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(delete(table))
    finally:
        engine.dispose()


def _item(n: int, k: int) -> dict[str, Any]:
    at = datetime(2025, 3, 1, 12, 0, tzinfo=UTC) + timedelta(seconds=n)
    if k % 2 == 0:
        return {
            "card": f"card-{n}-{k}",
            "outcome": "accepted",
            "acceptedSuggestions": [{"id": "s-1"}],
            "outcomeTimestamp": at.isoformat(),
        }
    return {
        "card": f"card-{n}-{k}",
        "outcome": "overridden",
        "overrideReason": {
            "reason": {
                "system": "https://example.org/reasons",
                "code": "not-relevant",
                "display": "Not relevant",
            },
        },
        "outcomeTimestamp": at.isoformat(),
    }


def _fresh_client() -> httpx.AsyncClient:
    # No keep-alive: every request opens a connection, so the kernel spreads them over workers.
    limits = httpx.Limits(max_keepalive_connections=0)
    return httpx.AsyncClient(timeout=30, trust_env=False, limits=limits)


async def test_feedback_under_concurrent_load_is_stored_exactly_once(
    replicas: list[LiveServer], module_database_url: str
) -> None:
    _clear(module_database_url, feedback)
    path = f"/cds-services/{SERVICE}/feedback"
    bodies = [{"feedback": [_item(n, k) for k in range(1 + n % 3)]} for n in range(POSTS)]
    # Every 6th body is delivered twice at about the same time, to the other replica too (a
    # client retry): the report must still be stored once.
    deliveries = list(enumerate(bodies))
    deliveries += [(i + 1, body) for i, body in enumerate(bodies) if i % 6 == 0]
    queue: asyncio.Queue[tuple[int, dict[str, Any]]] = asyncio.Queue()
    for delivery in deliveries:
        queue.put_nowait(delivery)
    receipts: list[dict[str, Any]] = []
    failures: list[str] = []

    async def client() -> None:
        async with _fresh_client() as http:
            while not queue.empty():
                i, body = queue.get_nowait()
                base = replicas[i % len(replicas)].base
                r = await http.post(
                    f"{base}{path}", json=body, headers={"Authorization": f"Bearer {token(path)}"}
                )
                if r.status_code == 200:
                    receipts.append(r.json())
                else:
                    failures.append(f"{r.status_code} {r.text[:200]}")

    await asyncio.wait_for(asyncio.gather(*(client() for _ in range(CLIENTS))), timeout=90)
    assert failures == []
    unique = sum(len(b["feedback"]) for b in bodies)
    assert len(receipts) == len(deliveries)  # every POST accepted ...
    assert _count(module_database_url, feedback) == unique  # ... each report stored once
    assert sum(r["received"] for r in receipts) == sum(len(b["feedback"]) for _, b in deliveries)
    assert sum(r["stored"] for r in receipts) == unique  # the receipts agree with the table
    # Any replica reads what every replica wrote.
    summary_path = "/feedback/summary"
    async with _fresh_client() as http:
        r = await http.get(
            f"{replicas[1].base}{summary_path}",
            headers={"Authorization": f"Bearer {token(summary_path)}"},
        )
    assert r.status_code == 200, r.text[:300]
    topics = r.json()["topics"]
    assert sum(t.get("accepted", 0) + t.get("overridden", 0) for t in topics) == unique


async def test_jwt_replay_is_refused_across_replicas(
    replicas: list[LiveServer], module_database_url: str
) -> None:
    path = "/cds-services"
    tokens = [token(path) for _ in range(10)]
    before = _count(module_database_url, jwt_jti)

    async def call(base: str, bearer: str) -> int:
        async with _fresh_client() as http:
            r = await http.get(f"{base}{path}", headers={"Authorization": f"Bearer {bearer}"})
            return r.status_code

    # Each token is sent 6 times at once, 3 times to each replica (3 worker processes in all).
    attempts = [(s.base, t) for t in tokens for s in replicas for _ in range(3)]
    statuses = await asyncio.wait_for(
        asyncio.gather(*(call(base, bearer) for base, bearer in attempts)), timeout=90
    )
    for t in tokens:
        answers = sorted(s for (_, tt), s in zip(attempts, statuses, strict=True) if tt == t)
        assert answers == [200] + [401] * 5, answers
    assert _count(module_database_url, jwt_jti) == before + len(tokens)
