"""Each hook searches for what its own rules read, and no less.

- The Observation code list differs between hooks whose rules differ: order entry does not run
  the cramp guidance, the one rule that reads electrolyte and CK results, so its searches do not
  name those codes, while the chart view's do (expected codes come from the value sets).
- Nothing is lost by asking for less: an Observation with any code a hook leaves out, mapped as
  the EHR might still send it, changes the FeatureSet (the code is read) but nothing the hook's
  rules read. This is what makes leaving the code out safe, and it fails when a rule starts
  reading a feature whose codes the hook's searches do not name.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import pytest

from cds import triage
from cds.hooks import HOOKS, HookName
from cds.services import CdsService, build_services, service_id_for
from cds.triage.rules import cramp
from fhir_mappings.catalog import (
    CALF_LISTS,
    DDIMER_LISTS,
    LAB_LISTS,
    SUPPLEMENT_PREFIX,
    VITAL_LISTS,
)
from fhir_mappings.codelists import builtin_entries
from fhir_mappings.codes import ATC, ICD10CM, RXNORM
from fhir_mappings.extract import MappingOptions, extract_features
from fhir_mappings.features import FeatureName, FeatureSet
from fhir_mappings.sources import search_specs_for

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
PATIENT_ID = "p1"
SERVICES = build_services()
_UNITS = {**VITAL_LISTS, **LAB_LISTS, **dict.fromkeys(DDIMER_LISTS, "ng/mL")}
_UNITS.update(dict.fromkeys(CALF_LISTS, "cm"))
_NOT_OBSERVED = frozenset({ICD10CM, ATC, RXNORM})


def observation_codes(service: CdsService) -> set[str]:
    """Every ``system|code`` the service's Observation searches name (split lists joined)."""
    codes: set[str] = set()
    for spec in service.searches:
        if spec.resource_type == "Observation":
            codes.update(dict(parse_qsl(spec.template.partition("?")[2]))["code"].split(","))
    return codes


def _list_tokens(*list_names: str) -> set[str]:
    return {f"{e.system}|{e.code}" for e in builtin_entries() if e.list_name in list_names}


def test_order_sign_leaves_out_the_cramp_only_lab_codes_that_patient_view_asks_for() -> None:
    labs = _list_tokens(*LAB_LISTS)
    assert labs  # potassium, magnesium, calcium, creatine kinase (supplement value sets)
    assert "labs" in cramp.RULE.reads
    assert cramp.RULE in triage.RULES_BY_HOOK["patient-view"]
    for hook in ("order-select", "order-sign"):
        assert cramp.RULE not in triage.RULES_BY_HOOK[hook]
        assert "labs" not in triage.reads(triage.RULES_BY_HOOK[hook])
    view = observation_codes(SERVICES[service_id_for("patient-view")])
    sign = observation_codes(SERVICES[service_id_for("order-sign")])
    assert labs <= view
    assert not labs & sign
    # what both hooks read is asked for by both: the heart rate (PE red flag), D-dimer (pathway)
    shared = _list_tokens(FeatureName.HEART_RATE, *DDIMER_LISTS)
    assert shared and shared <= view & sign


def test_discovery_differs_between_the_chart_and_order_hooks() -> None:
    view = SERVICES[service_id_for("patient-view")]
    select = SERVICES[service_id_for("order-select")]
    sign = SERVICES[service_id_for("order-sign")]
    assert observation_codes(sign) < observation_codes(view)
    assert select.prefetch == sign.prefetch  # the same rules
    assert view.prefetch != sign.prefetch
    # the whole-record searches are the same: every hook reads Conditions, Procedures, drugs
    whole = {s.key: s.template for s in view.searches if s.resource_type != "Observation"}
    assert whole == {s.key: s.template for s in sign.searches if s.resource_type != "Observation"}


def _observation(token: str) -> dict[str, Any]:
    system, _, code = token.partition("|")
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": "o1",
        "status": "final",
        "code": {"coding": [{"system": system, "code": code}]},
        "subject": {"reference": f"Patient/{PATIENT_ID}"},
        "effectiveDateTime": (NOW - timedelta(days=1)).isoformat(),
    }
    lists = {e.list_name for e in builtin_entries() if f"{e.system}|{e.code}" == token}
    units = sorted({_UNITS[name] for name in lists if name in _UNITS})
    if units:  # a measurement: a value in its list's unit; a finding: recorded, so present
        ucum = "http://unitsofmeasure.org"
        resource["valueQuantity"] = {
            "value": 3.1,
            "unit": units[0],
            "system": ucum,
            "code": units[0],
        }
    return resource


def _mapped(*resources: dict[str, Any]) -> FeatureSet:
    return extract_features(
        resources,
        patient_id=PATIENT_ID,
        now=NOW,
        options=MappingOptions(include_unverified_codes=True),  # searched for too
        available=frozenset({"Patient", "Observation", "Condition"}),
    )


def _what_is_read(fs: FeatureSet, reads: frozenset[str]) -> dict[str, Any]:
    features = {str(name) for name in FeatureName}
    seen: dict[str, Any] = {}
    for name in sorted(reads):
        if name in features:
            seen[name] = (fs.features.get(name), fs.legs.get(name))
        else:
            seen[name] = getattr(fs, name)
    return seen


def _everything(fs: FeatureSet) -> dict[str, Any]:
    return {f.name: getattr(fs, f.name) for f in fields(FeatureSet)}


def _read_codes() -> dict[str, FeatureSet]:
    """Every Observation code of the project's value sets that the mapping reads (an Observation
    with it alone changes the FeatureSet), with what it maps to. Found by mapping each code, not
    from fhir_mappings.sources, so the searches are checked against the mapping itself.
    ICD-10-CM, ATC and RxNorm code diagnoses and drugs, never an Observation: left out."""
    baseline = _everything(_mapped())
    found: dict[str, FeatureSet] = {}
    for entry in builtin_entries():
        token = f"{entry.system}|{entry.code}"
        if not entry.value_set.startswith(SUPPLEMENT_PREFIX) or entry.system in _NOT_OBSERVED:
            continue
        if token not in found:
            mapped = _mapped(_observation(token))
            if _everything(mapped) != baseline:
                found[token] = mapped
    return found


READ_CODES = _read_codes()


def test_the_mapping_reads_the_lab_and_the_vital_sign_codes() -> None:
    assert _list_tokens(*LAB_LISTS, FeatureName.HEART_RATE) <= set(READ_CODES)


@pytest.mark.parametrize("hook", HOOKS)
def test_a_code_a_hook_leaves_out_changes_nothing_its_rules_read(hook: HookName) -> None:
    service = SERVICES[service_id_for(hook)]
    reads = triage.reads(service.rules)
    left_out = sorted(set(READ_CODES) - observation_codes(service))
    assert left_out  # a code list no rule reads (bilateral swelling), or the labs
    baseline = _what_is_read(_mapped(), reads)
    changed = [t for t in left_out if _what_is_read(READ_CODES[t], reads) != baseline]
    assert not changed, f"{hook} reads what these codes map to, but does not search for them"


_DATA_READS = ("ddimers", "labs", "alternatives", "anticoagulation_started", "episode_start")


@pytest.mark.parametrize("read", [*(str(name) for name in FeatureName), *_DATA_READS])
def test_a_rule_reading_one_thing_gets_every_code_that_changes_it(read: str) -> None:
    """Any future rule, whatever it reads: derived reads (a fever shown from the temperature,
    the episode start from the leg findings) bring the codes they are computed from."""
    specs = search_specs_for([read])
    searched = {
        code
        for spec in specs
        if spec.resource_type == "Observation"
        for code in dict(parse_qsl(spec.template.partition("?")[2]))["code"].split(",")
    }
    baseline = _what_is_read(_mapped(), frozenset({read}))
    missing = [
        token
        for token, mapped in READ_CODES.items()
        if token not in searched and _what_is_read(mapped, frozenset({read})) != baseline
    ]
    assert not missing, f"{read} changes with {missing}, which its searches do not name"
