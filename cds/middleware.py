"""Pure-ASGI middleware: request log line, last-resort guard, body size limit.

Pure ASGI (not ``BaseHTTPMiddleware``) because that one costs latency and breaks streaming; the
spec gives us ~500 ms.

- ``RequestLogMiddleware`` (outermost of ours): one structured line per request, with fields the
  routes put in ``scope["cds.log"]``; and the catch-all: an exception that escaped every handler
  becomes a 500 OperationOutcome without a traceback (never the exception text, which could
  quote request data), and is not re-raised to the server.
- ``BodyLimitMiddleware``: the body size limit (413) and the body read deadline (408); the
  accepted body is replayed to the app.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from typing import Any

import orjson
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cds.errors import (
    CdsError,
    Issue,
    PayloadTooLarge,
    RequestTimeout,
    operation_outcome,
    status_for,
)
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


class _TooLarge(Exception):
    """The body is over the limit; ``drain``: how many more bytes to read and drop at most."""

    def __init__(self, drain: int) -> None:
        self.drain = drain


class _ClientGone(Exception):
    """The client disconnected before sending its whole body: nothing to answer."""


class BodyLimitMiddleware:
    """At most ``max_bytes`` of body, received within ``timeout`` seconds, else 413 / 408.

    A declared ``Content-Length`` over the limit is refused before reading; otherwise the body
    is read chunk by chunk and refused as soon as the count passes the limit, so a huge body is
    never held. Before a 413, up to ``max_bytes`` more are read and dropped: a client that writes
    its whole body before reading (Python's urllib) then reads our answer instead of a reset
    connection; a bigger body is cut off. A body slower than ``timeout`` (one shorter than its
    ``Content-Length`` waits for ever otherwise) gets 408 and the connection is closed.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, timeout: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        deadline = asyncio.get_running_loop().time() + self.timeout
        try:
            async with asyncio.timeout_at(deadline):
                body = await self._read(scope, receive)
        except _ClientGone:
            return
        except TimeoutError:
            error: CdsError = RequestTimeout(
                f"the request body did not arrive within {self.timeout:g} seconds "
                "(CDS_BODY_TIMEOUT_SECONDS)"
            )
            await send_outcome(scope, send, error)
            return
        except _TooLarge as too_large:
            # Reading more would only make the client send more; it is waiting for our answer.
            if not _expects_continue(scope):
                with contextlib.suppress(TimeoutError, _ClientGone):
                    async with asyncio.timeout_at(deadline):
                        await _discard(receive, too_large.drain)
            error = PayloadTooLarge(
                f"request body is larger than {self.max_bytes} bytes (CDS_MAX_BODY_BYTES)"
            )
            await send_outcome(scope, send, error)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _read(self, scope: Scope, receive: Receive) -> bytes:
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            # Drained only if all of it fits in twice the limit; else the client is cut off.
            raise _TooLarge(drain=declared if declared <= 2 * self.max_bytes else 0)
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                raise _ClientGone
            chunk = message.get("body", b"")
            more = bool(message.get("more_body", False))
            size += len(chunk)
            if size > self.max_bytes:
                raise _TooLarge(drain=2 * self.max_bytes - size if more else 0)
            chunks.append(chunk)
            if not more:
                return b"".join(chunks)


async def _discard(receive: Receive, budget: int) -> None:
    """Read and drop the rest of the body, up to ``budget`` bytes."""
    while budget > 0:
        message = await receive()
        if message["type"] != "http.request":
            raise _ClientGone
        budget -= len(message.get("body", b""))
        if not message.get("more_body", False):
            return


def _expects_continue(scope: Scope) -> bool:
    return any(
        name == b"expect" and value.lower() == b"100-continue"
        for name, value in scope.get("headers", [])
    )


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
