"""HTTP-facing security: authentication before anything else, headers, CORS, start-up warnings.

Security headers are added by a small pure-ASGI middleware (no ``BaseHTTPMiddleware``: it buffers
and costs latency we do not have within the spec's ~500 ms). CORS exists because the public CDS
Hooks Sandbox is a browser client (spec l.1095-1099); a wildcard origin together with credentials
is refused at start-up rather than silently "fixed", so a wrong deployment fails loudly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import urlsplit

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cds.errors import AuthenticationFailed, ServiceUnavailable
from cds.middleware import send_outcome
from cds.security.urls import audience_bases, audiences_for
from cds.security.verifier import JwtVerifier
from cds.settings import Settings

API_HEADERS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",  # cards are derived from patient data
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Cross-Origin-Resource-Policy": "same-origin",
}
HSTS = ("Strict-Transport-Security", "max-age=31536000")


CALLER_KEY = "cds.caller"  # ASGI scope key holding the VerifiedClient of this request
# Where EHRs call us: discovery, the services, feedback and its summaries. Health, the API docs
# and the SMART app (its own OAuth session) are elsewhere.
PROTECTED_PREFIXES = ("/cds-services", "/feedback")


VerifierSource = Callable[[Scope], JwtVerifier | None]


def verifier_from_app_state(scope: Scope) -> JwtVerifier | None:
    """Default ``VerifierSource``: ``app.state.cds.verifier`` as built by the lifespan."""
    app = scope.get("app")
    state = getattr(getattr(app, "state", None), "cds", None)
    verifier = getattr(state, "verifier", None)
    return verifier if isinstance(verifier, JwtVerifier) else None


class AuthenticationMiddleware:
    """The one place a caller is verified: before the body is read, parsed or routed.

    A FastAPI dependency runs only after the body has been read and parsed as JSON, so an
    anonymous caller could make us read and parse megabytes and learn how we validate. Here the
    JWT is checked first and the ``VerifiedClient`` is put in the scope (``CALLER_KEY``), where
    the routes' dependency (``cds.state.authenticated``) takes it; a 401 (503 while the issuer's
    JWKS is unreachable) OperationOutcome is sent without touching the body. The expected ``aud``
    is a configured base URL plus the path called (``audience_bases``), never anything the
    request says about its own host. Only paths under ``PROTECTED_PREFIXES`` are checked here;
    a route elsewhere that asks for the caller gets 401 from the dependency (fail closed). Before
    the lifespan has built the verifier, requests pass through (the route then answers 503).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        settings: Settings,
        verifier_source: VerifierSource = verifier_from_app_state,
    ) -> None:
        self.app = app
        self.bases = audience_bases(settings)
        self.verifier_source = verifier_source

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope.get("method") == "OPTIONS"  # CORS preflight carries no credentials
            or not _under(scope.get("path", ""), PROTECTED_PREFIXES)
        ):
            await self.app(scope, receive, send)
            return
        verifier = self.verifier_source(scope)
        if verifier is None:
            await self.app(scope, receive, send)
            return
        authorization = Headers(scope=scope).get("authorization")
        try:
            caller = await verifier.verify(authorization, audiences_for(scope["path"], self.bases))
        except (AuthenticationFailed, ServiceUnavailable) as exc:  # 401, or 503: issuer's JWKS down
            await send_outcome(scope, send, exc)
            return
        scope[CALLER_KEY] = caller
        await self.app(scope, receive, send)


def _under(path: str, prefixes: tuple[str, ...]) -> bool:
    return any(path == p or path.startswith(p + "/") for p in prefixes)


class SecurityHeadersMiddleware:
    """Adds ``API_HEADERS`` (and HSTS over https) unless the route already set the header.

    Interactive docs pages (``docs_paths``) need scripts, so they get no CSP from us.
    """

    def __init__(self, app: ASGIApp, *, hsts: bool, docs_paths: tuple[str, ...] = ()) -> None:
        self.app = app
        self.hsts = hsts
        self.docs_paths = docs_paths
        # The four possible header sets (docs page or not, HSTS or not), encoded once.
        self._extra = {
            (docs, https): _encoded_headers(docs, https)
            for docs in (False, True)
            for https in (False, True)
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        is_docs = any(path == p or path.startswith(p + "/") for p in self.docs_paths)
        https = self.hsts or scope.get("scheme") == "https"
        extra = self._extra[(is_docs, https)]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(item for item in extra if item[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _encoded_headers(is_docs: bool, https: bool) -> tuple[tuple[bytes, bytes], ...]:
    extra = dict(API_HEADERS)
    if is_docs:
        extra.pop("Content-Security-Policy")
    if https:
        extra[HSTS[0]] = HSTS[1]
    return tuple((name.lower().encode(), value.encode()) for name, value in extra.items())


def _check_cors(settings: Settings) -> list[str]:
    origins = list(settings.cors_origins)
    if "*" in origins:
        if settings.cors_allow_credentials:
            raise ValueError(
                "CDS_CORS_ORIGINS='*' with CDS_CORS_ALLOW_CREDENTIALS=true is refused: "
                "list the browser origins explicitly"
            )
        return ["*"]
    for origin in origins:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path:
            raise ValueError(f"CDS_CORS_ORIGINS entry {origin!r} is not an origin (scheme://host)")
    return origins


def add_security_middleware(
    app: FastAPI, settings: Settings, *, verifier_source: VerifierSource = verifier_from_app_state
) -> None:
    """Install authentication, CORS (only if origins are configured) and the security headers.

    Call once, in ``create_app``, after any middleware that must run after authentication (the
    body limit). Resulting order, outermost first: headers, CORS, authentication, then whatever
    was added before; so preflights skip authentication and 401 answers carry the headers.
    Raises ``ValueError`` for a configuration that cannot work (no public URL with auth on, an
    unsafe CORS list), so a wrong deployment fails at start-up.
    """
    docs = tuple(p for p in (app.docs_url, app.redoc_url) if p)
    if settings.auth == "on":
        audience_bases(settings)  # fails now rather than at the first request
        app.add_middleware(
            AuthenticationMiddleware, settings=settings, verifier_source=verifier_source
        )
    origins = _check_cors(settings)
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_credentials=settings.cors_allow_credentials,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type"],
            max_age=600,
        )
    hsts = bool(settings.public_url and settings.public_url.startswith("https://"))
    app.add_middleware(SecurityHeadersMiddleware, hsts=hsts, docs_paths=docs)


def warn_if_auth_off(settings: Settings, logger: logging.Logger) -> None:
    """Say loudly at start-up when nobody is being authenticated, or nobody can be."""
    if settings.auth == "off":
        logger.warning(
            "!!! CDS_AUTH=off: requests are NOT authenticated. Anyone who can reach this "
            "service can call it. Use only on a local machine, never with real patient data. "
            "FHIR servers allowed: %d (CDS_FHIR_ALLOWLIST) !!!",
            len(settings.fhir_allowlist),
        )
    elif not settings.trusted_clients:
        logger.warning(
            "CDS_AUTH=on but CDS_TRUSTED_CLIENTS is empty: every request will be rejected (401)"
        )
