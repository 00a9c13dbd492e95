"""The searches a read needs are derived from the mapping's own tables, and agree with what the
mapping does.

- For every record type fetched whole (Conditions, Procedures, each medication record) and every
  code list, a resource coded from that list is mapped alone; whatever read it changes must have
  that record type among its searches. A feature added to the mapping without telling
  ``fhir_mappings.sources`` (or a derived read computed in ``assemble`` but left out of its
  ``DERIVED_FROM``) fails here for the first code that feeds it.
- MedicationAdministrations are searched by exactly the hooks whose rules read a medication.
- Every shaped search stays within the query length an EHR accepts.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import timedelta
from typing import Any

import pytest

from cds.hooks import HOOKS
from cds.queries import MAX_QUERY_CHARS, query_length
from cds.services import build_services, service_id_for
from cds.triage.rule import Rule
from fhir_mappings.assemble import DERIVED_FROM
from fhir_mappings.catalog import RECORD_BASED
from fhir_mappings.codelists import CodeEntry, builtin_entries
from fhir_mappings.extract import MappingOptions, extract_features
from fhir_mappings.features import FeatureName, FeatureSet
from fhir_mappings.records import MEDICATION_TYPES
from fhir_mappings.sources import FEATURE_SOURCES, search_specs_for, with_derived

from .builders import NOW, PID

RECORD_TYPES = ("Condition", "Procedure", *MEDICATION_TYPES)
_NOT_READS = frozenset({"now", "patient_ref", "features", "legs", "skipped", "available"})
READS = (*(str(name) for name in FeatureName), "age_years", "birth_date", "sex")
DATA_READS = tuple(f.name for f in fields(FeatureSet) if f.name not in _NOT_READS)


def _coded(kind: str, entry: CodeEntry) -> dict[str, Any]:
    """A current, recent ``kind`` coded with ``entry`` (as its category too, for a Procedure)."""
    concept = {"coding": [{"system": entry.system, "code": entry.code}]}
    recent = (NOW - timedelta(hours=6)).isoformat()
    resource: dict[str, Any] = {
        "resourceType": kind,
        "id": "r1",
        "subject": {"reference": f"Patient/{PID}"},
    }
    if kind == "Condition":
        status = "http://terminology.hl7.org/CodeSystem/condition-clinical"
        resource.update(
            code=concept,
            clinicalStatus={"coding": [{"system": status, "code": "active"}]},
            onsetDateTime=recent,
            recordedDate=recent,
        )
    elif kind == "Procedure":
        resource.update(
            status="completed", code=concept, category=concept, performedDateTime=recent
        )
    else:
        resource["medicationCodeableConcept"] = concept
        if kind == "MedicationRequest":
            resource.update(status="active", intent="order", authoredOn=recent)
        elif kind == "MedicationStatement":
            resource.update(status="active", effectiveDateTime=recent)
        else:
            resource.update(status="completed", effectiveDateTime=recent)
    return resource


def _mapped(*resources: dict[str, Any]) -> FeatureSet:
    return extract_features(
        resources,
        patient_id=PID,
        now=NOW,
        options=MappingOptions(include_unverified_codes=True),
        available=("Patient", "Observation", *RECORD_TYPES),
    )


def _reads(fs: FeatureSet) -> dict[str, Any]:
    seen: dict[str, Any] = {name: (fs.features.get(name), fs.legs.get(name)) for name in READS}
    seen.update({name: getattr(fs, name) for name in DATA_READS})
    return seen


def _one_entry_per_list_and_system() -> list[CodeEntry]:
    chosen: dict[tuple[str, str], CodeEntry] = {}
    for entry in builtin_entries():
        chosen.setdefault((entry.list_name, entry.system), entry)
    return list(chosen.values())


ENTRIES = _one_entry_per_list_and_system()
BASELINE = _reads(_mapped())


def _searched_types(read: str) -> set[str]:
    return {spec.resource_type for spec in search_specs_for([read])}


@pytest.mark.parametrize("kind", RECORD_TYPES)
def test_every_read_a_record_can_change_searches_for_that_record(kind: str) -> None:
    changed_any = False
    missing: list[str] = []
    for entry in ENTRIES:
        after = _reads(_mapped(_coded(kind, entry)))
        for read, value in after.items():
            if value != BASELINE[read]:
                changed_any = True
                if kind not in _searched_types(read):
                    missing.append(f"{read} <- {entry.list_name} {entry.system}|{entry.code}")
    assert changed_any, f"no {kind} changed anything: the test builds them wrongly"
    assert not missing, f"{kind} changes these reads, whose searches leave {kind} out: {missing}"


def test_a_medication_record_of_each_type_changes_the_drug_reads() -> None:
    """The medication record types are read alike (the test above is not vacuous for them)."""
    anticoagulant = next(e for e in builtin_entries() if e.list_name == FeatureName.ANTICOAGULANT)
    for kind in MEDICATION_TYPES:
        fs = _mapped(_coded(kind, anticoagulant))
        assert fs.features[FeatureName.ANTICOAGULANT].present, kind
        assert fs.anticoagulation_started is not None, kind
        assert kind in FEATURE_SOURCES[FeatureName.ANTICOAGULANT]


def test_derived_reads_bring_what_they_are_computed_from() -> None:
    assert DERIVED_FROM  # assemble's own table, the one sources reads
    for derived, sources in DERIVED_FROM.items():
        assert sources <= with_derived([derived]), derived
    # the symptom duration runs from the episode start, which comes from the leg findings
    assert FeatureName.CALF_PAIN in with_derived([FeatureName.SYMPTOM_DURATION_DAYS])
    assert "Condition" in _searched_types(FeatureName.SYMPTOM_DURATION_DAYS)


def test_a_record_based_none_found_names_only_record_types_searched_for_it() -> None:
    """A "none found" ("no active cancer found among ...") names data sets the criterion's
    searches fetched; chemotherapy is searched in every medication record type, so all are
    named."""
    for feature, datasets in RECORD_BASED.items():
        assert set(datasets) <= FEATURE_SOURCES[feature], feature
    assert set(MEDICATION_TYPES) <= set(RECORD_BASED[FeatureName.ACTIVE_CANCER])


def _rule(*reads: str) -> Rule:
    return Rule(name="probe", kind="guidance", topics=(), reads=frozenset(reads), cards=list)


def test_medication_administrations_are_searched_by_hooks_whose_rules_read_a_drug() -> None:
    pulse = dict.fromkeys(HOOKS, (_rule(FeatureName.HEART_RATE),))
    drug = {**pulse, "order-sign": (_rule(FeatureName.ANTICOAGULANT),)}
    before, after = build_services(pulse), build_services(drug)
    sign = service_id_for("order-sign")
    assert "medicationAdministrations" not in before[sign].prefetch
    assert after[sign].prefetch["medicationAdministrations"] == (
        "MedicationAdministration?patient={{context.patientId}}"
        "&status=completed,in-progress&_count=100"
    )
    view = service_id_for("patient-view")
    assert after[view].prefetch == before[view].prefetch
    # a D-dimer rule needs the anticoagulation start, so the doses too
    started = build_services({**pulse, "order-sign": (_rule("anticoagulation_started"),)})
    assert "medicationAdministrations" in started[sign].prefetch


@pytest.mark.parametrize("hook", HOOKS)
def test_the_real_hooks_search_administrations_and_stay_within_the_query_limit(
    hook: str,
) -> None:
    service = build_services()[service_id_for(hook)]  # type: ignore[index]
    assert "medicationAdministrations" in service.prefetch
    assert all(query_length(t) <= MAX_QUERY_CHARS for t in service.prefetch.values())
    keys = [s.key for s in service.searches if s.resource_type == "Observation"]
    assert keys[0] == "observations" and len(keys) >= 2  # split, not refused
