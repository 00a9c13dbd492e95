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
from cds.errors import AuthenticationFailed, ServiceUnavailable
from cds.security import CALLER_KEY, JwtVerifier, VerifiedClient
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


async def authenticated(request: Request, state: StateDep) -> VerifiedClient | None:
    """The caller of this request; None only when ``CDS_AUTH=off``.

    Verification itself happens once, in ``cds.security.AuthenticationMiddleware``, before the
    body is read; this dependency hands its result to the route. A route outside the paths the
    middleware checks that asks for the caller fails closed with 401.
    """
    if state.settings.auth == "off":
        return None
    caller = request.scope.get(CALLER_KEY)
    if not isinstance(caller, VerifiedClient):
        raise AuthenticationFailed("the request was not authenticated")
    return caller


CallerDep = Annotated[VerifiedClient | None, Depends(authenticated)]


async def service_from_path(service_id: str, state: StateDep) -> CdsService:
    """The service named in the path, or 404 before the body is validated."""
    return get_service(state.services, service_id)


ServiceDep = Annotated[CdsService, Depends(service_from_path)]
