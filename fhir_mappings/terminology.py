"""FHIR ValueSets as the definition of every coded feature: loaded once, checked, frozen.

Two kinds live in ``valuesets/`` (``valuesets/SOURCES.md`` says where each comes from):

- ``vsac/``: public NLM VSAC / eCQM value sets, verbatim copies with their complete expansions;
- ``hl7/``: public value sets of HL7 implementation guides whose definition enumerates its codes
  (no filters), with that enumeration as their expansion;
- ``supplements/``: project-owned ValueSets, one per code list, for what no public set covers.
  Each code carries its source key and a status (``verified`` | ``unverified``) as extensions;
  unverified codes are only read with ``include_unverified_codes``.

A value set with a missing, empty (public sets), truncated (``expansion.total`` larger than its
``contains``) or malformed expansion stops the service from starting: every feature reading it
would otherwise say "not found" about codes it never had.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

VALUESET_DIR = Path(str(files("fhir_mappings"))) / "valuesets"
PROJECT_BASE = "https://calf-triage.example.org/fhir"
SOURCE_EXTENSION = f"{PROJECT_BASE}/StructureDefinition/code-source"
STATUS_EXTENSION = f"{PROJECT_BASE}/StructureDefinition/code-status"
_STATUSES = frozenset({"verified", "unverified"})


class ValueSetError(ValueError):
    """A value set file that cannot define a feature (malformed or incomplete expansion)."""


@dataclass(frozen=True, slots=True)
class Member:
    """One code of an expansion."""

    system: str
    code: str
    display: str
    source: str  # the source key (supplements) or the value set's own OID (public sets)
    verified: bool


@dataclass(frozen=True, slots=True)
class ValueSet:
    """One loaded value set: its identity, and its expansion as members and frozen pairs."""

    id: str
    url: str
    version: str
    name: str
    title: str
    supplement: bool  # project-owned (True) or a public copy (False)
    members: tuple[Member, ...]
    # the ValueSet as loaded, kept as JSON bytes: tens of thousands of parsed dicts would each be
    # traversed by every full garbage collection, for a resource read only by the ValueSet routes
    raw: bytes = field(repr=False)

    @property
    def resource(self) -> dict[str, Any]:
        """The ValueSet resource as loaded (served by GET /fhir/ValueSet/{id})."""
        loaded: dict[str, Any] = json.loads(self.raw)
        return loaded

    def codes(self, include_unverified: bool = False) -> frozenset[tuple[str, str]]:
        return frozenset(
            (m.system, m.code) for m in self.members if m.verified or include_unverified
        )


def _text(value: Any, where: str, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueSetError(f"{where}: {name} missing or not a string")
    return value


def _extension(entry: Mapping[str, Any], url: str) -> Any:
    for ext in entry.get("extension") or ():
        if isinstance(ext, Mapping) and ext.get("url") == url:
            return ext.get("valueString", ext.get("valueCode"))
    return None


def parse_value_set(
    resource: Any, *, where: str, supplement: bool, raw: bytes | None = None
) -> ValueSet:
    """Check one ValueSet resource and read its expansion (ValueSetError when unusable);
    ``raw``: the resource's JSON as read, kept for serving it unchanged."""
    if not isinstance(resource, Mapping) or resource.get("resourceType") != "ValueSet":
        raise ValueSetError(f"{where}: not a FHIR ValueSet")
    vid = _text(resource.get("id"), where, "id")
    url = _text(resource.get("url"), where, "url")
    version = _text(resource.get("version"), where, "version")
    expansion = resource.get("expansion")
    if not isinstance(expansion, Mapping) or not isinstance(expansion.get("contains"), list):
        raise ValueSetError(f"{where}: no expansion.contains")
    contains: list[Any] = expansion["contains"]
    total = expansion.get("total")
    if total is not None and (not isinstance(total, int) or total != len(contains)):
        raise ValueSetError(f"{where}: expansion.total {total} but {len(contains)} codes")
    if not contains and not supplement:
        raise ValueSetError(f"{where}: empty expansion")
    members: list[Member] = []
    for number, entry in enumerate(contains):
        at = f"{where} contains[{number}]"
        if not isinstance(entry, Mapping):
            raise ValueSetError(f"{at}: not an object")
        system = _text(entry.get("system"), at, "system")
        code = _text(entry.get("code"), at, "code").strip()
        if not system.startswith(("http://", "https://", "urn:")):
            raise ValueSetError(f"{at}: system must be a URI")
        display = entry.get("display")
        if supplement:
            source = _extension(entry, SOURCE_EXTENSION)
            status = _extension(entry, STATUS_EXTENSION)
            if not isinstance(source, str) or not source or status not in _STATUSES:
                raise ValueSetError(f"{at}: a supplement code needs a source and a status")
        else:
            source, status = vid, "verified"
        shown = display if isinstance(display, str) else ""
        members.append(Member(system, code, shown, source, status == "verified"))
    return ValueSet(
        id=vid,
        url=url,
        version=version,
        name=str(resource.get("name") or vid),
        title=str(resource.get("title") or resource.get("name") or vid),
        supplement=supplement,
        members=tuple(members),
        raw=raw if raw is not None else json.dumps(resource).encode(),
    )


def read_folder(folder: Path, *, supplement: bool) -> list[ValueSet]:
    """Every ``*.json`` ValueSet of a folder, checked (sorted by file name)."""
    found: list[ValueSet] = []
    for path in sorted(folder.glob("*.json")):
        try:
            raw = path.read_bytes()
            resource = json.loads(raw)
        except (OSError, ValueError) as exc:
            raise ValueSetError(f"{path.name}: unreadable ({type(exc).__name__})") from None
        found.append(parse_value_set(resource, where=path.name, supplement=supplement, raw=raw))
    return found


def index_by_id(value_sets: Iterable[ValueSet]) -> dict[str, ValueSet]:
    by_id: dict[str, ValueSet] = {}
    for vs in value_sets:
        if vs.id in by_id:
            raise ValueSetError(f"value set id {vs.id} defined twice")
        by_id[vs.id] = vs
    return by_id


@lru_cache(maxsize=1)
def builtin_value_sets() -> Mapping[str, ValueSet]:
    """The shipped value sets by id, read once per process."""
    value_sets = [
        *read_folder(VALUESET_DIR / "vsac", supplement=False),
        *read_folder(VALUESET_DIR / "hl7", supplement=False),
        *read_folder(VALUESET_DIR / "supplements", supplement=True),
    ]
    if not value_sets:
        raise ValueSetError(f"no value sets found in {VALUESET_DIR}")
    return index_by_id(value_sets)
