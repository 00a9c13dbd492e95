"""What lives as long as the app (built by the lifespan in ``cds.app``), and how routes get it.

Routes depend on ``StateDep`` / ``CallerDep`` (``Annotated`` dependency aliases) rather than on
module globals, so every app instance (tests build many) is independent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

import httpx
from fastapi import Depends, Request
from sqlalchemy import Engine as DbEngine

from cds.engine import Engine
from cds.errors import ServiceUnavailable
from cds.security import JwtVerifier, VerifiedClient, authenticate_request
from cds.services import CdsService, get_service
from cds.settings import Settings
from cds.storage.feedback import FeedbackStore

Clock = Callable[[], datetime]


@dataclass(slots=True)
class AppState:
    """Everything a request needs; stored on ``app.state.cds`` while the lifespan runs."""

    settings: Settings
    services: dict[str, CdsService]
    clock: Clock
    http: httpx.AsyncClient
    db: DbEngine
    store: FeedbackStore
    engine: Engine
    verifier: JwtVerifier | None


async def get_state(request: Request) -> AppState:
    """The app state; a coroutine, because FastAPI runs a plain ``def`` dependency in a thread."""
    state = getattr(request.app.state, "cds", None)
    if not isinstance(state, AppState):
        raise ServiceUnavailable("the service is starting or stopping; try again")
    return state


StateDep = Annotated[AppState, Depends(get_state)]


_CALLER = "cds.caller"


async def authenticate(request: Request, state: StateDep) -> VerifiedClient | None:
    """The authentication seam: the caller's verified JWT (None only when CDS_AUTH=off).

    Verified once per request (a second check would see its own ``jti`` as a replay): the route
    class (``cds.routes.AuthFirstRoute``) calls this before the body is read, so an
    unauthenticated caller gets 401 before anything of its body is parsed.
    """
    if _CALLER in request.scope:
        cached: VerifiedClient | None = request.scope[_CALLER]
        return cached
    caller = await authenticate_request(request, state.verifier, state.settings)
    request.scope[_CALLER] = caller
    return caller


CallerDep = Annotated[VerifiedClient | None, Depends(authenticate)]


def authenticated(request: Request) -> tuple[AppState, VerifiedClient | None]:
    """State and caller of a request that ``cds.routes.AuthFirstRoute`` has authenticated.

    The service routes (the hot path) read them here rather than through ``StateDep`` /
    ``CallerDep``: the route class has already resolved both, and FastAPI's dependency
    resolution costs ~25 us a call (issue 7). Neither dependency adds anything to OpenAPI.
    """
    if _CALLER not in request.scope:  # a route outside AuthFirstRoute: a programming error
        raise RuntimeError("request was not authenticated by AuthFirstRoute")
    state: AppState = request.app.state.cds
    return state, request.scope[_CALLER]


async def service_from_path(service_id: str, state: StateDep) -> CdsService:
    """The service named in the path, or 404 before the body is validated."""
    return get_service(state.services, service_id)


ServiceDep = Annotated[CdsService, Depends(service_from_path)]
