"""JWK Sets of trusted CDS clients: inline ones from settings, remote ones fetched and cached.

Why a cache of our own rather than ``jwt.PyJWKClient``: that client uses ``urllib`` (not the
shared ``httpx.AsyncClient``), blocks the event loop and follows redirects. Here a fetch is one
GET to a URL the caller has already checked against the client's allowlist, bounded in total
time and in bytes while streaming, never redirected, and one per URL at a time (callers share
it); a JWKS is cached for ``Cache-Control: max-age`` clamped to sane bounds
(default ``CDS_JWKS_CACHE_SECONDS``), and an unknown ``kid`` triggers at most one refetch per
``CDS_JWKS_REFRESH_MIN_SECONDS`` so a stream of forged tokens cannot turn us into a flood
against the EHR. Only public keys are kept; a JWKS never reaches a log.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from cds.errors import AuthenticationFailed, CdsError, ServiceUnavailable

logger = logging.getLogger(__name__)

MAX_JWKS_BYTES = 256 * 1024
MIN_CACHE_SECONDS = 60  # floor for max-age / no-cache answers, so we never refetch per request
MAX_CACHE_SECONDS = 24 * 3600  # ceiling: a rotated key is picked up within a day at worst
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})

_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)\"?\s*(?:,|$)", re.IGNORECASE)


class JwksError(Exception):
    """A JWK Set could not be obtained or is unusable (message is safe to show a caller).

    ``transient``: the issuer's JWKS endpoint could not be reached or failed on its side
    (network error, timeout, HTTP 5xx / 429), so the token may well be valid: the caller gets
    503 and retries. Anything else (a redirect, another status, a body that is not a usable JWK
    Set) is the issuer's configuration and fails closed with 401.
    """

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


def public_keys_by_kid(jwks: Mapping[str, Any], *, source: str) -> dict[str, dict[str, Any]]:
    """Index a JWK Set by ``kid``, keeping only public signature keys.

    Keys without a ``kid`` cannot be selected (CDS Hooks requires ``kid``), keys marked for
    encryption are not signature keys, and private or symmetric material is never used to verify.
    """
    keys = jwks.get("keys")
    if not isinstance(keys, list):
        raise JwksError(f"JWKS from {source} has no 'keys' array")
    out: dict[str, dict[str, Any]] = {}
    for jwk in keys:
        if not isinstance(jwk, dict):
            continue
        kid = jwk.get("kid")
        if not isinstance(kid, str) or not kid:
            continue
        if jwk.get("use", "sig") != "sig" or jwk.get("kty") not in ("EC", "RSA"):
            continue
        if PRIVATE_MEMBERS & jwk.keys():
            logger.warning("JWKS from %s publishes private or symmetric key material", source)
            continue
        out.setdefault(kid, dict(jwk))
    return out


def cache_seconds(cache_control: str | None, default: int) -> int:
    """Lifetime of a fetched JWKS from its ``Cache-Control`` header, clamped to our bounds."""
    seconds = default
    if cache_control:
        lowered = cache_control.lower()
        if "no-store" in lowered or "no-cache" in lowered:
            seconds = MIN_CACHE_SECONDS
        elif match := _MAX_AGE.search(cache_control):
            seconds = int(match.group(1))
    return max(MIN_CACHE_SECONDS, min(MAX_CACHE_SECONDS, seconds))


@dataclass
class _Entry:
    keys: dict[str, dict[str, Any]]
    fetched_at: datetime
    expires_at: datetime


class JwksCache:
    """Remote JWK Sets by URL; callers pass only URLs from a trusted client's configuration."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        clock: Callable[[], datetime],
        *,
        default_cache_seconds: int,
        timeout_seconds: float,
        refresh_min_seconds: int,
    ) -> None:
        self._http = http
        self._clock = clock
        self._default = default_cache_seconds
        self._timeout = timeout_seconds
        self._refresh_min = timedelta(seconds=refresh_min_seconds)
        self._entries: dict[str, _Entry] = {}
        self._inflight: dict[str, asyncio.Future[_Entry]] = {}

    async def key(self, url: str, kid: str) -> dict[str, Any] | None:
        """The JWK with this ``kid`` at ``url``, refetching once if the ``kid`` is unknown."""
        now = self._clock()
        entry = self._entries.get(url)
        fresh = entry is not None and now < entry.expires_at
        if (
            entry is None
            or not fresh
            or (
                # Key rotation: the EHR may have published a new key since we cached the set.
                kid not in entry.keys and now - entry.fetched_at >= self._refresh_min
            )
        ):
            entry = await self._refresh_once(url)
        return entry.keys.get(kid)

    async def _refresh_once(self, url: str) -> _Entry:
        """One fetch per URL at a time; callers arriving meanwhile share its result.

        A caller that gives up (its client went away) does not cancel the fetch the others wait
        for (``shield``); the fetch itself ends within ``CDS_JWKS_TIMEOUT_SECONDS``. Other URLs,
        and callers whose key is cached, never wait for it.
        """
        task = self._inflight.get(url)
        if task is None:
            task = asyncio.ensure_future(self._refresh(url, stale=self._entries.get(url)))
            self._inflight[url] = task
            task.add_done_callback(lambda done: self._finished(url, done))
        return await asyncio.shield(task)

    def _finished(self, url: str, task: asyncio.Future[_Entry]) -> None:
        self._inflight.pop(url, None)
        if not task.cancelled():
            task.exception()  # retrieved here too, in case every waiter went away

    async def _refresh(self, url: str, *, stale: _Entry | None) -> _Entry:
        try:
            keys, seconds = await self._fetch(url)
        except JwksError:
            if stale is None:
                raise
            # Keep verifying with the last good set rather than locking every client out while
            # the EHR's JWKS endpoint is down; retry after the refresh interval.
            logger.warning("JWKS refresh failed for %s; using the cached key set", url)
            now = self._clock()
            stale.fetched_at = now
            stale.expires_at = now + self._refresh_min
            return stale
        now = self._clock()
        entry = _Entry(keys=keys, fetched_at=now, expires_at=now + timedelta(seconds=seconds))
        self._entries[url] = entry
        return entry

    async def _fetch(self, url: str) -> tuple[dict[str, dict[str, Any]], int]:
        """One GET, bounded in total time (not per read: a server dripping a byte a second
        would otherwise hold us for ever) and in bytes (counted while they arrive)."""
        try:
            async with asyncio.timeout(self._timeout):
                content, cache_control = await self._download(url)
        except TimeoutError as exc:
            raise JwksError(
                f"the issuer's JWKS did not arrive within {self._timeout:g} s", transient=True
            ) from exc
        except httpx.HTTPError as exc:
            raise JwksError(
                f"could not fetch the issuer's JWKS ({type(exc).__name__})", transient=True
            ) from exc
        try:
            body = json.loads(content)
        except ValueError as exc:
            raise JwksError("the issuer's JWKS is not JSON") from exc
        if not isinstance(body, dict):
            raise JwksError("the issuer's JWKS is not a JWK Set")
        keys = public_keys_by_kid(body, source=url)
        return keys, cache_seconds(cache_control, self._default)

    async def _download(self, url: str) -> tuple[bytes, str | None]:
        headers = {"Accept": "application/json", "Accept-Encoding": "identity"}
        request = self._http.build_request("GET", url, headers=headers, timeout=self._timeout)
        response = await self._http.send(request, stream=True, follow_redirects=False)
        try:
            if response.is_redirect:
                raise JwksError("the issuer's JWKS URL answered with a redirect (not followed)")
            if response.status_code != 200:
                raise JwksError(
                    f"the issuer's JWKS URL answered HTTP {response.status_code}",
                    transient=response.status_code >= 500 or response.status_code == 429,
                )
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > MAX_JWKS_BYTES:
                raise JwksError("the issuer's JWKS is too large")
            content = bytearray()
            async for chunk in response.aiter_bytes():
                content += chunk
                if len(content) > MAX_JWKS_BYTES:
                    raise JwksError("the issuer's JWKS is too large")
            return bytes(content), response.headers.get("cache-control")
        finally:
            await response.aclose()


def jwks_failure(exc: JwksError) -> CdsError:
    """503 while the issuer's JWKS endpoint is down (no cached set to fall back on), else 401."""
    if exc.transient:
        return ServiceUnavailable(f"cannot verify the token now: {exc}")
    return AuthenticationFailed(f"cannot verify the token: {exc}")
