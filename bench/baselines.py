"""The two reference apps the service is measured against, served by uvicorn.

- ``constant_app``: a bare FastAPI endpoint that ignores the body and returns constant cards, the
  ceiling for this framework and server on this machine;
- ``walk_app``: reads the body, parses it with orjson and walks every prefetched resource's dicts
  collecting ``system|code`` pairs, then answers with one card naming how many codes it saw. This
  is the least any real triage must do, so "our throughput / walk throughput" says how much the
  clinical logic, validation and bookkeeping add on top.

Both use the same route as the service (``POST /cds-services/{service_id}``) so the same wrk
script drives all three.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import FastAPI, Request, Response

_CARD: dict[str, Any] = {
    "uuid": "00000000-0000-4000-8000-000000000000",
    "summary": "Benchmark baseline card",
    "indicator": "info",
    "detail": "Constant response used as a throughput ceiling.",
    "source": {"label": "bench", "url": "https://example.org/bench"},
}
_CONSTANT = orjson.dumps({"cards": [_CARD]})


def constant_app() -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.post("/cds-services/{service_id}")
    async def respond() -> Response:
        return Response(_CONSTANT, media_type="application/json")

    @app.get("/healthz")
    async def health() -> Response:
        return Response(b"{}", media_type="application/json")

    return app


def _walk(node: Any, found: set[str]) -> None:
    """Every ``coding`` under ``node``: the shape every code-matching step has to visit."""
    if isinstance(node, dict):
        coding = node.get("coding")
        if isinstance(coding, list):
            for c in coding:
                if isinstance(c, dict):
                    found.add(f"{c.get('system')}|{c.get('code')}")
        for value in node.values():
            if isinstance(value, dict | list):
                _walk(value, found)
    elif isinstance(node, list):
        for item in node:
            if isinstance(item, dict | list):
                _walk(item, found)


def walk_app() -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.post("/cds-services/{service_id}")
    async def respond(request: Request) -> Response:
        body = orjson.loads(await request.body())
        found: set[str] = set()
        _walk(body.get("prefetch") or {}, found)
        _walk(body.get("context") or {}, found)
        card = {**_CARD, "detail": f"{len(found)} distinct codes seen."}
        return Response(orjson.dumps({"cards": [card]}), media_type="application/json")

    @app.get("/healthz")
    async def health() -> Response:
        return Response(b"{}", media_type="application/json")

    return app
