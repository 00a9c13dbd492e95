"""CDS Hooks 2.0 client authentication: the EHR's signed JWT bearer token (spec l.944-1110).

Order matters: everything decided from the *unverified* token (algorithm, ``kid``, ``iss``,
``jku``) only selects a trusted key or rejects early; no claim is believed until PyJWT has
checked the signature with a key we chose from configuration. The algorithm is pinned twice
(allowlist of asymmetric algorithms and the key's own type), which is what defeats ``alg: none``
and the "HS256 signed with the public key" confusion attack. Time checks use the injected clock.
Every failure is an ``AuthenticationFailed`` whose message says why and never contains the token.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt

from cds.errors import AuthenticationFailed
from cds.security.jti import JtiCache
from cds.security.jwks import JwksCache, JwksError, jwks_failure, public_keys_by_kid
from cds.settings import Settings, TrustedClient

# Spec: ES384 and RS384 RECOMMENDED; none and HMAC SHALL NOT be used. A client may opt in to
# the other asymmetric algorithms through ``TrustedClient.algorithms``.
ASYMMETRIC_ALGORITHMS = frozenset(
    {"ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}
)
KNOWN_REJECTED = frozenset({"none", "HS256", "HS384", "HS512", "EdDSA", "ES256K"})
KEY_TYPE = {"E": "EC", "R": "RSA", "P": "RSA"}
EC_CURVE = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}
REQUIRED_CLAIMS = ["iss", "aud", "exp", "iat", "jti"]
MAX_TOKEN_CHARS = 16 * 1024
MAX_TEXT_CLAIM_CHARS = 255  # jti and tenant; the jwt_jti.jti column holds 500
MAX_NUMERIC_DATE = 253402300799  # 9999-12-31T23:59:59Z, the last second a datetime can hold


@dataclass(frozen=True)
class VerifiedClient:
    """Who called us, after verification; deliberately holds no part of the raw token."""

    iss: str
    tenant: str | None
    client: TrustedClient
    jti: str
    expires_at: datetime


def validate_trusted_clients(clients: list[TrustedClient]) -> None:
    """Refuse, at start-up, a configuration that could not work or would weaken verification."""
    for c in clients:
        bad = [a for a in c.algorithms if a not in ASYMMETRIC_ALGORITHMS]
        if bad:
            raise ValueError(f"trusted client {c.iss!r}: algorithms {bad} are not allowed")
        if c.jwks is None and c.jwks_url is None and not c.jku:
            raise ValueError(f"trusted client {c.iss!r} has no jwks, jwks_url or jku")
        if c.jwks is not None and c.jwks_url is not None:
            raise ValueError(
                f"trusted client {c.iss!r}: pin its keys (jwks) or fetch them (jwks_url), not both"
            )
        if c.jwks is not None:
            for key in c.jwks.get("keys", []):
                if isinstance(key, dict) and {"d", "k"} & key.keys():
                    raise ValueError(f"trusted client {c.iss!r}: inline JWKS holds a private key")
            try:
                usable = public_keys_by_kid(c.jwks, source=f"settings ({c.iss})")
            except JwksError as exc:
                raise ValueError(f"trusted client {c.iss!r}: {exc}") from exc
            if not usable:
                raise ValueError(
                    f"trusted client {c.iss!r}: inline JWKS has no public signature key with a kid"
                )


def _numeric_date(payload: dict[str, Any], claim: str) -> int:
    """A time claim as whole seconds since 1970, or 401.

    JSON allows ``NaN`` (every comparison with it is false, so it passed the lifetime check),
    ``1e400`` (infinity) and ``10**400`` (no datetime can hold it): none is a time.
    """
    value = payload.get(claim)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AuthenticationFailed(f"token claim '{claim}' is not a number")
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise AuthenticationFailed(f"token claim '{claim}' is not a whole number of seconds")
        value = int(value)
    if not 0 <= value <= MAX_NUMERIC_DATE:
        raise AuthenticationFailed(f"token claim '{claim}' is out of range")
    return value


def _bounded_text(value: Any) -> bool:
    """A non-empty printable string that every database stores as given (no NUL, no control
    character, no lone surrogate), short enough for its column."""
    return isinstance(value, str) and 0 < len(value) <= MAX_TEXT_CLAIM_CHARS and value.isprintable()


class JwtVerifier:
    def __init__(
        self,
        settings: Settings,
        http: httpx.AsyncClient,
        jti_cache: JtiCache,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        validate_trusted_clients(settings.trusted_clients)
        self._settings = settings
        self._jti_cache = jti_cache
        self._clock = clock or (lambda: datetime.now(UTC))
        self._leeway = settings.jwt_leeway_seconds
        self._jwks = JwksCache(
            http,
            self._clock,
            default_cache_seconds=settings.jwks_cache_seconds,
            timeout_seconds=settings.jwks_timeout_seconds,
            refresh_min_seconds=settings.jwks_refresh_min_seconds,
        )
        self._pinned = {
            id(c): public_keys_by_kid(c.jwks, source=f"settings ({c.iss})")
            for c in settings.trusted_clients
            if c.jwks is not None
        }

    async def verify(self, authorization: str | None, audiences: frozenset[str]) -> VerifiedClient:
        token = self._bearer(authorization)
        header, unverified = self._peek(token)
        alg, kid = self._check_header(header)
        client = self._client_for(unverified)
        if alg not in client.algorithms:
            raise AuthenticationFailed(f"algorithm {alg} is not allowed for this issuer")
        jwk = await self._key(client, header, kid)
        payload = self._verify_signature(token, jwk, alg)
        expires_at = self._check_claims(payload, client, audiences)
        jti = payload["jti"]
        # Remember the jti for as long as the token could still be accepted (exp + leeway).
        horizon = expires_at + timedelta(seconds=self._leeway)
        if not await self._jti_cache.remember(client.iss, jti, horizon):
            raise AuthenticationFailed("token replayed (jti already used)")
        tenant = payload.get("tenant")
        return VerifiedClient(
            iss=client.iss,
            tenant=tenant if isinstance(tenant, str) else None,
            client=client,
            jti=jti,
            expires_at=expires_at,
        )

    @staticmethod
    def _bearer(authorization: str | None) -> str:
        if not authorization or not authorization.strip():
            raise AuthenticationFailed("missing Authorization header")
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationFailed("Authorization header is not a Bearer token")
        token = token.strip()
        if len(token) > MAX_TOKEN_CHARS:
            raise AuthenticationFailed("malformed token: too long")
        return token

    @staticmethod
    def _peek(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as exc:
            raise AuthenticationFailed("malformed token: not a JWS compact serialization") from exc
        return header, unverified

    @staticmethod
    def _check_header(header: dict[str, Any]) -> tuple[str, str]:
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in ASYMMETRIC_ALGORITHMS:
            shown = alg if alg in KNOWN_REJECTED else "(unrecognised)"
            raise AuthenticationFailed(
                f"algorithm {shown} is not allowed (asymmetric algorithms only, e.g. ES384)"
            )
        typ = header.get("typ")
        if not isinstance(typ, str) or typ.upper() != "JWT":
            raise AuthenticationFailed("token header 'typ' must be JWT")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise AuthenticationFailed("token header has no 'kid'")
        return alg, kid

    def _client_for(self, unverified: dict[str, Any]) -> TrustedClient:
        iss = unverified.get("iss")
        if not isinstance(iss, str) or not iss:
            raise AuthenticationFailed("token has no 'iss' claim")
        matches = [c for c in self._settings.trusted_clients if c.iss == iss]
        if not matches:
            raise AuthenticationFailed("issuer is not a trusted client")
        tenant = unverified.get("tenant")
        # One EHR issuer may serve several tenants, each configured separately.
        for c in matches:
            if c.tenant is not None and c.tenant == tenant:
                return c
        for c in matches:
            if c.tenant is None:
                return c
        raise AuthenticationFailed("tenant is not trusted for this issuer")

    async def _key(self, client: TrustedClient, header: dict[str, Any], kid: str) -> Any:
        """The JWK that ``kid`` selects among this client's keys.

        Keys pinned in configuration (``jwks``) are the client's only keys: a ``jku`` it lists
        names them (the CDS Hooks Sandbox sends its JWKS URL on every token) and is never
        fetched. Without pinned keys a listed ``jku``, else ``jwks_url``, is fetched.
        """
        jku = header.get("jku")
        # The configured jwks_url counts as listed too: it is the same operator decision.
        if jku is not None and (
            not isinstance(jku, str) or (jku not in client.jku and jku != client.jwks_url)
        ):
            raise AuthenticationFailed("jku is not on the allowlist for this issuer")
        pinned = self._pinned.get(id(client))
        if pinned is not None:
            jwk = pinned.get(kid)
        elif url := jku or client.jwks_url:
            try:
                jwk = await self._jwks.key(url, kid)
            except JwksError as exc:
                raise jwks_failure(exc) from exc
        else:
            raise AuthenticationFailed("no JWKS configured for this issuer; send a jku")
        if jwk is None:
            raise AuthenticationFailed("unknown kid")
        return jwk

    @staticmethod
    def _verify_signature(token: str, jwk: dict[str, Any], alg: str) -> dict[str, Any]:
        if jwk.get("kty") != KEY_TYPE[alg[0]] or jwk.get("alg", alg) != alg:
            raise AuthenticationFailed(f"the key selected by kid is not a key for {alg}")
        if alg in EC_CURVE and jwk.get("crv") != EC_CURVE[alg]:
            raise AuthenticationFailed(f"the key selected by kid is not a key for {alg}")
        try:
            key = jwt.PyJWK(jwk, algorithm=alg)
            payload: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=[alg],
                options={
                    "require": REQUIRED_CLAIMS,
                    "enforce_minimum_key_length": True,
                    # Time and audience are checked below, against our clock and with our messages.
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                    "verify_aud": False,
                    "verify_iss": False,
                },
            )
        except jwt.InvalidSignatureError as exc:
            raise AuthenticationFailed("signature verification failed") from exc
        except jwt.InvalidKeyError as exc:
            raise AuthenticationFailed(
                "the key selected by kid is unusable (e.g. too short)"
            ) from exc
        except jwt.MissingRequiredClaimError as exc:
            raise AuthenticationFailed(f"token has no '{exc.claim}' claim") from exc
        except (jwt.PyJWTError, ValueError) as exc:
            raise AuthenticationFailed(f"token rejected: {type(exc).__name__}") from exc
        return payload

    def _check_claims(
        self, payload: dict[str, Any], client: TrustedClient, audiences: frozenset[str]
    ) -> datetime:
        now = self._clock().timestamp()
        exp = _numeric_date(payload, "exp")
        iat = _numeric_date(payload, "iat")
        if exp <= now - self._leeway:
            raise AuthenticationFailed("token expired")
        if iat > now + self._leeway:
            raise AuthenticationFailed("token issued in the future (iat)")
        if "nbf" in payload and _numeric_date(payload, "nbf") > now + self._leeway:
            raise AuthenticationFailed("token not yet valid (nbf)")
        if exp < iat:
            raise AuthenticationFailed("token expires before it was issued")
        if exp - iat > self._settings.jwt_max_lifetime_seconds:
            raise AuthenticationFailed(
                f"token lifetime exceeds {self._settings.jwt_max_lifetime_seconds} seconds"
            )
        aud = payload.get("aud")
        auds = [aud] if isinstance(aud, str) else aud
        if not isinstance(auds, list) or not all(isinstance(a, str) for a in auds):
            raise AuthenticationFailed("token claim 'aud' must be a string or array of strings")
        if audiences.isdisjoint(auds):
            raise AuthenticationFailed("audience does not match this endpoint")
        if payload.get("iss") != client.iss:
            raise AuthenticationFailed("issuer is not a trusted client")
        if client.tenant is not None and payload.get("tenant") != client.tenant:
            raise AuthenticationFailed("tenant does not match")
        for claim in ("jti", "tenant"):
            if (claim == "jti" or claim in payload) and not _bounded_text(payload.get(claim)):
                raise AuthenticationFailed(
                    f"token claim '{claim}' must be a printable string of "
                    f"1-{MAX_TEXT_CLAIM_CHARS} characters"
                )
        return datetime.fromtimestamp(exp, UTC)
