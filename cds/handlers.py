"""JSON in and out (orjson), and the one place errors become HTTP answers.

Every error answer is a FHIR OperationOutcome (CDS Hooks 3.0 l.817-850 recommends it; 2.0 allows
any body), rendered from ``cds.errors``. Validation messages name the field (``expression``) and
pydantic's message, never the offending value: values are patient data or tokens.

- malformed JSON -> 400; JSON that is not a valid request -> 422 (``RequestValidationFailed``);
- routing misses (unknown path / method) -> 404 / 405 as OperationOutcome;
- the catch-all for everything else lives in ``cds.middleware.RequestLogMiddleware``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

import orjson
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Receive, Scope, Send

from cds.errors import (
    BadRequest,
    CdsError,
    Issue,
    RequestValidationFailed,
    operation_outcome,
    status_for,
)
from cds.middleware import log_fields, note_error

FHIR_JSON = "application/fhir+json"


class OrjsonResponse(JSONResponse):
    """``application/json`` rendered by orjson (FastAPI's ORJSONResponse is deprecated).

    A ``JSONResponse`` subclass so that FastAPI documents the route's model in OpenAPI.
    """

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


class RecordedResponse(OrjsonResponse):
    """A service call's answer, sent only once its cards are recorded (``recorded`` awaited):
    feedback on a card may arrive the moment the EHR shows it (``cds.storage.issued``)."""

    def __init__(self, content: Any, *, recorded: Awaitable[None]) -> None:
        super().__init__(content)
        self._recorded = recorded

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._recorded
        await super().__call__(scope, receive, send)


class OutcomeResponse(OrjsonResponse):
    media_type = FHIR_JSON


class _OrjsonRequest(Request):
    """Parses the body with orjson: faster, and its depth limit turns a nesting bomb into a
    JSONDecodeError (400) instead of a RecursionError."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = orjson.loads(await self.body())
        return self._json


class OrjsonRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def orjson_handler(request: Request) -> Response:
            return await handler(_OrjsonRequest(request.scope, request.receive))

        return orjson_handler


def error_response(error: CdsError, request: Request | None = None) -> Response:
    if request is not None:
        note_error(request.scope, error)
    return OutcomeResponse(
        operation_outcome(error.issues), status_code=status_for(error), headers=error.headers()
    )


def _expression(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body",)]
    out = ""
    for part in parts:
        if part.isdigit():
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out or "body"


def validation_error(errors: Sequence[Any]) -> CdsError:
    """400 for unparseable JSON, else 422 with one issue per failing field."""
    if any(e.get("type") == "json_invalid" for e in errors):
        return BadRequest(
            "request body is not valid JSON",
            issues=[Issue("request body is not valid JSON", code="structure")],
        )
    issues: list[Issue] = []
    for err in errors[:20]:
        loc = err.get("loc", ())
        where = _expression(loc)
        if loc and loc[0] != "body":
            where = f"{loc[0]}.{where}"  # a path or header parameter
        message = str(err.get("msg", "invalid"))
        issues.append(Issue(f"{where}: {message}", code="invalid", expression=[where]))
    if not issues:
        issues.append(Issue("request is not valid", code="invalid"))
    return RequestValidationFailed("; ".join(i.diagnostics for i in issues), issues=issues)


async def _cds_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CdsError)
    return error_response(exc, request)


async def _request_validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return error_response(validation_error(exc.errors()), request)


async def _http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    code = {404: "not-found", 405: "not-supported"}.get(status, "processing")
    message = {404: "no such endpoint", 405: "method not allowed"}.get(status, "request failed")
    error = CdsError(message, issues=[Issue(message, code=code)])
    response = OutcomeResponse(operation_outcome(error.issues), status_code=status)
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    log_fields(request.scope).setdefault("error", f"HTTP{status}")
    return response


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(CdsError, _cds_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
