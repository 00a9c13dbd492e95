"""Server-side sessions of the assessment app: the browser holds only a random id.

The access token, the PKCE verifier and the ``state`` live here, in the worker's memory, never
in the page, a URL or a log line. A session is forgotten after ``CDS_SMART_SESSION_MINUTES`` (or
when its access token expires, if sooner); the cookie is ``HttpOnly``, ``SameSite=Lax`` (the
authorization server's redirect back to us is a top-level GET) and ``Secure`` over https.

Sessions are per worker process: with ``--workers N`` a load balancer must keep a browser on one
worker (sticky sessions), or the clinician is asked to launch again.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pydantic import SecretStr

COOKIE = "cds_app_session"
COOKIE_PATH = "/app"
MAX_SESSIONS = 10_000  # a flood of launches cannot grow memory without bound


@dataclass(slots=True)
class Launch:
    """Between the redirect to the authorization server and its answer."""

    iss: str
    state: str
    code_verifier: SecretStr
    authorize_url: str
    token_url: str
    redirect_uri: str
    scope: str


@dataclass(slots=True)
class Grant:
    """What the token response gave us (the token itself never leaves the server)."""

    access_token: SecretStr
    scope: frozenset[str]
    patient: str
    fhir_user: str | None
    app_context: str | None


@dataclass(slots=True)
class Session:
    id: str
    csrf: str
    expires_at: datetime
    launch: Launch | None = None
    iss: str | None = None  # the FHIR server of the launch, once signed in
    grant: Grant | None = None
    leg: str | None = None  # the scored leg, as the card said when the app opened
    saved: list[str] = field(default_factory=list)  # ids of Observations created this session

    def csrf_ok(self, token: object) -> bool:
        return isinstance(token, str) and hmac.compare_digest(token, self.csrf)


class SessionStore:
    """Sessions by id, dropped when expired (checked on every access)."""

    def __init__(self, lifetime: timedelta, clock: Callable[[], datetime]) -> None:
        self._lifetime = lifetime
        self._clock = clock
        self._sessions: dict[str, Session] = {}

    def create(self) -> Session:
        self._prune()
        if len(self._sessions) >= MAX_SESSIONS:
            oldest = min(self._sessions.values(), key=lambda s: s.expires_at)
            del self._sessions[oldest.id]
        session = Session(
            id=secrets.token_urlsafe(32),
            csrf=secrets.token_urlsafe(32),
            expires_at=self._clock() + self._lifetime,
        )
        self._sessions[session.id] = session
        return session

    def get(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        session = self._sessions.get(session_id)
        if session is None:
            return None
        if session.expires_at <= self._clock():
            del self._sessions[session_id]
            return None
        return session

    def shorten(self, session: Session, seconds: int | None) -> None:
        """A session never outlives its access token."""
        if seconds is not None and seconds > 0:
            session.expires_at = min(session.expires_at, self._clock() + timedelta(seconds=seconds))

    def drop(self, session: Session) -> None:
        self._sessions.pop(session.id, None)

    def _prune(self) -> None:
        now = self._clock()
        for sid in [s.id for s in self._sessions.values() if s.expires_at <= now]:
            del self._sessions[sid]
