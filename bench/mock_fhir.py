"""A local mock of the EHR's FHIR server for the fallback-path benchmark (127.0.0.1 only).

Every query waits a fixed delay (``BENCH_MOCK_DELAY_MS``, default 50 ms) before it answers, like
a real FHIR server's per-query latency, so the benchmark can check that the service runs its
fallback queries concurrently: the whole request should take about *one* delay more than the
prefetched one, not one per query (target: <= 1.3 x one query's delay).

It answers reads (``Patient/<id>``) and searches (``<Type>?patient=...&code=...``) from the same
synthetic record as the prefetched requests (``bench.make_requests.build_dataset``), checks the
bearer token the service must forward, and counts queries (``GET /_stats``).

A raw ASGI app (no framework) so the mock costs as little CPU as possible on a 2-core machine:
``uvicorn --factory bench.mock_fhir:app_factory --port N``.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import orjson

from bench.make_requests import PATIENT_ID, build_dataset, search, searchset

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

TOKEN = "bench-token"


class MockFhir:
    def __init__(self, now: datetime, delay_seconds: float) -> None:
        self.data = build_dataset(now)
        self.delay = delay_seconds
        self.queries = 0
        self._cache: dict[str, bytes] = {}

    def _answer(self, path: str, query: str) -> tuple[int, bytes]:
        key = f"{path}?{query}"
        cached = self._cache.get(key)
        if cached is not None:
            return 200, cached
        parts = [p for p in path.split("/") if p]
        if parts and parts[0] == "fhir":
            parts = parts[1:]
        if len(parts) == 2 and parts[0] == "Patient":
            if parts[1] != PATIENT_ID:
                return 404, orjson.dumps({"resourceType": "OperationOutcome", "issue": []})
            body = orjson.dumps(self.data.patient)
        elif len(parts) == 1:
            body = orjson.dumps(searchset(search(self.data, f"{parts[0]}?{unquote(query)}")))
        else:
            return 404, orjson.dumps({"resourceType": "OperationOutcome", "issue": []})
        self._cache[key] = body
        return 200, body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        path: str = scope["path"]
        query = scope.get("query_string", b"").decode("latin-1")
        if path == "/_stats":
            status, body = 200, orjson.dumps({"queries": self.queries})
        else:
            headers = dict(scope.get("headers", []))
            if headers.get(b"authorization") != f"Bearer {TOKEN}".encode():
                status, body = 401, b'{"resourceType":"OperationOutcome","issue":[]}'
            else:
                self.queries += 1
                await asyncio.sleep(self.delay)
                status, body = self._answer(path, query)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/fhir+json")],
            }
        )
        await send({"type": "http.response.body", "body": body})


def app_factory() -> MockFhir:
    now_text = os.environ.get("BENCH_NOW")
    now = datetime.fromisoformat(now_text) if now_text else datetime.now(UTC)
    delay = float(os.environ.get("BENCH_MOCK_DELAY_MS", "50")) / 1000
    return MockFhir(now, delay)
