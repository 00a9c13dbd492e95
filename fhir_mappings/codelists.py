"""Code lists: the (system, code) lookups every feature matches against, built from ValueSets.

A code list is a name (``active_cancer``, ``orders_nsaid``, ...) defined by one or more FHIR
ValueSets (``catalog.list_value_sets``): the project-owned supplement of the same name plus the
public VSAC sets named in ``catalog.PUBLIC_VALUE_SETS``. Everything is loaded once per process
(``terminology``) and compiled into one immutable dict keyed by ``(system, code)``; hierarchical
systems (ICD-10-CM, ATC) are matched by walking the sent code's ancestors into that same dict.

A site adds its own codes with ``CDS_LOCAL_CODES_FILE``: a CSV with the columns ``feature,
system, code, display, source, status`` (``feature`` is the list name, e.g.
``calf_circumference``). Source keys are in ``valuesets/SOURCES.md``. Unverified codes are left
out unless ``include_unverified`` is set (do not ship an unverified code as verified).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fhir_mappings.catalog import list_value_sets
from fhir_mappings.codes import (
    ATC,
    ICD10CM,
    KNOWN_SYSTEMS,
    atc_lineage,
    icd_is_valid,
    icd_lineage,
    icd_normalise,
)
from fhir_mappings.features import Coding
from fhir_mappings.terminology import ValueSet, ValueSetError, builtin_value_sets

COLUMNS = ("system", "code", "display", "source", "status")
STATUSES = frozenset({"verified", "unverified"})


class CodelistError(ValueError):
    """A malformed code list row or an ICD-10-CM code unknown to the CMS tabular."""


@dataclass(frozen=True, slots=True)
class CodeEntry:
    list_name: str
    system: str
    code: str
    display: str
    source: str
    verified: bool
    value_set: str = ""  # id of the ValueSet that holds it ("" for a site's local code)

    @property
    def concept(self) -> Coding:
        """The entry as a Coding (what evidence cites for a numeric Observation)."""
        return Coding(self.system, self.code, self.display or None)


@dataclass(frozen=True, slots=True, eq=False)
class CodeIndex:
    """Compiled lookups: ``(system, code) -> entries``; ``lists`` keeps every list's entries.

    Compared and hashed by identity (``eq=False``): one index per configuration, built once by
    ``load_index``, so what is derived from it can be cached per index.
    """

    by_code: Mapping[tuple[str, str], tuple[CodeEntry, ...]]
    lists: Mapping[str, tuple[CodeEntry, ...]]
    value_sets: Mapping[str, tuple[str, ...]]  # list name -> ids of the value sets defining it
    systems: frozenset[str]  # the code systems the lists hold: a record coded in none is unread

    def match(self, system: str, code: str) -> tuple[CodeEntry, ...]:
        """Entries matching one coding (ICD-10-CM/ATC through ancestors, others exactly)."""
        if system == ICD10CM:
            keys: Iterable[str] = icd_lineage(code)
        elif system == ATC:
            keys = atc_lineage(code)
        else:  # exact match: the stored (immutable) tuple itself
            return self.by_code.get((system, code.strip()), ())
        found: list[CodeEntry] = []
        for key in keys:
            found.extend(self.by_code.get((system, key), ()))
        return tuple(found)

    def has_codes(self, list_name: str) -> bool:
        return bool(self.lists.get(list_name))

    def codes_of(self, list_name: str) -> tuple[CodeEntry, ...]:
        return self.lists.get(list_name, ())

    def titles_of(self, list_name: str, ids: Iterable[str] | None = None) -> tuple[str, ...]:
        """Titles of the value sets defining a list (or of ``ids`` among them)."""
        known = builtin_value_sets()
        chosen = self.value_sets.get(list_name, ()) if ids is None else ids
        return tuple(known[vid].title for vid in chosen if vid in known)


def parse_rows(
    rows: Iterable[Mapping[str, str | None]], *, origin: str, list_name: str | None
) -> list[CodeEntry]:
    """Validate rows; ``list_name`` None means the row names its list in a ``feature`` column."""
    entries: list[CodeEntry] = []
    for number, row in enumerate(rows, start=2):
        where = f"{origin}:{number}"
        values = {k: (row.get(k) or "").strip() for k in (*COLUMNS, "feature")}
        missing = [k for k in ("system", "code", "source", "status") if not values[k]]
        if missing:
            raise CodelistError(f"{where}: empty {', '.join(missing)}")
        if values["status"] not in STATUSES:
            raise CodelistError(f"{where}: status must be verified|unverified")
        name = list_name or values["feature"]
        if not name:
            raise CodelistError(f"{where}: no feature column value")
        system, code = values["system"], values["code"]
        if not system.startswith(("http://", "https://", "urn:")):
            raise CodelistError(f"{where}: system must be a URI, got {system!r}")
        if list_name is not None and system not in KNOWN_SYSTEMS:
            raise CodelistError(f"{where}: unknown system {system!r}")
        if system == ICD10CM:
            if not icd_is_valid(code):
                raise CodelistError(f"{where}: ICD-10-CM code {code!r} not in the CMS tabular")
            code = icd_normalise(code)
        entries.append(
            CodeEntry(
                list_name=name,
                system=system,
                code=code,
                display=values["display"],
                source=values["source"],
                verified=values["status"] == "verified",
            )
        )
    return entries


def _read_csv(path: Path, list_name: str | None) -> list[CodeEntry]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header = tuple(reader.fieldnames or ())
        required = COLUMNS if list_name else (*COLUMNS, "feature")
        if not set(required) <= set(header):
            raise CodelistError(f"{path.name}: columns must include {', '.join(required)}")
        return parse_rows(reader, origin=path.name, list_name=list_name)


def _entries_of(list_name: str, value_set: ValueSet) -> list[CodeEntry]:
    entries: list[CodeEntry] = []
    for m in value_set.members:
        code = m.code
        if m.system == ICD10CM:
            if value_set.supplement and not icd_is_valid(code):
                where = f"{value_set.id}: ICD-10-CM code {code!r}"
                raise CodelistError(f"{where} not in the CMS tabular")
            code = icd_normalise(code)
        entries.append(
            CodeEntry(list_name, m.system, code, m.display, m.source, m.verified, value_set.id)
        )
    return entries


def builtin_entries() -> list[CodeEntry]:
    """Every shipped list's codes, unverified included (for tests and prefetch derivation)."""
    return _builtin_entries()


@lru_cache(maxsize=1)
def _builtin_entries() -> list[CodeEntry]:
    known = builtin_value_sets()
    entries: list[CodeEntry] = []
    for list_name, ids in list_value_sets(known).items():
        for vid in ids:
            if vid not in known:
                raise ValueSetError(f"code list {list_name} names value set {vid}, not found")
            entries.extend(_entries_of(list_name, known[vid]))
    if not entries:  # every feature would read "not documented": refuse to start instead
        raise CodelistError("no value set codes loaded")
    return entries


@lru_cache(maxsize=8)
def load_index(local_codes_file: str | None = None, include_unverified: bool = False) -> CodeIndex:
    """The compiled index, built once per argument pair (a path string keeps it hashable)."""
    entries = list(_builtin_entries())
    if local_codes_file:
        entries.extend(_read_csv(Path(local_codes_file), None))
    by_code: dict[tuple[str, str], list[CodeEntry]] = defaultdict(list)
    lists: dict[str, list[CodeEntry]] = defaultdict(list)
    for entry in entries:
        if not entry.verified and not include_unverified:
            continue
        key = (entry.system, entry.code)
        if any(e.list_name == entry.list_name for e in by_code[key]):
            continue  # the same code in two sets of one list: one entry is enough
        by_code[key].append(entry)
        lists[entry.list_name].append(entry)
    return CodeIndex(
        by_code={k: tuple(v) for k, v in by_code.items()},
        lists={k: tuple(v) for k, v in lists.items()},
        value_sets=list_value_sets(builtin_value_sets()),
        systems=frozenset(system for system, _ in by_code),
    )
