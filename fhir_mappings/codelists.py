"""Code lists as data: one CSV per feature in ``codelists/``, plus a site's local codes file.

Why data and not literals: a clinician can review a CSV, and a site adds its own code (say a
local calf-circumference code) by naming a file in ``CDS_LOCAL_CODES_FILE`` instead of changing
code. Lists are loaded once per (local file, unverified flag) and compiled into a dict keyed by
``(system, code)``; hierarchical systems (ICD-10-CM, ATC) are matched by walking the sent code's
ancestors into that same dict, so a request never scans a list.

Columns: ``system, code, display, source, status`` (status ``verified`` | ``unverified``); the
local file adds ``feature`` (the list name, e.g. ``calf_circumference``). Source keys are those of
``../shared/CLINICAL.md`` plus the ones in ``codelists/SOURCES.md``. Unverified codes are left
out unless ``include_unverified`` is set (CLINICAL.md: do not ship an UNVERIFIED code as verified).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

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

CODELIST_DIR = Path(str(files("fhir_mappings"))) / "codelists"
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
    # The entry as a Coding (what evidence cites for a numeric Observation), built once at load
    concept: Coding = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "concept", Coding(self.system, self.code, self.display or None))


@dataclass(frozen=True, slots=True, eq=False)
class CodeIndex:
    """Compiled lookups: ``(system, code) -> entries``; ``lists`` keeps every list's entries.

    Compared and hashed by identity (``eq=False``): one index per configuration, built once by
    ``load_index``, so what is derived from it can be cached per index.
    """

    by_code: Mapping[tuple[str, str], tuple[CodeEntry, ...]]
    lists: Mapping[str, tuple[CodeEntry, ...]]

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


def builtin_entries() -> list[CodeEntry]:
    """Every shipped list, unverified included (for tests and prefetch derivation)."""
    return _builtin_entries()


@lru_cache(maxsize=1)
def _builtin_entries() -> list[CodeEntry]:
    entries: list[CodeEntry] = []
    for path in sorted(CODELIST_DIR.glob("*.csv")):
        entries.extend(_read_csv(path, path.stem))
    if not entries:  # every feature would read "not documented": refuse to start instead
        raise CodelistError(f"no code lists found in {CODELIST_DIR}")
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
        by_code[(entry.system, entry.code)].append(entry)
        lists[entry.list_name].append(entry)
    return CodeIndex(
        by_code={k: tuple(v) for k, v in by_code.items()},
        lists={k: tuple(v) for k, v in lists.items()},
    )
