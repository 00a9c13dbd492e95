"""From a CDS request to the FHIR resources the triage reads: prefetch first, then the EHR.

Prefetch semantics exactly as CDS Hooks 2.0.1 l.275-282 says:

    key absent            -> the client did not prefetch: fetch it ourselves
    key null              -> the client looked and found nothing (counts as "retrieved, none")
    Bundle with no entry  -> the search ran and had no results
    OperationOutcome      -> the client's prefetch failed: fetch it ourselves
    Bundle with ``next``  -> paged: follow the pages on the FHIR server

A value that is none of these (``"entry": "x"``, a Bundle for a read, a string) is treated like an
OperationOutcome: fetched again, never read as "no data", which would make a recorded cancer
"not recorded".

Anything we cannot get (no ``fhirServer``, 401, timeout, 5xx, deadline) means 412 Precondition
Failed naming the prefetch keys and why (l.282, 533-539): answering from half the record would
turn "not retrieved" into "not documented". A search with more pages or entries than the limits
allow is the one exception: its resource type is left out of ``Collected.available``, so the
criteria that need it say "not available" on the card, and the other searches still answer.

Prefetched data is not trusted: every resource is re-checked for its type and that it belongs to
``context.patientId`` (a lax EHR search filter must not pull in another patient's record);
failures are left out and reported as ``Skipped``. Statuses, codes and dates are re-checked by the
mapping layer.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from cds.errors import FhirFetchError, Issue, LimitExceeded, PreconditionFailed
from cds.fhir_client import EntryBudget, FhirClient, FhirServer, SearchTruncated, next_link
from fhir_mappings.features import Skipped
from fhir_mappings.sources import SearchSpec

_TOKEN = re.compile(r"\{\{\s*([A-Za-z.]+)\s*\}\}")
_PATIENT_REF = re.compile(r"(?:^|/)Patient/([A-Za-z0-9\-.]{1,64})(?:/_history/[^/]+)?$")
_USER_TOKENS = {
    "userPractitionerId": "Practitioner",
    "userPractitionerRoleId": "PractitionerRole",
    "userPatientId": "Patient",
    "userRelatedPersonId": "RelatedPerson",
}


class UnresolvableTemplate(ValueError):
    """A template names a token the request cannot fill."""


def render_template(template: str, context: Mapping[str, Any]) -> str:
    """Fill ``{{context.x}}`` (first-level primitives only) and ``{{userXId}}`` tokens (l.284-322).

    Values are URL-quoted; context ids are already validated as FHIR ids by ``cds.hooks``.
    """
    pieces = _TOKEN.split(template)  # literal, token, literal, token, ..., literal
    for i in range(1, len(pieces), 2):
        pieces[i] = _fill(pieces[i], context)
    return "".join(pieces)


def _fill(token: str, context: Mapping[str, Any]) -> str:
    value: object = None
    if token.startswith("context."):
        value = context.get(token.removeprefix("context."))
    elif token in _USER_TOKENS:
        kind, _, ident = str(context.get("userId", "")).partition("/")
        value = ident if kind == _USER_TOKENS[token] else None
    if not isinstance(value, str | int) or isinstance(value, bool) or value == "":
        raise UnresolvableTemplate(token)
    return quote(str(value), safe="")


def is_read(template: str) -> bool:
    """``Patient/{{context.patientId}}`` is a read; anything with a query string is a search."""
    return "?" not in template


@dataclass(slots=True)
class Collected:
    """What the mapping layer gets: checked resources, the data sets we hold, what was left out."""

    resources: list[dict[str, Any]] = field(default_factory=list)
    available: set[str] = field(default_factory=set)
    skipped: list[Skipped] = field(default_factory=list)
    fetched_keys: list[str] = field(default_factory=list)  # for the request log (no values)
    _seen: set[tuple[str, str]] = field(default_factory=set)

    def add(self, resource: dict[str, Any]) -> None:
        ident = resource.get("id")
        if isinstance(ident, str):
            key = (str(resource.get("resourceType")), ident)
            if key in self._seen:
                return  # the same resource from two searches counts once
            self._seen.add(key)
        self.resources.append(resource)


def patient_reference_id(resource: Mapping[str, Any]) -> str | None:
    """The patient id a resource points at (``subject`` or ``patient``), if any."""
    for name in ("subject", "patient"):
        ref = resource.get(name)
        if isinstance(ref, dict) and isinstance(ref.get("reference"), str):
            match = _PATIENT_REF.search(ref["reference"])
            return match.group(1) if match else None
    return None


def check_belongs(resource: Any, patient_id: str, expected_type: str | None) -> str | None:
    """Why a resource must be left out, or None when it is usable for this patient."""
    if not isinstance(resource, dict):
        return "not a FHIR resource"
    kind = resource.get("resourceType")
    if not isinstance(kind, str):
        return "no resourceType"
    if expected_type is not None and kind != expected_type:
        return f"a {kind} where {expected_type} was expected"
    if kind == "Patient":
        return None if resource.get("id") in (None, patient_id) else "another patient"
    ref = patient_reference_id(resource)
    if ref is None:
        return "no patient reference"
    return None if ref == patient_id else "refers to another patient"


def _reference(resource: Any) -> str:
    if isinstance(resource, dict):
        return f"{resource.get('resourceType', '?')}/{resource.get('id', '?')}"
    return "?"


def count_prefetch_entries(prefetch: Mapping[str, Any]) -> int:
    total = 0
    for value in prefetch.values():
        if isinstance(value, dict):
            entries = value.get("entry")
            total += len(entries) if isinstance(entries, list) else 1
    return total


def malformed(spec: SearchSpec, value: Any, patient_id: str) -> str | None:
    """Why a prefetch value cannot be used as it is (then it is fetched), or None.

    An OperationOutcome is the client's way of saying its prefetch failed; any other shape we
    cannot read (a string, a Bundle whose ``entry`` or ``link`` is not a list, the wrong resource)
    means the same: we do not know what the record holds.
    """
    if not isinstance(value, dict):
        return "not a FHIR resource"
    kind = value.get("resourceType")
    if kind == "OperationOutcome":
        return "the client's prefetch failed (OperationOutcome)"
    if is_read(spec.template):
        if kind != spec.resource_type:
            return f"a {kind!s:.40} where {spec.resource_type} was expected"
        return None if value.get("id") in (None, patient_id) else "another patient"
    if kind != "Bundle":
        return f"a {kind!s:.40} where a searchset Bundle was expected"
    for name in ("entry", "link"):
        if name in value and not isinstance(value[name], list):
            return f"a Bundle whose {name} is not a list"
    return None


class PrefetchCollector:
    """Turns one request's prefetch (plus fallback fetches) into ``Collected``."""

    def __init__(
        self, client: FhirClient | None, *, max_entries: int, deadline_seconds: float
    ) -> None:
        self._client = client
        self._max_entries = max_entries
        self._deadline = deadline_seconds

    async def collect(
        self,
        specs: tuple[SearchSpec, ...],
        *,
        context: Mapping[str, Any],
        prefetch: Mapping[str, Any] | None,
        server: FhirServer | None,
    ) -> Collected:
        prefetch = prefetch or {}
        entries = count_prefetch_entries(prefetch)
        if entries > self._max_entries:
            raise LimitExceeded(
                f"prefetch holds {entries} entries, more than {self._max_entries} "
                "(CDS_MAX_PREFETCH_ENTRIES)",
                issues=[Issue("too many prefetch entries", "too-costly", expression=["prefetch"])],
            )
        patient_id = str(context["patientId"])
        budget = EntryBudget(self._max_entries - entries)
        out = Collected()
        jobs: dict[str, tuple[SearchSpec, Any]] = {}
        problems: list[Issue] = []
        for spec in specs:
            try:
                query = render_template(spec.template, context)
            except UnresolvableTemplate:
                continue  # e.g. an optional encounterId absent: that search cannot apply
            value = prefetch.get(spec.key, _MISSING)
            if value is None:
                out.available.add(spec.resource_type)  # looked, nothing
                continue
            why = "not prefetched" if value is _MISSING else malformed(spec, value, patient_id)
            if why is not None:
                if server is None or self._client is None:
                    problems.append(_missing_issue(spec, f"{why}, and no fhirServer to fetch from"))
                else:
                    jobs[spec.key] = (spec, self._fetch(server, spec, query, budget))
            elif is_read(spec.template):
                self._take_resource(out, spec, value)
            elif next_link(value) is None:
                self._take_pages(out, spec, [value], patient_id)
            else:
                jobs[spec.key] = (spec, self._more(server, spec, value, budget))
        if jobs:
            problems.extend(await self._run(jobs, out, patient_id))
        if problems:
            where = "" if server is not None else " (no fhirServer in the request)"
            raise PreconditionFailed(
                f"required data could not be obtained{where}: "
                + "; ".join(p.diagnostics for p in problems),
                issues=problems,
            )
        return out

    async def _fetch(
        self, server: FhirServer, spec: SearchSpec, query: str, budget: EntryBudget
    ) -> list[dict[str, Any]]:
        assert self._client is not None
        if is_read(spec.template):
            return [await self._client.read(server, query, spec.template)]
        return await self._client.search(server, query, spec.template, budget)

    async def _more(
        self,
        server: FhirServer | None,
        spec: SearchSpec,
        first: dict[str, Any],
        budget: EntryBudget,
    ) -> list[dict[str, Any]]:
        if server is None or self._client is None:
            raise FhirFetchError(spec.template, "paged, and no fhirServer to fetch the pages from")
        return [first, *await self._client.more_pages(server, first, spec.template, budget)]

    async def _run(
        self, jobs: dict[str, tuple[SearchSpec, Any]], out: Collected, patient_id: str
    ) -> list[Issue]:
        tasks = {key: asyncio.ensure_future(coro) for key, (_, coro) in jobs.items()}
        _, pending = await asyncio.wait(tasks.values(), timeout=self._deadline)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)
        problems: list[Issue] = []
        incomplete: set[str] = set()
        for key, task in tasks.items():
            spec = jobs[key][0]
            if task in pending:
                reason = f"not fetched within {self._deadline:g} s (CDS_FETCH_DEADLINE_SECONDS)"
                problems.append(_missing_issue(spec, reason))
                continue
            exc = task.exception()
            if isinstance(exc, SearchTruncated):
                # the rules read this type as "not available" rather than fail the whole call
                incomplete.add(spec.resource_type)
                reason = f"{exc.reason}; {spec.resource_type} data not retrieved"
                out.skipped.append(Skipped(reference=spec.resource_type, reason=reason))
                continue
            if isinstance(exc, FhirFetchError):
                problems.append(_missing_issue(spec, exc.reason))
                continue
            if exc is not None:
                raise exc
            result: list[dict[str, Any]] = task.result()
            out.fetched_keys.append(key)
            try:
                if is_read(spec.template):
                    self._take_fetched_resource(out, spec, result[0], patient_id)
                else:
                    self._take_pages(out, spec, result, patient_id)
            except FhirFetchError as err:
                problems.append(_missing_issue(spec, err.reason))
        # a type is available only if every search for it completed (the Observation search may
        # be split in several)
        out.available -= incomplete
        return problems

    @staticmethod
    def _take_resource(out: Collected, spec: SearchSpec, resource: dict[str, Any]) -> None:
        out.available.add(spec.resource_type)
        out.add(resource)

    def _take_fetched_resource(
        self, out: Collected, spec: SearchSpec, resource: dict[str, Any], patient_id: str
    ) -> None:
        why = check_belongs(resource, patient_id, spec.resource_type)
        if why is not None:
            raise FhirFetchError(spec.template, f"the server returned {why}")
        self._take_resource(out, spec, resource)

    @staticmethod
    def _take_pages(
        out: Collected, spec: SearchSpec, pages: list[dict[str, Any]], patient_id: str
    ) -> None:
        for page in pages:
            entries = page.get("entry")
            for entry in entries if isinstance(entries, list) else []:
                resource = entry.get("resource") if isinstance(entry, dict) else None
                search = entry.get("search") if isinstance(entry, dict) else None
                mode = search.get("mode") if isinstance(search, dict) else None
                if isinstance(resource, dict) and (
                    mode == "outcome" or resource.get("resourceType") == "OperationOutcome"
                ):
                    continue  # a server's remarks about the search, not patient data
                expected = None if mode == "include" else spec.resource_type
                why = check_belongs(resource, patient_id, expected)
                if why is not None:
                    out.skipped.append(Skipped(reference=_reference(resource), reason=why))
                    continue
                assert isinstance(resource, dict)
                out.add(resource)
        out.available.add(spec.resource_type)


def _missing_issue(spec: SearchSpec, reason: str) -> Issue:
    kind = "read" if is_read(spec.template) else "search"
    return Issue(
        diagnostics=f"prefetch '{spec.key}' ({spec.resource_type} {kind}): {reason}",
        code="incomplete",
        expression=[f"prefetch.{spec.key}"],
    )


_MISSING: Any = object()
