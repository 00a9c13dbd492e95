"""The fast element models and full R4B validation must read the same thing from every resource.

``fhir_mappings.read_models`` only decides *how fast* a candidate is validated: what it refuses
goes to full R4B validation, which accepts it or skips it with a precise reason. These tests map
the same input twice, once normally and once with the fast path switched off (R4B for every
candidate), and require identical FeatureSets; then they pin down what the fast path refuses.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fhir_mappings.resources as resources_module
from bench.make_requests import build_requests
from fhir_mappings.extract import MappingOptions, extract_features
from fhir_mappings.features import FeatureName, FeatureSet, State
from fhir_mappings.resources import InvalidResource, validate, validate_r4b

from .builders import ICD, LNC, NOW, PID, SCT, condition, observation, qty, site
from .test_robustness import _fhirish, _json, _request_of_54_kb

ROOT = Path(__file__).parents[2]


def _both_ways(resources: Any, patient_id: str, **kwargs: Any) -> tuple[FeatureSet, FeatureSet]:
    options = MappingOptions()
    fast = extract_features(resources, patient_id=patient_id, now=NOW, options=options, **kwargs)
    resources_module._fast_path_enabled = False
    try:
        slow = extract_features(
            resources, patient_id=patient_id, now=NOW, options=options, **kwargs
        )
    finally:
        resources_module._fast_path_enabled = True
    return fast, slow


def _bundle_cases() -> list[tuple[str, list[Any], str]]:
    cases = []
    paths = sorted((ROOT / "fixtures").glob("*.json")) + sorted(
        (ROOT / "tests" / "data" / "external").glob("*.json")
    )
    for path in paths:
        if path.name.endswith(".expected.json"):
            continue
        data = json.loads(path.read_text())
        if data.get("resourceType") != "Bundle":
            continue
        items = [e.get("resource") for e in data.get("entry", [])]
        patient = next((r for r in items if r and r.get("resourceType") == "Patient"), None)
        if patient is not None:
            cases.append((path.name, items, patient["id"]))
    return cases


@pytest.mark.parametrize(("name", "items", "patient_id"), _bundle_cases())
def test_fixture_bundles_map_the_same_on_both_paths(
    name: str, items: list[Any], patient_id: str
) -> None:
    fast, slow = _both_ways(items, patient_id)
    assert fast == slow, name


@pytest.mark.parametrize("request_name", ["typical", "order-sign"])
def test_bench_requests_map_the_same_on_both_paths(request_name: str) -> None:
    body = json.loads(build_requests(NOW)[request_name][1])
    items: list[Any] = []
    for value in body["prefetch"].values():
        if value.get("resourceType") == "Bundle":
            items.extend(e["resource"] for e in value.get("entry", []))
        else:
            items.append(value)
    fast, slow = _both_ways(items, body["context"]["patientId"])
    assert fast == slow
    assert not fast.skipped


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_fhirish, _json), max_size=6))
def test_arbitrary_fhir_shaped_json_maps_the_same_on_both_paths(items: list[Any]) -> None:
    fast, slow = _both_ways(items, PID, available=["Condition", "Observation"])
    assert fast == slow


@pytest.fixture
def r4b_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The resource types validated through R4B (the slow path) while the test runs."""
    calls: list[str] = []
    slow_path = resources_module._validate_r4b

    def spy(resource_type: str, model: Any, trimmed: dict[str, Any]) -> dict[str, Any]:
        calls.append(resource_type)
        return slow_path(resource_type, model, trimmed)

    monkeypatch.setattr(resources_module, "_validate_r4b", spy)
    return calls


def test_the_typical_request_takes_the_fast_path(r4b_calls: list[str]) -> None:
    fs = extract_features(_request_of_54_kb(), patient_id=PID, now=NOW, options=MappingOptions())
    assert fs.features[FeatureName.HEART_RATE].present
    assert r4b_calls == []


_EXTENSION = [{"url": "http://example.org/x", "valueString": "local"}]


def _extended_coding() -> dict[str, Any]:
    res = condition(SCT, "300954003")
    res["code"]["coding"][0]["extension"] = _EXTENSION
    return res


# Valid FHIR the fast models refuse: R4B accepts it, so it is read exactly as before.
_SLOW_BUT_VALID = [
    ("extension on a coding", _extended_coding()),
    (
        "primitive extension",
        {**condition(SCT, "300954003"), "code": {"text": "calf pain", "_text": {"id": "t1"}}},
    ),
    (
        "nanosecond dateTime",
        {**condition(SCT, "300954003"), "onsetDateTime": "2025-05-31T10:00:00.123456789Z"},
    ),
    ("boolean as a string, which R4B coerces", observation(SCT, "449615005", valueBoolean="true")),
    (
        "id on a Quantity",
        observation(LNC, "8867-4", valueQuantity={**qty(80, "/min"), "id": "q1"}),
    ),
]


@pytest.mark.parametrize(
    ("label", "resource"), _SLOW_BUT_VALID, ids=[c[0] for c in _SLOW_BUT_VALID]
)
def test_valid_resources_the_fast_models_refuse_are_read_through_r4b(
    label: str, resource: dict[str, Any], r4b_calls: list[str]
) -> None:
    validated = validate(resource)
    assert r4b_calls == [resource["resourceType"]], label
    assert validated == validate_r4b(resource), label
    fast, slow = _both_ways([resource], PID)
    assert fast == slow and not fast.skipped


# Invalid FHIR: skipped with R4B's reason (the element named), never fatal, never read.
_INVALID = [
    ("impossible date", {**condition(SCT, "300954003"), "onsetDateTime": "2025-02-30"}),
    ("dateTime without zone", {**condition(SCT, "300954003"), "onsetDateTime": "2025-05-30T10:00"}),
    ("leading space in code", condition(SCT, " 300954003")),
    (
        "two values",
        observation(SCT, "449615005", valueBoolean=True, valueString="yes"),
    ),
    ("empty text", {**condition(ICD, "M79.662"), "code": {**site("300954003"), "text": ""}}),
]


@pytest.mark.parametrize(("label", "resource"), _INVALID, ids=[c[0] for c in _INVALID])
def test_invalid_candidates_are_skipped_with_the_r4b_reason(
    label: str, resource: dict[str, Any]
) -> None:
    with pytest.raises(InvalidResource) as fast_error:
        validate(resource)
    with pytest.raises(InvalidResource) as slow_error:
        validate_r4b(resource)
    assert str(fast_error.value) == str(slow_error.value), label
    fast, slow = _both_ways([resource], PID)
    assert fast == slow
    assert [s.reason for s in fast.skipped] == [str(slow_error.value)]


def test_an_invalid_red_flag_is_reported_not_silently_dropped() -> None:
    haemoptysis = condition(SCT, "66857006", rid="haem")  # CLINICAL.md 2.1 haemoptysis
    haemoptysis["onsetDateTime"] = "2025-05-31T10:00"  # no time zone: invalid dateTime
    fs = extract_features([haemoptysis], patient_id=PID, now=NOW, options=MappingOptions())
    assert [s.reference for s in fs.skipped] == ["Condition/haem"]
    assert fs.features[FeatureName.HAEMOPTYSIS].state is not State.ABSENT


def test_read_elements_the_fast_schemas_do_not_model_go_to_r4b(r4b_calls: list[str]) -> None:
    """The fast schemas ignore unread elements; a *read* element they lack is R4B's to judge."""
    unread = {**condition(SCT, "300954003"), "meta": {"versionId": "1"}, "note": [{"text": "x"}]}
    assert "note" not in validate(unread) and r4b_calls == []
    # "patient" is read on other types (Procedure, MedicationRequest) but not modelled for
    # Condition, which has no such element: R4B decides, and refuses it
    with pytest.raises(InvalidResource):
        validate({**condition(SCT, "300954003"), "patient": {"reference": f"Patient/{PID}"}})
    assert r4b_calls == ["Condition"]


_BROKEN_RANGE = [{"low": {"value": "low", "unit": "/min"}}]  # a string where a decimal belongs


def test_a_vital_sign_is_validated_on_what_a_vital_sign_reads() -> None:
    """Heart rate (LOINC 8867-4, CLINICAL.md 2.3) never reads its referenceRange: a broken one
    does not cost the value, on either path."""
    hr = observation(LNC, "8867-4", valueQuantity=qty(104, "/min"), referenceRange=_BROKEN_RANGE)
    fast, slow = _both_ways([hr], PID)
    assert fast == slow
    assert not fast.skipped
    heart_rate = fast.features[FeatureName.HEART_RATE]
    assert heart_rate.present and heart_rate.quantity is not None
    assert heart_rate.quantity.value == 104


def test_a_lab_result_still_has_its_reference_range_validated() -> None:
    """Potassium (LOINC 2823-3) reads its range (cramp electrolytes): broken means skipped."""
    k = observation(LNC, "2823-3", valueQuantity=qty(3.1, "mmol/L"), referenceRange=_BROKEN_RANGE)
    fast, slow = _both_ways([k], PID)
    assert fast == slow
    assert [s.reference for s in fast.skipped] == ["Observation/o1"]
    assert "referenceRange" in fast.skipped[0].reason
