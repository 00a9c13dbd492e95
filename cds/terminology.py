"""Optional live terminology service (``CDS_TERMINOLOGY_URL``, off by default).

The shipped value sets enumerate codes; a site's SNOMED CT edition may hold a descendant they do
not (a newer or local extension concept). For a SNOMED code of a Condition that matches no local
list, the service asks the site's FHIR terminology server (Ontoserver, Snowstorm, HAPI) whether
the feature's defining concept subsumes it: ``CodeSystem/$subsumes`` with ``codeA`` the defining
concept (``catalog.DEFINING_CONCEPTS``, e.g. ``363346000 |Malignant neoplastic disease|``) and
``codeB`` the patient's code. A code the server places under a concept counts for that list, with
the server named as the source.

Answers are remembered per code (a terminology fact, the same for every patient; bounded), so a
code is asked about once per process. The questions of one call run concurrently within
``CDS_TERMINOLOGY_TIMEOUT_SECONDS`` and never block the card: when the server is slow or down the
criteria stay as the local value sets decide them, and their "not found" says the server did not
answer.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from fhir_mappings.catalog import DEFINING_CONCEPTS
from fhir_mappings.codelists import CodeEntry, CodeIndex
from fhir_mappings.codes import SNOMED

_CACHE_SIZE = 10_000  # codes remembered (terminology facts, not patient data)
_MAX_CODES = 25  # SNOMED codes asked about per call, at most
_SUBSUMED = frozenset({"equivalent", "subsumes"})


@dataclass(frozen=True, slots=True)
class Classified:
    """What the server added: extra code-list entries per (system, code), and a note when it
    did not answer (the note goes on the record-based criteria's reasons)."""

    entries: Mapping[tuple[str, str], tuple[CodeEntry, ...]] = field(default_factory=dict)
    note: str | None = None


def unmatched_snomed(resources: Iterable[Any], index: CodeIndex) -> list[str]:
    """SNOMED codes of the Conditions that match no local list (bundles unwrapped, in order)."""
    found: dict[str, None] = {}
    for resource in _flatten(resources):
        if not isinstance(resource, dict) or resource.get("resourceType") != "Condition":
            continue
        code = resource.get("code")
        codings = code.get("coding") if isinstance(code, dict) else None
        for coding in codings if isinstance(codings, list) else ():
            if not isinstance(coding, dict) or coding.get("system") != SNOMED:
                continue
            value = coding.get("code")
            if isinstance(value, str) and value and not index.match(SNOMED, value):
                found.setdefault(value)
    return list(found)


def _flatten(items: Iterable[Any]) -> Iterable[Any]:
    for item in items:
        if isinstance(item, dict) and item.get("resourceType") == "Bundle":
            entries = item.get("entry")
            yield from (
                (e.get("resource") for e in entries or () if isinstance(e, dict))
                if isinstance(entries, list)
                else ()
            )
        else:
            yield item


class TerminologyClient:
    """Asks one FHIR terminology server; one instance per app (its cache is per process)."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout_seconds: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._timeout = timeout_seconds
        self._transport = transport
        self._known: OrderedDict[str, frozenset[str]] = OrderedDict()  # code -> list names

    async def classify(self, resources: Iterable[Any], index: CodeIndex) -> Classified:
        codes = unmatched_snomed(resources, index)[:_MAX_CODES]
        ask = [code for code in codes if code not in self._known]
        note = None
        if ask:
            try:
                await asyncio.wait_for(self._ask_all(ask), timeout=self._timeout)
            except (TimeoutError, httpx.HTTPError, ValueError):
                missing = sum(1 for code in ask if code not in self._known)
                note = (
                    f"terminology server did not answer in time: {missing} SNOMED "
                    f"{'code' if missing == 1 else 'codes'} not checked against it"
                )
        entries: dict[tuple[str, str], tuple[CodeEntry, ...]] = {}
        for code in codes:
            lists = self._known.get(code, frozenset())
            if lists:
                entries[(SNOMED, code)] = tuple(
                    CodeEntry(name, SNOMED, code, "", self._source(name), True, self._source(name))
                    for name in sorted(lists)
                )
        return Classified(entries, note)

    def _source(self, list_name: str) -> str:
        return f"{self._base} $subsumes << {DEFINING_CONCEPTS[list_name]}"

    async def _ask_all(self, codes: list[str]) -> None:
        async with httpx.AsyncClient(transport=self._transport, timeout=self._timeout) as http:
            answers = await asyncio.gather(*(self._ask(http, code) for code in codes))
        for code, lists in zip(codes, answers, strict=True):
            self._known[code] = lists
            self._known.move_to_end(code)
            while len(self._known) > _CACHE_SIZE:
                self._known.popitem(last=False)

    async def _ask(self, http: httpx.AsyncClient, code: str) -> frozenset[str]:
        names = list(DEFINING_CONCEPTS)
        answers = await asyncio.gather(*(self._subsumes(http, name, code) for name in names))
        return frozenset(name for name, yes in zip(names, answers, strict=True) if yes)

    async def _subsumes(self, http: httpx.AsyncClient, list_name: str, code: str) -> bool:
        params = {"system": SNOMED, "codeA": DEFINING_CONCEPTS[list_name], "codeB": code}
        response = await http.get(f"{self._base}/CodeSystem/$subsumes", params=params)
        response.raise_for_status()
        return _outcome(response.json()) in _SUBSUMED


def _outcome(parameters: Any) -> str | None:
    """``outcome`` of a $subsumes answer (a FHIR Parameters resource)."""
    if not isinstance(parameters, dict) or parameters.get("resourceType") != "Parameters":
        raise ValueError("not a Parameters resource")
    for parameter in parameters.get("parameter") or ():
        if isinstance(parameter, dict) and parameter.get("name") == "outcome":
            value = parameter.get("valueCode")
            return value if isinstance(value, str) else None
    return None
