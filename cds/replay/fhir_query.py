"""Answering FHIR reads and searches from a fixture's resources, as an EHR's server would.

Used twice: to build the prefetch of a replayed request (each discovery template is rendered and
evaluated here, so the keys and contents are exactly what the service asked for), and by the
test suite's fake FHIR server. The subset is the one CDS Hooks recommends for prefetch (spec
l.324-334): instance read; type search; reference, token and date parameters with the
``eq/ne/lt/gt/le/ge`` prefixes; ``_count`` (paging) and ``_sort`` on date. An unsupported
parameter is an error, not silently ignored, so a template we cannot honour shows up in tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

Resource = dict[str, Any]


class UnsupportedQuery(ValueError):
    """A query this simple server does not implement (the message says which part)."""


_TOKEN_PATHS: dict[str, tuple[str, ...]] = {
    "code": ("code", "medicationCodeableConcept"),
    "category": ("category",),
    "clinical-status": ("clinicalStatus",),
    "verification-status": ("verificationStatus",),
    "status": ("status",),
    "intent": ("intent",),
    "gender": ("gender",),
}
_DATE_PATHS: dict[str, tuple[str, ...]] = {
    "date": (
        "effectiveDateTime",
        "effectivePeriod",
        "effectiveInstant",
        "issued",
        "performedDateTime",
        "performedPeriod",
        "onsetDateTime",
        "onsetPeriod",
        "recordedDate",
        "authoredOn",
        "period",
    ),
    "onset-date": ("onsetDateTime", "onsetPeriod"),
    "recorded-date": ("recordedDate",),
    "abatement-date": ("abatementDateTime", "abatementPeriod"),
    "authoredon": ("authoredOn",),
    "authored": ("authoredOn",),
    "issued": ("issued",),
}
_REFERENCE_PATHS: dict[str, tuple[str, ...]] = {
    "patient": ("subject", "patient"),
    "subject": ("subject", "patient"),
    "encounter": ("encounter",),
}
_IGNORED = frozenset({"_format", "_total"})
_PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap")


def parse_query(query: str) -> tuple[str, str | None, list[tuple[str, str]]]:
    """``Observation?patient=1&code=x`` -> ("Observation", None, params); a read gives its id."""
    split = urlsplit(query)
    path = split.path.strip("/")
    parts = path.split("/")
    if len(parts) == 2 and not split.query:
        return parts[0], parts[1], []
    if len(parts) != 1 or not parts[0]:
        raise UnsupportedQuery(f"cannot parse query path {path!r}")
    return parts[0], None, parse_qsl(split.query, keep_blank_values=True)


def read(resources: Iterable[Resource], kind: str, ident: str) -> Resource | None:
    for resource in resources:
        if resource.get("resourceType") == kind and resource.get("id") == ident:
            return resource
    return None


def search(
    resources: Iterable[Resource], kind: str, params: Sequence[tuple[str, str]]
) -> list[Resource]:
    """Every resource of ``kind`` matching all parameters (repeats AND, commas OR)."""
    predicates: list[Callable[[Resource], bool]] = []
    sort: str | None = None
    for raw_name, value in params:
        name, _, modifier = raw_name.partition(":")
        if name in _IGNORED or name in {"_count", "_offset"}:
            continue
        if name == "_sort":
            sort = value
            continue
        if modifier and modifier not in {"exact"}:
            raise UnsupportedQuery(f"modifier ':{modifier}' on {name!r} is not supported")
        predicates.append(_predicate(kind, name, value))
    found = [
        r for r in resources if r.get("resourceType") == kind and all(p(r) for p in predicates)
    ]
    if sort:
        found = _sorted(found, sort)
    return found


def searchset(entries: Sequence[Resource], base: str, total: int | None = None) -> Resource:
    """A searchset Bundle of ``entries`` (fullUrls under ``base``)."""
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(entries) if total is None else total,
        "entry": [
            {
                "fullUrl": f"{base.rstrip('/')}/{r['resourceType']}/{r['id']}",
                "resource": r,
                "search": {"mode": "match"},
            }
            for r in entries
        ],
    }


def evaluate(resources: Sequence[Resource], query: str, base: str) -> Resource | None:
    """A read gives the resource (or ``None``); a search gives a searchset Bundle."""
    kind, ident, params = parse_query(query)
    if ident is not None:
        return read(resources, kind, ident)
    return searchset(search(resources, kind, params), base)


def _predicate(kind: str, name: str, value: str) -> Callable[[Resource], bool]:
    if name == "_id":
        wanted = set(value.split(","))
        return lambda r: r.get("id") in wanted
    if name in _REFERENCE_PATHS:
        refs = {_normalise_ref(v, name) for v in value.split(",")}
        paths = _REFERENCE_PATHS[name]
        return lambda r: any(_ref_of(r, p) in refs for p in paths)
    if name in _TOKEN_PATHS:
        tokens = [_split_token(v) for v in value.split(",")]
        paths = _TOKEN_PATHS[name]
        return lambda r: any(_token_match(r.get(p), tokens) for p in paths)
    if name in _DATE_PATHS:
        test = _date_test(value)
        paths = _DATE_PATHS[name]
        return lambda r: any(test(span) for span in _spans(r, paths))
    raise UnsupportedQuery(f"search parameter {name!r} is not supported for {kind}")


def _normalise_ref(value: str, name: str) -> str:
    if "/" in value:
        return value.rsplit("/", 2)[-2] + "/" + value.rsplit("/", 1)[-1]
    return f"Patient/{value}" if name in {"patient", "subject"} else f"Encounter/{value}"


def _ref_of(resource: Resource, path: str) -> str | None:
    target = resource.get(path)
    if isinstance(target, dict) and isinstance(target.get("reference"), str):
        text: str = target["reference"]
        parts = text.rstrip("/").split("/")
        return "/".join(parts[-2:]) if len(parts) >= 2 else text
    return None


def _split_token(value: str) -> tuple[str | None, str]:
    if "|" in value:
        system, _, code = value.partition("|")
        return system, code
    return None, value


def _codings(element: object) -> list[tuple[str | None, str]]:
    if isinstance(element, str):
        return [(None, element)]
    if isinstance(element, list):
        return [c for item in element for c in _codings(item)]
    if isinstance(element, dict):
        return [
            (c.get("system"), str(c.get("code")))
            for c in element.get("coding", []) or []
            if isinstance(c, dict) and c.get("code") is not None
        ]
    return []


def _token_match(element: object, tokens: Sequence[tuple[str | None, str]]) -> bool:
    for system, code in _codings(element):
        for want_system, want_code in tokens:
            if code != want_code and want_code != "":
                continue
            if want_system is None or want_system == (system or ""):
                return True
    return False


def _instant(text: str, end: bool = False) -> datetime:
    """The start (or end) of a FHIR date / dateTime's precision, in UTC."""
    widths = {4: "year", 7: "month", 10: "day"}
    plain = text.replace("Z", "+00:00")
    if len(text) in widths:
        year, month, day = (int(x) for x in (text + "-01-01")[:10].split("-"))
        start = datetime(year, month, day, tzinfo=UTC)
        if not end:
            return start
        if widths[len(text)] == "year":
            return start.replace(year=year + 1) - timedelta(microseconds=1)
        if widths[len(text)] == "month":
            nxt = start.replace(year=year + month // 12, month=month % 12 + 1)
            return nxt - timedelta(microseconds=1)
        return start + timedelta(days=1) - timedelta(microseconds=1)
    moment = datetime.fromisoformat(plain)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _spans(resource: Resource, paths: Sequence[str]) -> list[tuple[datetime, datetime]]:
    spans: list[tuple[datetime, datetime]] = []
    for path in paths:
        value = resource.get(path)
        if isinstance(value, str):
            spans.append((_instant(value), _instant(value, end=True)))
        elif isinstance(value, dict) and isinstance(value.get("start"), str):
            end = value.get("end")
            spans.append(
                (
                    _instant(value["start"]),
                    _instant(end, end=True)
                    if isinstance(end, str)
                    else datetime.max.replace(tzinfo=UTC),
                )
            )
    return spans[:1]


def _date_test(value: str) -> Callable[[tuple[datetime, datetime]], bool]:
    prefix = value[:2] if value[:2] in _PREFIXES else "eq"
    text = value[2:] if value[:2] in _PREFIXES else value
    try:
        low, high = _instant(text), _instant(text, end=True)
    except ValueError:
        raise UnsupportedQuery(f"date value {value!r} is not a FHIR date") from None
    tests: Mapping[str, Callable[[tuple[datetime, datetime]], bool]] = {
        "eq": lambda s: s[0] >= low and s[1] <= high,
        "ne": lambda s: not (s[0] >= low and s[1] <= high),
        "gt": lambda s: s[1] > high,
        "lt": lambda s: s[0] < low,
        "ge": lambda s: s[1] >= low,
        "le": lambda s: s[0] <= high,
        "sa": lambda s: s[0] > high,
        "eb": lambda s: s[1] < low,
    }
    if prefix not in tests:
        raise UnsupportedQuery(f"date prefix {prefix!r} is not supported")
    return tests[prefix]


def _sorted(found: list[Resource], sort: str) -> list[Resource]:
    keys = [k.strip() for k in sort.split(",") if k.strip()]
    for key in reversed(keys):
        name = key.lstrip("-")
        if name not in _DATE_PATHS:
            raise UnsupportedQuery(f"_sort on {name!r} is not supported")
        paths = _DATE_PATHS[name]
        floor = datetime.min.replace(tzinfo=UTC)
        found.sort(
            key=lambda r, p=paths: (_spans(r, p) or [(floor, floor)])[0][0],  # type: ignore[misc]
            reverse=key.startswith("-"),
        )
    return found
