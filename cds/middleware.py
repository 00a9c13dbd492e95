"""Pure-ASGI middleware: request log line, last-resort guard, body size limit.

Pure ASGI (not ``BaseHTTPMiddleware``) because that one costs latency and breaks streaming; the
spec gives us ~500 ms.

- ``RequestLogMiddleware`` (outermost of ours): one structured line per request, with fields the
  routes put in ``scope["cds.log"]``; and the catch-all: an exception that escaped every handler
  becomes a 500 OperationOutcome without a traceback (never the exception text, which could
  quote request data), and is not re-raised to the server.
- ``BodyLimitMiddleware``: a declared ``Content-Length`` over the limit is refused before reading
  anything; otherwise the body is read chunk by chunk and refused as soon as the count passes the
  limit, so a huge body is never read in full. The accepted body is replayed to the app.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

import orjson
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cds.errors import CdsError, Issue, PayloadTooLarge, operation_outcome, status_for
from cds.logging import log_request

logger = logging.getLogger(__name__)

LOG_KEY = "cds.log"


def log_fields(scope: Scope) -> dict[str, Any]:
    """The mutable dict of log fields for this request (routes add hookInstance, cards...)."""
    fields: dict[str, Any] = scope.setdefault(LOG_KEY, {})
    return fields


# Statuses an EHR may show its user as "no advice" (a failed discovery reads as "All clear!"):
# the log line says why, so the operator can find it. Their messages name a rule, never a value.
REASON_STATUSES = frozenset({401, 403, 503})


def note_error(scope: Scope, error: CdsError) -> None:
    """Put the error's type (and, for 401/403/503, its message) on the request's log line."""
    fields = log_fields(scope)
    fields.setdefault("error", type(error).__name__)
    if status_for(error) in REASON_STATUSES:
        fields.setdefault("reason", error.message)


async def send_outcome(scope: Scope, send: Send, error: CdsError) -> None:
    """Answer with the error's OperationOutcome from ASGI middleware (routes use the handlers)."""
    note_error(scope, error)
    body = orjson.dumps(operation_outcome(error.issues))
    headers = [
        (b"content-type", b"application/fhir+json"),
        (b"content-length", str(len(body)).encode()),
        *((k.lower().encode(), v.encode()) for k, v in error.headers().items()),
    ]
    await send({"type": "http.response.start", "status": status_for(error), "headers": headers})
    await send({"type": "http.response.body", "body": body})


class RequestLogMiddleware:
    """``routes``: the app's own, to name the endpoint of a request answered before routing."""

    def __init__(self, app: ASGIApp, *, routes: Sequence[BaseRoute] = ()) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        fields = log_fields(scope)
        status = 0

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        except Exception as exc:  # the last resort: no traceback, no exception text
            logger.error(
                "unhandled error", extra={"error": type(exc).__name__, "where": _where(exc)}
            )
            fields.setdefault("error", type(exc).__name__)
            if status == 0:
                status = 500
                error = CdsError(
                    "internal error", issues=[Issue("internal error", code="exception")]
                )
                await send_outcome(scope, send, error)
        finally:
            fields.update(
                method=scope.get("method"),
                route=_route_path(scope, self.routes),
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
            )
            log_request(fields)


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(scope, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                # the client went away before sending the whole body: nothing to answer
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        error = PayloadTooLarge(
            f"request body is larger than {self.max_bytes} bytes (CDS_MAX_BODY_BYTES)"
        )
        await send_outcome(scope, send, error)


def _route_path(scope: Scope, routes: Sequence[BaseRoute]) -> str:
    """The route template this request was for, even when middleware answered before routing.

    Authentication answers before the router runs, so ``scope["route"]`` is unset for a 401;
    the log line still names the endpoint (a template: no request data).
    """
    route = scope.get("route")
    if route is None:
        route = next((r for r in routes if r.matches(scope)[0] is not Match.NONE), None)
    return getattr(route, "path", None) or "unmatched"


def _where(exc: BaseException) -> str:
    """``module:function:line`` of the innermost frame: enough to find the bug, no data."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return "?"
    code = tb.tb_frame.f_code
    module = tb.tb_frame.f_globals.get("__name__", "?")
    return f"{module}:{code.co_name}:{tb.tb_lineno}"


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
