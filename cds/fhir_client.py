"""Reads from the EHR's FHIR server when prefetch did not bring what we need.

Why it looks like this:
- One ``httpx.AsyncClient`` for the whole app (owned by the lifespan, see ``make_http_client``):
  connection pooling matters when the EHR waits about half a second for us. Redirects are never
  followed (a redirect could carry the bearer token to another host), timeouts are explicit.
- The bearer token from ``fhirAuthorization`` lives only in a ``FhirServer`` value built for one
  request; it is sent only to that server and is never logged or put in an error.
- Bounded in every direction: per call (``CDS_FHIR_TIMEOUT_SECONDS``), bytes per answer
  (``CDS_MAX_BODY_BYTES``), pages per search (``CDS_MAX_PAGES``), entries per request
  (``CDS_MAX_PREFETCH_ENTRIES``); the caller adds the total deadline. A search that goes past the
  page or entry limit raises ``SearchTruncated``: the chart holds more than we read, which the
  caller reports as "not retrieved" for that resource type instead of failing the call.
- ``next`` links are followed only below the request's ``fhirServer`` (same origin and base).
- httpx errors never escape: everything becomes ``FhirFetchError`` naming the query *template*
  (which holds no patient id) and a reason.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import httpx
import orjson

from cds.errors import FhirFetchError, Forbidden
from cds.security.outbound import check_next_link
from cds.settings import Settings

FHIR_JSON = "application/fhir+json"


# Connections to FHIR servers open at once (per worker); 20 of them kept alive between calls.
# ``FhirClient`` queues its calls in front of httpx's pool (see there): under many concurrent
# fallback fetches a wait in httpx's pool would count against the per-call timeout and turn a
# slow queue into 412s, and httpx's pool degrades with hundreds of waiters.
MAX_CONNECTIONS = 100


def make_http_client(settings: Settings) -> httpx.AsyncClient:
    """The app-wide client: explicit timeouts, no redirects, no environment proxies.

    ``FhirClient`` never has more than ``MAX_CONNECTIONS`` calls in flight, so its calls do not
    wait on httpx's pool; waiting for a slot is bounded by the request's fetch deadline instead.
    """
    timeout = httpx.Timeout(settings.fhir_timeout_seconds)
    limits = httpx.Limits(
        max_connections=MAX_CONNECTIONS,
        max_keepalive_connections=20,
    )
    return httpx.AsyncClient(
        timeout=timeout, limits=limits, follow_redirects=False, trust_env=False
    )


@dataclass(frozen=True, slots=True)
class FhirServer:
    """Where to fetch for one request, and with which token (never shown in a repr)."""

    base: str
    token: str | None = field(default=None, repr=False)

    def url(self, query: str) -> str:
        return self.base.rstrip("/") + "/" + query.lstrip("/")

    def headers(self) -> dict[str, str]:
        headers = {"Accept": FHIR_JSON}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers


class SearchTruncated(FhirFetchError):
    """A search has more pages or entries than the limits let us read."""


class EntryBudget:
    """How many more resources this request may take in, across all searches."""

    def __init__(self, limit: int) -> None:
        self.remaining = limit

    def take(self, count: int, label: str) -> None:
        self.remaining -= count
        if self.remaining < 0:
            raise SearchTruncated(label, "more resources than CDS_MAX_PREFETCH_ENTRIES")

    def give_back(self, count: int) -> None:
        """A search that is dropped returns what it took, so the other searches can use it."""
        self.remaining += count


class FhirClient:
    """Thin, bounded FHIR reads on top of the shared ``httpx.AsyncClient``."""

    def __init__(self, http: httpx.AsyncClient, settings: Settings) -> None:
        self._http = http
        self._timeout = settings.fhir_timeout_seconds
        self._max_bytes = settings.max_body_bytes
        self._max_pages = settings.max_pages
        # At most MAX_CONNECTIONS calls in flight; the rest wait here, *before* the per-call
        # timeout starts, so that the timeout measures the EHR's answer and not our queue. The
        # wait itself is bounded by the caller's fetch deadline (cds.prefetch).
        self._slots = asyncio.Semaphore(MAX_CONNECTIONS)

    async def read(self, server: FhirServer, query: str, label: str) -> dict[str, Any]:
        """One resource (``Patient/123``); any failure is a ``FhirFetchError``."""
        return await self._get_json(server, server.url(query), label)

    async def search(
        self, server: FhirServer, query: str, label: str, budget: EntryBudget
    ) -> list[dict[str, Any]]:
        """Every page of a search, as the raw searchset Bundles, first page first."""
        first = await self._get_json(server, server.url(query), label)
        _require_bundle(first, label)
        return await self._follow(server, first, label, budget, first_counts=True)

    async def more_pages(
        self, server: FhirServer, bundle: dict[str, Any], label: str, budget: EntryBudget
    ) -> list[dict[str, Any]]:
        """The pages after ``bundle`` (prefetched, so already counted), following ``next``."""
        pages = await self._follow(server, bundle, label, budget, first_counts=False)
        return pages[1:]

    async def _follow(
        self,
        server: FhirServer,
        first: dict[str, Any],
        label: str,
        budget: EntryBudget,
        *,
        first_counts: bool,
    ) -> list[dict[str, Any]]:
        """``first`` and the pages after it; ``first_counts``: its entries take from ``budget``."""
        pages = [first]
        taken = 0
        try:
            if first_counts:
                taken += len(_entries(first))
                budget.take(len(_entries(first)), label)
            while (link := next_link(pages[-1])) is not None:
                if len(pages) > self._max_pages:
                    reason = f"more than {self._max_pages} pages (CDS_MAX_PAGES)"
                    raise SearchTruncated(label, reason)
                url = urljoin(server.base.rstrip("/") + "/", link)
                try:
                    check_next_link(url, server.base)
                except Forbidden as exc:
                    raise FhirFetchError(label, exc.message) from None
                page = await self._get_json(server, url, label)
                _require_bundle(page, label)
                taken += len(_entries(page))
                budget.take(len(_entries(page)), label)
                pages.append(page)
        except SearchTruncated:
            budget.give_back(taken)
            raise
        return pages

    async def _get_json(self, server: FhirServer, url: str, label: str) -> dict[str, Any]:
        try:
            async with self._slots, asyncio.timeout(self._timeout):
                body = await self._get_bytes(server, url, label)
        except TimeoutError:
            raise FhirFetchError(label, f"no answer within {self._timeout:g} s") from None
        except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as exc:
            raise FhirFetchError(label, f"connection failed ({type(exc).__name__})") from None
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise FhirFetchError(label, "the answer is not JSON") from None
        if not isinstance(data, dict):
            raise FhirFetchError(label, "the answer is not a FHIR resource")
        return data

    async def _get_bytes(self, server: FhirServer, url: str, label: str) -> bytes:
        async with self._http.stream("GET", url, headers=server.headers()) as response:
            if response.status_code != 200:
                raise FhirFetchError(label, f"HTTP {response.status_code}")
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > self._max_bytes:
                    raise FhirFetchError(label, "the answer is too large (CDS_MAX_BODY_BYTES)")
                chunks.append(chunk)
        return b"".join(chunks)


def next_link(bundle: dict[str, Any]) -> str | None:
    links = bundle.get("link")
    if not isinstance(links, list):
        return None
    for link in links:
        if isinstance(link, dict) and link.get("relation") == "next":
            url = link.get("url")
            if isinstance(url, str) and url:
                return url
    return None


def _entries(bundle: dict[str, Any]) -> list[Any]:
    entries = bundle.get("entry")
    return entries if isinstance(entries, list) else []


def _require_bundle(data: dict[str, Any], label: str) -> None:
    kind = data.get("resourceType")
    if kind == "OperationOutcome":
        raise FhirFetchError(label, "the server answered with an OperationOutcome")
    if kind != "Bundle":
        raise FhirFetchError(label, "expected a Bundle")
    for name in ("entry", "link"):
        if name in data and not isinstance(data[name], list):
            raise FhirFetchError(label, f"a Bundle whose {name} is not a list")
