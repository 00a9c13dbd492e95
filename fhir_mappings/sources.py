"""Which FHIR searches produce which features: prefetch templates derived from the code lists.

Discovery, the prefetch check and the fallback fetch (cds/) all use these SearchSpecs, so what
the service advertises cannot drift from what the mappers read. Templates use only
``{{context.patientId}}`` and the CDS Hooks recommended query subset (type search with reference
and token parameters). Conditions, Procedures and MedicationRequests are fetched whole for the
patient: "not recorded in N Conditions retrieved" needs all of them, and ICD-10-CM descendants
cannot be expressed as token equality. Observations are filtered by ``code`` (system|code) for
every code the Observation-read features use: the project-owned supplements and a site's local
codes, never the public VSAC sets, which define Conditions, Procedures and medications (their
thousands of codes would make a query no EHR accepts).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from fhir_mappings.catalog import (
    CALF_LISTS,
    DDIMER_LISTS,
    FINDING_LISTS,
    LAB_LISTS,
    MEDICATION_LISTS,
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


_COND_OBS = frozenset({"Condition", "Observation"})
FEATURE_SOURCES: Mapping[str, frozenset[str]] = {
    **dict.fromkeys(F, _COND_OBS),
    F.HEART_RATE: frozenset({"Observation"}),
    F.SPO2: frozenset({"Observation"}),
    F.RESPIRATORY_RATE: frozenset({"Observation"}),
    F.TEMPERATURE: frozenset({"Observation"}),
    F.FEVER: _COND_OBS,
    F.CALF_DIFFERENCE: frozenset({"Observation"}),
    F.RECENT_MAJOR_SURGERY: frozenset({"Procedure", "Condition"}),
    F.ACTIVE_CANCER: _COND_OBS | {"Procedure", "MedicationRequest"},  # chemo / radiotherapy
    F.PREGNANCY: _COND_OBS | {"Procedure"},  # a delivery: postpartum
    F.PARALYSIS_OR_PLASTER: _COND_OBS | {"Procedure"},  # an immobilised fracture
    F.ANTICOAGULANT: frozenset({"MedicationRequest", "MedicationStatement", "Condition"}),
    F.HORMONAL_CONTRACEPTION: frozenset({"MedicationRequest", "MedicationStatement", "Condition"}),
}
# Non-feature reads (FeatureSet fields) keyed by pseudo-names, for completeness of prefetch.
EXTRA_SOURCES: Mapping[str, frozenset[str]] = {
    "ddimers": frozenset({"Observation"}),
    "labs": frozenset({"Observation"}),
    "alternatives": frozenset({"Condition"}),
    "anticoagulation_started": frozenset({"MedicationRequest", "MedicationStatement"}),
}

_KEYS = {
    "Condition": "conditions",
    "Observation": "observations",
    "Procedure": "procedures",
    "MedicationRequest": "medications",
    "MedicationStatement": "medicationStatements",
}
_ORDER = ("Condition", "Observation", "Procedure", "MedicationRequest", "MedicationStatement")
_OBS_LISTS = frozenset(
    {*VITAL_LISTS, *LAB_LISTS, *DDIMER_LISTS, *CALF_LISTS, *FINDING_LISTS}
) - set(MEDICATION_LISTS)
_NOT_OBSERVATION_SYSTEMS = frozenset({ICD10CM, ATC, RXNORM})


def _observation_codes(entries: Iterable[CodeEntry]) -> list[str]:
    tokens = {
        f"{e.system}|{e.code}"
        for e in entries
        if e.list_name in _OBS_LISTS
        and e.system not in _NOT_OBSERVATION_SYSTEMS
        and (e.value_set == "" or e.value_set.startswith(SUPPLEMENT_PREFIX))
    }
    return sorted(tokens)


def search_specs_for(
    feature_names: Iterable[str], *, local_codes_file: Path | None = None
) -> list[SearchSpec]:
    """The searches for these features (plus D-dimer/labs/alternatives); always "patient"."""
    types: set[str] = set()
    for name in feature_names:
        types |= FEATURE_SOURCES.get(name, EXTRA_SOURCES.get(name, frozenset()))
    specs = [SearchSpec("patient", "Patient", f"Patient/{PATIENT}")]
    entries: list[CodeEntry] = list(builtin_entries())
    if local_codes_file is not None:
        entries.extend(
            e for lst in load_index(str(local_codes_file), True).lists.values() for e in lst
        )
    for resource_type in _ORDER:
        if resource_type not in types:
            continue
        template = f"{resource_type}?patient={PATIENT}"
        if resource_type == "Observation":
            template += "&code=" + ",".join(_observation_codes(entries))
        specs.append(SearchSpec(_KEYS[resource_type], resource_type, template))
    return specs
