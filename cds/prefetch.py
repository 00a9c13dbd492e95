"""From a CDS request to the FHIR resources the triage reads: prefetch first, then the EHR.

Prefetch semantics exactly as CDS Hooks 2.0.1 l.275-282 says:

    key absent            -> the client did not prefetch: fetch it ourselves
    key null              -> the client looked and found nothing (counts as "retrieved, none")
    Bundle with no entry  -> the search ran and had no results
    OperationOutcome      -> the client's prefetch failed: fetch it ourselves
    Bundle with ``next``  -> paged: follow the pages on the FHIR server

Anything we cannot get (no ``fhirServer``, 401, timeout, 5xx, deadline) means 412 Precondition
Failed naming the prefetch keys and why (l.282, 533-539): answering from half the record would
turn "not retrieved" into "not documented".

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
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from cds.errors import FhirFetchError, Issue, LimitExceeded, PreconditionFailed
from cds.fhir_client import EntryBudget, FhirClient, FhirServer, next_link
from fhir_mappings.features import Skipped
from fhir_mappings.sources import SearchSpec

_TOKEN = re.compile(r"\{\{\s*([A-Za-z.]+)\s*\}\}")
_PATIENT_REF = re.compile(r"(?:^|/)Patient/([A-Za-z0-9\-.]{1,64})(?:/_history/[^/]+)?$")
_FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]+")  # urllib.parse.quote's always-safe characters
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

    pieces = _pieces(template)  # literal, token, literal, token, ..., literal
    out = list(pieces)
    for i in range(1, len(pieces), 2):
        out[i] = _fill(pieces[i], context)
    return "".join(out)


@lru_cache(maxsize=256)
def _pieces(template: str) -> tuple[str, ...]:
    """A template split at its tokens, once per template (the services' templates are constants;
    a long one, such as the Observation search with its code list, was scanned every call)."""
    return tuple(_TOKEN.split(template))


def _fill(token: str, context: Mapping[str, Any]) -> str:
    value: object = None
    if token.startswith("context."):
        value = context.get(token.removeprefix("context."))
    elif token in _USER_TOKENS:
        kind, _, ident = str(context.get("userId", "")).partition("/")
        value = ident if kind == _USER_TOKENS[token] else None
    if not isinstance(value, str | int) or isinstance(value, bool) or value == "":
        raise UnresolvableTemplate(token)
    text = str(value)
    # what quote() leaves as it is (always the case for a FHIR id), without calling it
    return text if _UNRESERVED.fullmatch(text) else quote(text, safe="")


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
    return _check_belongs(resource, patient_id, expected_type, _own_reference(patient_id))


def _own_reference(patient_id: str) -> str | None:
    """``Patient/<id>`` when ``patient_id`` is a valid FHIR id, else None.

    A ``subject`` reference exactly equal to it belongs to this patient (``_PATIENT_REF`` would
    read the same id back), so the per-resource check skips the regex for the common case.
    """
    return f"Patient/{patient_id}" if _FHIR_ID.fullmatch(patient_id) else None


def _check_belongs(
    resource: Any, patient_id: str, expected_type: str | None, own: str | None
) -> str | None:
    """``check_belongs`` with ``_own_reference(patient_id)`` computed once per request."""
    if not isinstance(resource, dict):
        return "not a FHIR resource"
    kind = resource.get("resourceType")
    if not isinstance(kind, str):
        return "no resourceType"
    if expected_type is not None and kind != expected_type:
        return f"a {kind} where {expected_type} was expected"
    if kind == "Patient":
        return None if resource.get("id") in (None, patient_id) else "another patient"
    subject = resource.get("subject")
    if own is not None and isinstance(subject, dict) and subject.get("reference") == own:
        return None
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
        for spec in specs:
            try:
                query = render_template(spec.template, context)
            except UnresolvableTemplate:
                continue  # e.g. an optional encounterId absent: that search cannot apply
            value = prefetch.get(spec.key, _MISSING)
            if value is None:
                out.available.add(spec.resource_type)  # looked, nothing
            elif value is _MISSING or not self._usable(spec, value, patient_id):
                jobs[spec.key] = (spec, self._fetch(server, spec, query, budget))
            elif is_read(spec.template):
                self._take_resource(out, spec, value)
            elif next_link(value) is None:
                self._take_pages(out, spec, [value], patient_id)
            else:
                jobs[spec.key] = (spec, self._more(server, spec, value, budget))
        if jobs:
            await self._run(jobs, out, patient_id, server)
        return out

    @staticmethod
    def _usable(spec: SearchSpec, value: Any, patient_id: str) -> bool:
        """A prefetch value we can use as is (an OperationOutcome or wrong type is not)."""
        if not isinstance(value, dict):
            return False
        kind = value.get("resourceType")
        if is_read(spec.template):
            return kind == spec.resource_type and value.get("id") in (None, patient_id)
        return kind == "Bundle"

    async def _fetch(
        self, server: FhirServer | None, spec: SearchSpec, query: str, budget: EntryBudget
    ) -> list[dict[str, Any]]:
        client, server = self._require(server, spec)
        if is_read(spec.template):
            resource = await client.read(server, query, spec.template)
            return [resource]
        return await client.search(server, query, spec.template, budget)

    async def _more(
        self,
        server: FhirServer | None,
        spec: SearchSpec,
        first: dict[str, Any],
        budget: EntryBudget,
    ) -> list[dict[str, Any]]:
        client, server = self._require(server, spec)
        return [first, *await client.more_pages(server, first, spec.template, budget)]

    def _require(
        self, server: FhirServer | None, spec: SearchSpec
    ) -> tuple[FhirClient, FhirServer]:
        if server is None or self._client is None:
            raise FhirFetchError(spec.template, "not prefetched and no fhirServer to fetch from")
        return self._client, server

    async def _run(
        self,
        jobs: dict[str, tuple[SearchSpec, Any]],
        out: Collected,
        patient_id: str,
        server: FhirServer | None,
    ) -> None:
        tasks = {key: asyncio.ensure_future(coro) for key, (_, coro) in jobs.items()}
        _, pending = await asyncio.wait(tasks.values(), timeout=self._deadline)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)
        problems: list[Issue] = []
        for key, task in tasks.items():
            spec = jobs[key][0]
            if task in pending:
                reason = f"not fetched within {self._deadline:g} s (CDS_FETCH_DEADLINE_SECONDS)"
                problems.append(_missing_issue(key, spec, reason))
                continue
            exc = task.exception()
            if isinstance(exc, FhirFetchError):
                problems.append(_missing_issue(key, spec, exc.reason))
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
                problems.append(_missing_issue(key, spec, err.reason))
        if problems:
            where = "" if server is not None else " (no fhirServer in the request)"
            raise PreconditionFailed(
                f"required data could not be obtained{where}: "
                + "; ".join(p.diagnostics for p in problems),
                issues=problems,
            )

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
        own = _own_reference(patient_id)
        expected_type = spec.resource_type
        for page in pages:
            entries = page.get("entry")
            for entry in entries if isinstance(entries, list) else []:
                if (
                    own is not None
                    and type(entry) is dict
                    and type(resource := entry.get("resource")) is dict
                    and resource.get("resourceType") == expected_type
                    and type(subject := resource.get("subject")) is dict
                    and subject.get("reference") == own
                    and (
                        (search := entry.get("search")) is None  # many EHRs send no search.mode
                        or (type(search) is dict and search.get("mode") in (None, "match"))
                    )
                ):
                    out.add(resource)  # the usual entry, which the checks below would accept
                    continue
                resource = entry.get("resource") if isinstance(entry, dict) else None
                search = entry.get("search") if isinstance(entry, dict) else None
                mode = search.get("mode") if isinstance(search, dict) else None
                if isinstance(resource, dict) and (
                    mode == "outcome" or resource.get("resourceType") == "OperationOutcome"
                ):
                    continue  # a server's remarks about the search, not patient data
                expected = None if mode == "include" else spec.resource_type
                why = _check_belongs(resource, patient_id, expected, own)
                if why is not None:
                    out.skipped.append(Skipped(reference=_reference(resource), reason=why))
                    continue
                assert isinstance(resource, dict)
                out.add(resource)
        out.available.add(spec.resource_type)


def _missing_issue(key: str, spec: SearchSpec, reason: str) -> Issue:
    kind = "read" if is_read(spec.template) else "search"
    return Issue(
        diagnostics=f"prefetch '{key}' ({spec.resource_type} {kind}): {reason}",
        code="incomplete",
        expression=[f"prefetch.{key}"],
    )


_MISSING: Any = object()
