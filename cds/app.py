"""The FastAPI application: ``create_app(settings)`` and what lives as long as the app.

Settings are injected, never read at import time; ``app_from_env`` is the uvicorn factory used
by ``cds-triage serve`` (each worker process builds its own app). The lifespan owns the shared
``httpx.AsyncClient``, the database engine (migrated to the Alembic head on start) and the JWT
verifier; routes reach them through ``AppState`` (``cds.state``).

The lifespan ends start-up with a warm-up (``cds.warmup``): one synthetic call per service, so
code lists, unit factors and schemas are loaded before the first real call, then ``gc.freeze``.

``clock`` is injectable so that fixture replays and tests get a fixed "now"; it is the only
source of the current time for the clinical logic, the feedback store and the JWT checks.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from fastapi import FastAPI

from cds import __name__ as _package
from cds.engine import Engine
from cds.fhir_client import FhirClient, make_http_client
from cds.handlers import OrjsonResponse, install_error_handlers
from cds.logging import configure_logging, quiet_url_loggers
from cds.middleware import BodyLimitMiddleware, RequestLogMiddleware
from cds.routes import router
from cds.security import (
    JwtVerifier,
    SqlJtiCache,
    add_security_middleware,
    install_log_redaction,
    warn_if_auth_off,
)
from cds.services import build_services
from cds.settings import Settings
from cds.smart.docs import install_offline_docs
from cds.smart.views import install_smart
from cds.state import AppState, Clock
from cds.storage.db import create_db_engine, migrate
from cds.storage.feedback import FeedbackStore
from cds.valuesets import router as valueset_router
from cds.warmup import warm_up

logger = logging.getLogger(_package)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def create_app(settings: Settings, *, clock: Clock | None = None) -> FastAPI:
    """Build the app; nothing is connected until the lifespan starts."""
    now = clock or _utcnow
    services = build_services(local_codes_file=settings.local_codes_file)
    install_log_redaction()
    quiet_url_loggers()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        warn_if_auth_off(settings, logger)
        db = create_db_engine(settings.database_url)
        http = make_http_client(settings)
        store: FeedbackStore | None = None
        try:
            await asyncio.to_thread(migrate, db)
            store = FeedbackStore(db, clock=now)
            verifier = None
            if settings.auth == "on":
                verifier = JwtVerifier(settings, http, SqlJtiCache(db, clock=now), clock=now)
            app.state.cds = AppState(
                settings=settings,
                services=services,
                clock=now,
                http=http,
                db=db,
                store=store,
                engine=Engine(settings, fhir=FhirClient(http, settings), store=store, clock=now),
                verifier=verifier,
            )
            await warm_up(settings, services, now())  # the first real call is not the slow one
            logger.info("ready")
            yield
        finally:
            app.state.cds = None
            if store is not None:
                await store.aclose()  # every issued card is written before the engine goes
            await http.aclose()
            db.dispose()

    app = FastAPI(
        title="Calf pain triage CDS service",
        version="0.1.0",
        summary="CDS Hooks 2.0 service: calf-pain triage (Wells DVT + D-dimer, red flags, MSK).",
        lifespan=lifespan,
        default_response_class=OrjsonResponse,
    )
    app.state.cds = None
    app.state.services = services
    install_error_handlers(app)
    app.include_router(router)
    app.include_router(valueset_router)
    install_smart(app, settings, now)  # the SMART assessment app and the demo page, /app
    install_offline_docs(app)  # /docs and /redoc with local assets (no CDN)
    # add_middleware: the last added runs first. Body limit innermost of ours, then security
    # headers and CORS (so 413 answers carry them), then the log line / catch-all outermost.
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        timeout=settings.body_timeout_seconds,
    )
    add_security_middleware(app, settings)
    app.add_middleware(RequestLogMiddleware, routes=router.routes)
    return app


def app_from_env() -> FastAPI:
    """uvicorn factory (``cds.app:app_from_env``): settings from ``CDS_*`` variables."""
    settings = Settings()
    configure_logging(settings.log_level)
    return create_app(settings)
