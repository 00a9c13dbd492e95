"""Which FHIR searches produce which features: prefetch templates derived from the code lists.

Discovery, the prefetch check and the fallback fetch (cds/) all use these SearchSpecs, so what
the service advertises cannot drift from what the mappers read. ``search_specs_for`` takes what a
hook's rules read (feature names and FeatureSet fields) and asks only for the data that feeds
them. Templates use only ``{{context.patientId}}`` and the CDS Hooks recommended query subset
(type search with reference and token parameters). Conditions, Procedures and medication records
(``records.MEDICATION_TYPES``) are fetched whole for the patient: "not recorded in N Conditions
retrieved" needs all of them, and ICD-10-CM descendants cannot be expressed as token equality.
Observations are filtered by ``code`` (system|code) for the codes of the lists that feed what is
read: the project-owned supplements and a site's local codes, never the public VSAC sets, which
define Conditions, Procedures and medications (their thousands of codes would make a query no EHR
accepts).

What feeds what is not restated here: it is read from the mapping's own tables, the finding lists
(``catalog.FINDING_LISTS``), what each Procedure and medication list changes
(``records.RECORD_FEEDS``) and the reads computed from other reads (``assemble.DERIVED_FROM``),
so a feature added to the mapping is searched for by every hook whose rules read it.

A resource no rule reads may still arrive (an EHR sends more than was asked): the mapping reads
every resource it receives the same way, and what it adds is simply not looked at.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from fhir_mappings.assemble import DERIVED_FROM
from fhir_mappings.catalog import (
    CALF_LISTS,
    DDIMER_LISTS,
    FINDING_LISTS,
    LAB_LISTS,
    MEDICATION_LISTS,
    PROCEDURE_LISTS,
    SUPPLEMENT_PREFIX,
    VITAL_LISTS,
)
from fhir_mappings.codelists import CodeEntry, builtin_entries, load_index
from fhir_mappings.codes import ATC, ICD10CM, RXNORM
from fhir_mappings.features import FeatureName
from fhir_mappings.records import MEDICATION_TYPES, RECORD_FEEDS

F = FeatureName
PATIENT = "{{context.patientId}}"


@dataclass(frozen=True)
class SearchSpec:
    key: str  # prefetch key
    resource_type: str
    template: str  # CDS Hooks prefetch template


def _finding_feeds() -> dict[str, set[str]]:
    """Finding list -> the reads its codes change in a Condition or an Observation
    (fhir_mappings.findings)."""
    feeds: dict[str, set[str]] = defaultdict(set)
    for name, (feature, _) in FINDING_LISTS.items():
        feeds[name].add(feature)
    # a DVT / PE is current when recent, else previous
    feeds["dvt"] |= {F.CURRENT_DVT, F.PREVIOUS_DVT}
    feeds["pe"] |= {F.CURRENT_PE, F.PREVIOUS_PE}
    return feeds


def _observation_feeds() -> dict[str, frozenset[str]]:
    """Code list -> the reads its codes change when they code an Observation
    (fhir_mappings.extract): findings, a drug list's recorded situation such as "oral
    contraception" included (drug codes are RxNorm / ATC and stay out of the search), and the
    measurements."""
    feeds = _finding_feeds()
    for name in VITAL_LISTS:
        feeds[name].add(name)
    for name in LAB_LISTS:
        feeds[name].add("labs")
    for name in DDIMER_LISTS:
        feeds[name].add("ddimers")
    for name in CALF_LISTS:
        feeds[name].add(F.CALF_DIFFERENCE)
    return {name: frozenset(reads) for name, reads in feeds.items()}


def _record_feeds() -> dict[str, frozenset[str]]:
    """Resource type fetched whole -> every read its resources can change: a Condition through
    the finding lists, a lower-limb fracture and the alternative diagnoses
    (fhir_mappings.findings); a Procedure or a medication record through its lists
    (fhir_mappings.records)."""
    condition = set().union(*_finding_feeds().values())
    condition |= {F.PARALYSIS_OR_PLASTER, "alternatives"}  # FRACTURE_LIST, ALTERNATIVE_PREFIX
    procedure = set().union(*(RECORD_FEEDS[name] for name in PROCEDURE_LISTS))
    medication = set().union(*(RECORD_FEEDS.get(name, {name}) for name in MEDICATION_LISTS))
    return {
        "Condition": frozenset(condition),
        "Procedure": frozenset(procedure),
        **dict.fromkeys(MEDICATION_TYPES, frozenset(medication)),
    }


_LIST_FEEDS = _observation_feeds()
_RECORD_FEEDS = _record_feeds()
# Feature -> the record types fetched whole for it (Observations are searched by code).
FEATURE_SOURCES: Mapping[str, frozenset[str]] = {
    name: frozenset(kind for kind, fed in _RECORD_FEEDS.items() if name in fed) for name in F
}
_KEYS = {
    "Condition": "conditions",
    "Observation": "observations",
    "Procedure": "procedures",
    "MedicationRequest": "medications",
    "MedicationStatement": "medicationStatements",
    "MedicationAdministration": "medicationAdministrations",
}
_ORDER = ("Condition", "Observation", "Procedure", *MEDICATION_TYPES)
_NOT_OBSERVATION_SYSTEMS = frozenset({ICD10CM, ATC, RXNORM})


def with_derived(reads: Iterable[str]) -> frozenset[str]:
    """``reads`` and every read they are computed from (``DERIVED_FROM``)."""
    found: set[str] = set()
    todo = list(reads)
    while todo:
        name = todo.pop()
        if name not in found:
            found.add(name)
            todo.extend(DERIVED_FROM.get(name, ()))
    return frozenset(found)


def lists_feeding(reads: Iterable[str]) -> frozenset[str]:
    """The code lists whose Observations can change any of ``reads`` (derived reads included)."""
    wanted = with_derived(reads)
    return frozenset(name for name, fed in _LIST_FEEDS.items() if fed & wanted)


def observation_codes(
    reads: Iterable[str], entries: Iterable[CodeEntry] | None = None
) -> list[str]:
    """The ``system|code`` tokens an Observation search needs for ``reads``, sorted."""
    lists = lists_feeding(reads)
    tokens = {
        f"{e.system}|{e.code}"
        for e in (builtin_entries() if entries is None else entries)
        if e.list_name in lists
        and e.system not in _NOT_OBSERVATION_SYSTEMS
        and (e.value_set == "" or e.value_set.startswith(SUPPLEMENT_PREFIX))
    }
    return sorted(tokens)


def search_specs_for(
    reads: Iterable[str], *, local_codes_file: Path | None = None
) -> list[SearchSpec]:
    """The searches that feed these reads (feature names, FeatureSet fields); always "patient"."""
    wanted = with_derived(reads)
    types = {kind for kind, fed in _RECORD_FEEDS.items() if fed & wanted}
    entries: list[CodeEntry] = list(builtin_entries())
    if local_codes_file is not None:
        entries.extend(
            e for lst in load_index(str(local_codes_file), True).lists.values() for e in lst
        )
    codes = observation_codes(wanted, entries)
    if codes:
        types.add("Observation")
    specs = [SearchSpec("patient", "Patient", f"Patient/{PATIENT}")]
    for resource_type in _ORDER:
        if resource_type not in types:
            continue
        template = f"{resource_type}?patient={PATIENT}"
        if resource_type == "Observation":
            template += "&code=" + ",".join(codes)
        specs.append(SearchSpec(_KEYS[resource_type], resource_type, template))
    return specs
