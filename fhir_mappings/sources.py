"""Which FHIR searches produce which features: prefetch templates derived from the code lists.

Discovery, the prefetch check and the fallback fetch (cds/) all use these SearchSpecs, so what
the service advertises cannot drift from what the mappers read. ``search_specs_for`` takes what a
hook's rules read (feature names and FeatureSet fields) and asks only for the data that feeds
them. Templates use only ``{{context.patientId}}`` and the CDS Hooks recommended query subset
(type search with reference and token parameters). Conditions, Procedures and medications are
fetched whole for the patient: "not recorded in N Conditions retrieved" needs all of them, and
ICD-10-CM descendants cannot be expressed as token equality. Observations are filtered by
``code`` (system|code) for the codes of the lists that feed what is read: the project-owned
supplements and a site's local codes, never the public VSAC sets, which define Conditions,
Procedures and medications (their thousands of codes would make a query no EHR accepts).

A resource no rule reads may still arrive (an EHR sends more than was asked): the mapping reads
every resource it receives the same way, and what it adds is simply not looked at.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from fhir_mappings.catalog import (
    CALF_LISTS,
    DDIMER_LISTS,
    FINDING_LISTS,
    LAB_LISTS,
    LEG_FEATURES,
    SUPPLEMENT_PREFIX,
    VITAL_LISTS,
)
from fhir_mappings.codelists import CodeEntry, builtin_entries, load_index
from fhir_mappings.codes import ATC, ICD10CM, RXNORM
from fhir_mappings.features import FeatureName

F = FeatureName
PATIENT = "{{context.patientId}}"


@dataclass(frozen=True)
class SearchSpec:
    key: str  # prefetch key
    resource_type: str
    template: str  # CDS Hooks prefetch template


# The searches fetched whole for a read (Observations are searched by code, from the code lists).
_MEDICATIONS = frozenset({"MedicationRequest", "MedicationStatement"})
FEATURE_SOURCES: Mapping[str, frozenset[str]] = {
    **dict.fromkeys(F, frozenset({"Condition"})),
    F.HEART_RATE: frozenset(),
    F.SPO2: frozenset(),
    F.RESPIRATORY_RATE: frozenset(),
    F.TEMPERATURE: frozenset(),
    F.CALF_DIFFERENCE: frozenset(),
    F.RECENT_MAJOR_SURGERY: frozenset({"Procedure", "Condition"}),
    F.ACTIVE_CANCER: frozenset({"Condition", "Procedure", "MedicationRequest"}),  # chemo
    F.PREGNANCY: frozenset({"Condition", "Procedure"}),  # a delivery: postpartum
    F.PARALYSIS_OR_PLASTER: frozenset({"Condition", "Procedure"}),  # an immobilised fracture
    F.ANTICOAGULANT: _MEDICATIONS | {"Condition"},
    F.HORMONAL_CONTRACEPTION: _MEDICATIONS | {"Condition"},
}
# Non-feature reads (FeatureSet fields).
EXTRA_SOURCES: Mapping[str, frozenset[str]] = {
    "alternatives": frozenset({"Condition"}),
    "anticoagulation_started": _MEDICATIONS,
}

# Reads the mapping computes from other reads (fhir_mappings.assemble): a fever without a coded
# finding shows the measured temperature; bilateral swelling / neurology come from per-leg
# findings; the episode start, and so the symptom duration, is the earliest leg complaint.
DERIVED_FROM: Mapping[str, frozenset[str]] = {
    F.FEVER: frozenset({F.TEMPERATURE}),
    F.BILATERAL_LEG_SWELLING: frozenset({F.LEG_SWELLING}),
    F.BILATERAL_LEG_NEURO: frozenset({F.SCIATICA, F.RADICULAR_SYMPTOMS}),
    F.SYMPTOM_DURATION_DAYS: LEG_FEATURES,
    "episode_start": LEG_FEATURES,
}


def _list_feeds() -> dict[str, frozenset[str]]:
    """Code list -> the reads (feature names, FeatureSet fields) its codes change when they code
    an Observation: the lists fhir_mappings.extract reads from Observations (measurements and
    findings, a drug list's recorded situation such as "oral contraception" included; drug codes
    are RxNorm / ATC and stay out). Procedure, drug and alternative-diagnosis lists are matched in
    the records fetched whole (``FEATURE_SOURCES``)."""
    feeds: dict[str, set[str]] = defaultdict(set)
    for name, (feature, _) in FINDING_LISTS.items():
        feeds[name].add(feature)
    # a DVT / PE is current when recent, else previous (fhir_mappings.findings)
    feeds["dvt"] |= {F.CURRENT_DVT, F.PREVIOUS_DVT}
    feeds["pe"] |= {F.CURRENT_PE, F.PREVIOUS_PE}
    for name in VITAL_LISTS:
        feeds[name].add(name)
    for name in LAB_LISTS:
        feeds[name].add("labs")
    for name in DDIMER_LISTS:
        feeds[name].add("ddimers")
    for name in CALF_LISTS:
        feeds[name].add(F.CALF_DIFFERENCE)
    return {name: frozenset(reads) for name, reads in feeds.items()}


_LIST_FEEDS = _list_feeds()
_KEYS = {
    "Condition": "conditions",
    "Observation": "observations",
    "Procedure": "procedures",
    "MedicationRequest": "medications",
    "MedicationStatement": "medicationStatements",
}
_ORDER = ("Condition", "Observation", "Procedure", "MedicationRequest", "MedicationStatement")
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
    types: set[str] = set()
    for name in wanted:
        types |= FEATURE_SOURCES.get(name, EXTRA_SOURCES.get(name, frozenset()))
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
