"""A fake EHR FHIR server (respx) that serves one fixture bundle.

Reads (``Patient/{id}``) and type searches are answered by ``cds.replay.fhir_query`` over the
bundle's record (draft orders excluded, as an EHR holds them only in the hook context): patient /
subject, code, category, clinical-status, status and date parameters (``ge/le/gt/lt/eq``
prefixes) are honoured, ``_count`` pages with ``next`` links, and an unsupported parameter is a
400 OperationOutcome so a query we do not understand fails the test instead of passing quietly.
Every request must carry the expected bearer token.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import respx

from cds.replay.fhir_query import UnsupportedQuery, parse_query, read, search, searchset

BASE = "https://ehr.example.org/fhir"
TOKEN = "fake-access-token-7c1e9a"


def _outcome(status: int, code: str, text: str) -> httpx.Response:
    body = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": text}],
    }
    return httpx.Response(status, json=body, headers={"Content-Type": "application/fhir+json"})


class FakeFhirServer:
    """Serve ``resources`` under ``base``; records every query it answered in ``queries``."""

    def __init__(
        self, resources: Sequence[dict[str, Any]], base: str = BASE, token: str = TOKEN
    ) -> None:
        self.resources = list(resources)
        self.base = base.rstrip("/")
        self.token = token
        self.queries: list[str] = []

    def install(self, router: respx.MockRouter) -> respx.Route:
        return router.get(url__startswith=self.base + "/").mock(side_effect=self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return _outcome(401, "login", "missing or wrong bearer token")
        url = str(request.url)
        relative = url[len(self.base) + 1 :]
        self.queries.append(relative)
        try:
            kind, ident, params = parse_query(relative)
            if ident is not None:
                found = read(self.resources, kind, ident)
                if found is None:
                    return _outcome(404, "not-found", f"{kind}/{ident} not found")
                return httpx.Response(200, json=found)
            return httpx.Response(200, json=self._page(kind, params, url))
        except UnsupportedQuery as exc:
            return _outcome(400, "not-supported", str(exc))

    def _page(self, kind: str, params: list[tuple[str, str]], url: str) -> dict[str, Any]:
        matches = search(self.resources, kind, params)
        values = dict(params)
        count = int(values.get("_count", "0") or 0) or len(matches) or 1
        offset = int(values.get("_offset", "0") or 0)
        bundle = searchset(matches[offset : offset + count], self.base, total=len(matches))
        links = [{"relation": "self", "url": url}]
        if offset + count < len(matches):
            kept = [(k, v) for k, v in parse_qsl(urlsplit(url).query) if k != "_offset"]
            kept.append(("_offset", str(offset + count)))
            links.append({"relation": "next", "url": f"{self.base}/{kind}?{urlencode(kept)}"})
        bundle["link"] = links
        return bundle
