"""SMART App Launch 2.0, EHR launch: discovery, the authorization request, the token exchange.

The OAuth messages are authlib's (RFC 6749 authorization URI and token request, RFC 7636 S256
challenge), sent with the service's own httpx client (no redirects followed, no proxies from the
environment, the service's timeouts). This module adds what SMART asks on top (the ``launch``
and ``aud`` parameters, discovery at ``{iss}/.well-known/smart-configuration``) and what this
service requires: the ``iss`` must be a FHIR server we already may contact for that site
(``cds.security.allowed_fhir_bases``), the endpoints must be plain http(s) URLs, and the
``state`` must match the one in the session.

Failures become ``LaunchError`` with a sentence for the page; tokens and codes never appear in
one.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from pydantic import SecretStr

from cds.security import UnsafeUrl, VerifiedClient, url_within
from cds.security.urls import parse_origin
from cds.settings import Settings
from cds.smart.sessions import Grant, Launch

BASE_SCOPES = (
    "launch",
    "openid",
    "fhirUser",
    "patient/Patient.r",
    "patient/Condition.rs",
    "patient/Observation.rs",
)
WRITE_SCOPE = "patient/Observation.c"
# Scopes that allow creating Observations: SMART v2 ``c`` (alone or in a cruds string) and v1.
_WRITE_GRANTS = ("patient/Observation.", "user/Observation.")


class LaunchError(Exception):
    """A launch that cannot go on; ``message`` is shown to the clinician as it is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def requested_scopes(settings: Settings) -> str:
    return " ".join((*BASE_SCOPES, WRITE_SCOPE) if settings.smart_write_back else BASE_SCOPES)


def can_write(scopes: frozenset[str]) -> bool:
    """Whether the granted scopes allow creating this patient's Observations."""
    for scope in scopes:
        for prefix in _WRITE_GRANTS:
            if scope.startswith(prefix):
                rights = scope.removeprefix(prefix).split("?", 1)[0]
                if rights == "write" or rights == "*" or (rights.isalpha() and "c" in rights):
                    return True
    return False


def caller_for(iss: str, settings: Settings) -> VerifiedClient | None:
    """The site an ``iss`` belongs to, as the engine's SSRF guard expects a caller.

    With ``CDS_AUTH=on`` the ``iss`` must be under a ``fhir_servers`` entry of a trusted client
    (the same list its hook calls are checked against); with auth off, under
    ``CDS_FHIR_ALLOWLIST`` (the caller is then None). Anything else is refused here, before we
    send a single request to it.
    """
    try:
        parse_origin(iss)
    except UnsafeUrl as exc:
        raise LaunchError(f"The launch named an unusable FHIR server ({exc}).") from None
    if settings.auth == "off":
        if any(url_within(iss, base) for base in settings.fhir_allowlist):
            return None
    else:
        for client in settings.trusted_clients:
            if any(url_within(iss, base) for base in client.fhir_servers):
                return VerifiedClient(
                    iss=client.iss,
                    tenant=client.tenant,
                    client=client,
                    jti="smart-launch",
                    expires_at=datetime.now(UTC) + timedelta(minutes=5),
                )
    raise LaunchError(
        "This EHR's FHIR server is not registered with the calf-pain triage service, so the "
        "app cannot open this chart. Ask the service's administrators to register it."
    )


async def discover(http: httpx.AsyncClient, iss: str) -> tuple[str, str]:
    """The authorization and token endpoints from ``{iss}/.well-known/smart-configuration``."""
    url = iss.rstrip("/") + "/.well-known/smart-configuration"
    try:
        response = await http.get(url, headers={"Accept": "application/json"})
        config = response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        config = None
    if not isinstance(config, dict):
        raise LaunchError(
            "The EHR's SMART configuration could not be read, so the app cannot sign in. "
            "Try again; if it persists, the EHR's FHIR server may be down."
        )
    endpoints = []
    for key in ("authorization_endpoint", "token_endpoint"):
        value = config.get(key)
        try:
            if not isinstance(value, str):
                raise UnsafeUrl("missing")
            parse_origin(value)
        except UnsafeUrl:
            raise LaunchError(f"The EHR's SMART configuration has no usable {key}.") from None
        endpoints.append(value)
    return endpoints[0], endpoints[1]


async def start(
    http: httpx.AsyncClient, settings: Settings, iss: str, launch: str, redirect_uri: str
) -> Launch:
    """Everything for the redirect to the authorization server (``Launch.authorize_url``)."""
    authorize, token = await discover(http, iss)
    scope = requested_scopes(settings)
    verifier = secrets.token_urlsafe(64)  # RFC 7636: 43-128 characters
    state = secrets.token_urlsafe(32)
    url = prepare_grant_uri(
        authorize,
        client_id=settings.smart_client_id,
        response_type="code",
        redirect_uri=redirect_uri,
        scope=scope,
        state=state,
        code_challenge=create_s256_code_challenge(verifier),
        code_challenge_method="S256",
        launch=launch,
        aud=iss,
    )
    return Launch(
        iss=iss,
        state=state,
        code_verifier=SecretStr(verifier),
        authorize_url=url,
        token_url=token,
        redirect_uri=redirect_uri,
        scope=scope,
    )


def check_state(launch: Launch | None, state: object) -> Launch:
    if launch is None or not isinstance(state, str) or not state:
        raise LaunchError("This sign-in does not belong to an app launch here. Launch again.")
    if not hmac.compare_digest(state, launch.state):
        raise LaunchError("The sign-in answer did not match this launch (state). Launch again.")
    return launch


async def finish(
    http: httpx.AsyncClient, settings: Settings, launch: Launch, code: str
) -> tuple[Grant, int | None]:
    """Exchange the code (with the PKCE verifier; a public client, no secret)."""
    body = prepare_token_request(
        "authorization_code",
        code=code,
        redirect_uri=launch.redirect_uri,
        client_id=settings.smart_client_id,
        code_verifier=launch.code_verifier.get_secret_value(),
    )
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/json",
    }
    try:
        response = await http.post(launch.token_url, content=body, headers=headers)
        token = response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        token = None
    if not isinstance(token, dict):
        raise LaunchError(
            "The EHR's authorization server did not give the app a token. Launch again."
        )
    access = token.get("access_token")
    patient = token.get("patient")
    if not isinstance(access, str) or not access:
        raise LaunchError("The EHR's authorization server answered without an access token.")
    if not isinstance(patient, str) or not patient:
        raise LaunchError("The launch did not say which patient's chart is open.")
    scope = token.get("scope")
    granted = frozenset(scope.split()) if isinstance(scope, str) else frozenset()
    expires = token.get("expires_in")
    context = token.get("appContext")
    grant = Grant(
        access_token=SecretStr(access),
        scope=granted,
        patient=patient,
        fhir_user=_fhir_user(token, settings.smart_client_id),
        app_context=context if isinstance(context, str) else None,
    )
    return grant, expires if isinstance(expires, int) else None


def _fhir_user(token: dict[str, Any], client_id: str) -> str | None:
    """The ``fhirUser`` claim of the ID token.

    The ID token comes straight from the token endpoint over the connection we opened, which
    OpenID Connect Core 3.1.3.7 (6) accepts in place of checking its signature; the audience is
    still checked.
    """
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        return None
    try:
        claims = jwt.decode(
            id_token, options={"verify_signature": False, "verify_exp": False}, audience=client_id
        )
    except jwt.PyJWTError:
        return None
    user = claims.get("fhirUser")
    return user if isinstance(user, str) and user else None
