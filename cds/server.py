"""The HTTP server behind ``cds-triage serve``: uvicorn, with deadlines for slow clients.

uvicorn closes a connection left idle after a response (keep-alive), but a connection that never
completes a request head is never closed, and any byte resets its idle timer: a client sending
its headers a byte at a time (slowloris) holds a connection, and a worker's socket, for ever.
``TimedH11Protocol`` gives every request head a deadline (``CDS_HEADER_TIMEOUT_SECONDS``, from
the connection's start or the previous response). The body is bounded in the app
(``cds.middleware.BodyLimitMiddleware``, ``CDS_BODY_TIMEOUT_SECONDS``), where the answer can be
an OperationOutcome. In production a reverse proxy in front enforces its own limits as well.

``X-Forwarded-*`` headers are believed only from ``CDS_FORWARDED_ALLOW_IPS`` (uvicorn's default
trusts 127.0.0.1, which is every local process). The JWT audience never depends on them
(``cds.security.urls.audience_bases``); the scheme they give decides only whether HSTS is sent.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.supervisors import Multiprocess

from cds.settings import Settings

APP_FACTORY = "cds.app:app_from_env"
WORKER_HEALTHCHECK_SECONDS = 60


class ServerConfig(uvicorn.Config):
    """uvicorn's configuration plus the request-head deadline (picklable: workers get a copy)."""

    def __init__(self, app: Any, *, header_timeout: float, **options: Any) -> None:
        super().__init__(app, **options)
        self.header_timeout = header_timeout


class TimedH11Protocol(H11Protocol):
    """h11 where a request head must be complete within ``ServerConfig.header_timeout``."""

    def __init__(self, config: uvicorn.Config, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self.header_timeout = float(getattr(config, "header_timeout", 10.0))
        self.head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        self.arm_head_timer()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:  # the head is in (or the connection is over)
            self.cancel_head_timer()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self.arm_head_timer()  # the next request's head

    def connection_lost(self, exc: Exception | None) -> None:
        self.cancel_head_timer()
        super().connection_lost(exc)

    def arm_head_timer(self) -> None:
        self.cancel_head_timer()
        self.head_timer = self.loop.call_later(self.header_timeout, self.head_timed_out)

    def cancel_head_timer(self) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None

    def head_timed_out(self) -> None:
        self.head_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()


def server_config(settings: Settings, app: Any = APP_FACTORY, **options: Any) -> ServerConfig:
    """The uvicorn configuration for these settings (``options``: host, port, workers...)."""
    return ServerConfig(
        app,
        factory=isinstance(app, str),
        http=TimedH11Protocol,
        header_timeout=settings.header_timeout_seconds,
        timeout_keep_alive=settings.keep_alive_seconds,
        proxy_headers=bool(settings.forwarded_allow_ips),
        forwarded_allow_ips=list(settings.forwarded_allow_ips),
        access_log=False,  # our own request line (cds.logging) never risks a patient id in a URL
        log_config=None,
        server_header=False,
        # A spawned worker answers the supervisor's health ping only once its imports are done
        # (the code lists take seconds, more on a busy machine); uvicorn's 5 s kills slow
        # starters and restarts them for ever.
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        **options,
    )


def serve(settings: Settings, *, host: str, port: int, workers: int) -> None:
    """Run until stopped: one process, or a supervisor with ``workers`` spawned processes."""
    config = server_config(settings, host=host, port=port, workers=workers)
    if config.workers > 1:
        Multiprocess(config, sockets=[config.bind_socket()]).run()
    else:
        uvicorn.Server(config).run()
