"""The FHIR searches as we send them to an EHR: page size, statuses read, URL length.

``fhir_mappings.sources`` says which searches the rules need; this module shapes them for real
servers, once at start-up (discovery advertises the shaped templates, so the EHR's prefetch and
our own fallback fetch send the same queries):

- ``_count``: many servers page 10 or 20 resources by default, so an ordinary chart took more
  pages than we follow. We ask for ``PAGE_SIZE`` a page; a server may send fewer (FHIR R4
  search, "Paging") and we follow its ``next`` links.
- MedicationRequests and MedicationAdministrations are searched only in the statuses the mapping
  reads (``STATUS_FILTERS``).
- The query string (after ``?``, percent-encoded, with the longest FHIR id as patient id) stays
  within ``MAX_QUERY_CHARS``. A longer code list is split into several searches with keys
  ``observations``, ``observations-2``, ...; a template that cannot be split is refused at
  start-up. Several smaller searches cost the EHR the same work as one long one, and a URL over
  its server's limit fails every call (HTTP 414 or a dropped connection).

No date windows: CDS Hooks 2.0.1 prefetch tokens cannot say "today minus N days", and a window
added only to our own fallback search would make a card depend on who fetched the record (the
counts "found among N Procedures" and the evidence of an older surgery would differ).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import quote

from fhir_mappings.records import (
    MEDICATION_ADMINISTRATION_STATUSES,
    MEDICATION_REQUEST_STATUSES,
)
from fhir_mappings.sources import SearchSpec

# One page: at or under the maximum page size of the servers we know (Canvas enforces 100; the
# HAPI and IBM / LinuxForHealth servers allow more). With CDS_MAX_PAGES = 50 this reads up to
# 5,000 resources a search, which is CDS_MAX_PREFETCH_ENTRIES for the whole request.
PAGE_SIZE = 100

# Query string limit: IIS, in front of many Windows-hosted FHIR servers, refuses a query string
# over 2,048 characters by default (requestFiltering/requestLimits maxQueryString); Apache's
# 8,190-byte request line and nginx's 8 KiB header buffer are larger. 2,000 keeps a margin.
MAX_QUERY_CHARS = 2000

# The statuses fhir_mappings.records reads in a MedicationRequest: current orders, and completed
# ones (an order authored in the recent window still matters for a D-dimer, a chemotherapy order
# within 6 months for cancer). Values joined by commas are ORed (FHIR R4 search, token
# parameters). Stopped, cancelled and draft orders, most of a long medication history, are not
# asked for; nor are doses not given (not-done, stopped, entered-in-error).
STATUS_FILTERS: Mapping[str, str] = {
    "MedicationRequest": ",".join(MEDICATION_REQUEST_STATUSES),
    "MedicationAdministration": ",".join(MEDICATION_ADMINISTRATION_STATUSES),
}

_LONGEST_ID = "x" * 64  # a FHIR id is at most 64 characters
_QUERY_SAFE = "&=,:/?@!$'()*+;-._~"  # RFC 3986 query characters sent as they are


def query_length(template: str) -> int:
    """The query string of ``template`` as a strict client sends it, for the longest patient id
    (``|`` between system and code is not an RFC 3986 query character: 3 characters sent)."""
    _, _, query = template.partition("?")
    rendered = query.replace("{{context.patientId}}", _LONGEST_ID)
    return len(quote(rendered, safe=_QUERY_SAFE))


def shape_searches(
    specs: Iterable[SearchSpec], *, max_chars: int = MAX_QUERY_CHARS
) -> tuple[SearchSpec, ...]:
    """Every search with its status filter and ``_count``, split where too long; reads as they
    are. Raises ``ValueError`` for a search that cannot be brought under ``max_chars``."""
    shaped: list[SearchSpec] = []
    for spec in specs:
        if "?" not in spec.template:
            shaped.append(spec)
            continue
        template = spec.template
        if spec.resource_type in STATUS_FILTERS:
            template += f"&status={STATUS_FILTERS[spec.resource_type]}"
        template += f"&_count={PAGE_SIZE}"
        if query_length(template) <= max_chars:
            shaped.append(SearchSpec(spec.key, spec.resource_type, template))
        else:
            shaped.extend(_split(spec.key, spec.resource_type, template, max_chars))
    return tuple(shaped)


def _split(key: str, resource_type: str, template: str, max_chars: int) -> list[SearchSpec]:
    """``template`` as several searches, each with part of its ``code`` list (codes in order)."""
    path, _, query = template.partition("?")
    params = query.split("&")
    at = next((i for i, p in enumerate(params) if p.startswith("code=")), None)
    if at is None:
        raise ValueError(f"search '{key}' is over {max_chars} characters and has no code list")
    codes = params[at].removeprefix("code=").split(",")

    def build(chunk: list[str]) -> str:
        return path + "?" + "&".join([*params[:at], "code=" + ",".join(chunk), *params[at + 1 :]])

    chunks: list[list[str]] = [[]]
    for code in codes:
        if chunks[-1] and query_length(build([*chunks[-1], code])) > max_chars:
            chunks.append([])
        chunks[-1].append(code)
    if any(query_length(build(chunk)) > max_chars for chunk in chunks):
        raise ValueError(f"search '{key}': one code alone is over {max_chars} characters")
    return [
        SearchSpec(key if n == 1 else f"{key}-{n}", resource_type, build(chunk))
        for n, chunk in enumerate(chunks, start=1)
    ]
