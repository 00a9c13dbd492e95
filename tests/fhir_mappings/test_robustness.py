"""HL7 example data, prefetch templates, arbitrary JSON (hypothesis), validating only candidates."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fhir_mappings.extract import MappingOptions, extract_features
from fhir_mappings.features import FeatureName, FeatureSet
from fhir_mappings.sources import FEATURE_SOURCES, search_specs_for

from .builders import ICD, LNC, NOW, PID, SCT, condition, observation, qty, site

EXTERNAL = Path(__file__).parents[1] / "data" / "external"


def _bundles() -> list[Path]:
    return sorted(EXTERNAL.glob("*.json"))


def test_every_hl7_example_resource_maps_without_error() -> None:
    assert _bundles(), "no external example bundles found"
    for path in _bundles():
        bundle = json.loads(path.read_text())
        resources = [e["resource"] for e in bundle["entry"]]
        patient = next(r for r in resources if r["resourceType"] == "Patient")
        drafts = [r for r in resources if r["resourceType"] == "ServiceRequest"]
        for resource in resources:  # one at a time, and all together
            fs = extract_features(
                [resource], patient_id=patient["id"], now=NOW, options=MappingOptions()
            )
            assert isinstance(fs, FeatureSet)
        fs = extract_features(
            resources,
            patient_id=patient["id"],
            now=NOW,
            options=MappingOptions(),
            draft_orders=[dict(d, status="draft") for d in drafts],
        )
        assert fs.sex == "male" and fs.age_years == 44
        assert [d.resource_type for d in fs.draft_orders] == ["ServiceRequest"]
        assert all(s.reason != "other patient" for s in fs.skipped)
        whole = extract_features(
            [bundle], patient_id=patient["id"], now=NOW, options=MappingOptions()
        )
        assert whole.age_years == 44  # a Bundle is unwrapped


_TEMPLATE = re.compile(
    r"^(Patient/\{\{context\.patientId\}\}|[A-Z][A-Za-z]+\?patient=\{\{context\.patientId\}\}(&[a-z_-]+=[^&\s]+)*)$"
)


def test_search_specs_are_valid_templates() -> None:
    specs = search_specs_for([*FeatureName, "ddimers", "labs", "alternatives"])
    keys = [s.key for s in specs]
    assert keys[0] == "patient" and len(set(keys)) == len(keys)
    assert {s.resource_type for s in specs} == {
        "Patient",
        "Condition",
        "Observation",
        "Procedure",
        "MedicationRequest",
        "MedicationStatement",
        "MedicationAdministration",
    }
    for spec in specs:
        assert _TEMPLATE.match(spec.template), spec.template
        params = {p.split("=")[0] for p in spec.template.partition("?")[2].split("&") if p}
        assert params <= {"patient", "code", "category", "clinical-status", "date"}
        assert re.findall(r"\{\{([^}]*)\}\}", spec.template) == ["context.patientId"]
    obs = next(s for s in specs if s.key == "observations")
    assert f"{LNC}|48065-7" in obs.template and f"{LNC}|8867-4" in obs.template
    assert "icd-10-cm" not in obs.template


def test_search_specs_follow_feature_sources() -> None:
    assert [s.key for s in search_specs_for([])] == ["patient"]
    assert [s.key for s in search_specs_for([FeatureName.HEART_RATE])] == [
        "patient",
        "observations",
    ]
    surgery = {s.resource_type for s in search_specs_for([FeatureName.RECENT_MAJOR_SURGERY])}
    assert "Procedure" in surgery
    assert set(FEATURE_SOURCES) == set(FeatureName)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=12,
)
_coding = st.fixed_dictionaries(
    {
        "system": st.sampled_from([SCT, ICD, LNC, "x", 3]),
        "code": st.sampled_from(["300954003", "I82.402", "8867-4", "Z85", "", 7]),
    }
)
_fhirish = st.fixed_dictionaries(
    {
        "resourceType": st.sampled_from(
            [
                "Condition",
                "Observation",
                "Procedure",
                "MedicationRequest",
                "Patient",
                "Bundle",
                "ServiceRequest",
                5,
            ]
        )
    },
    optional={
        "id": st.one_of(st.just(PID), st.text(max_size=4), st.integers()),
        "subject": st.one_of(st.just({"reference": f"Patient/{PID}"}), _json),
        "status": st.sampled_from(["final", "active", "draft", "completed", "x", None]),
        "code": st.one_of(st.fixed_dictionaries({"coding": st.lists(_coding, max_size=2)}), _json),
        "category": _json,
        "clinicalStatus": _json,
        "verificationStatus": _json,
        "valueQuantity": st.one_of(
            st.fixed_dictionaries({"value": _json, "unit": _json, "code": _json}), _json
        ),
        "valueBoolean": _json,
        "effectiveDateTime": st.one_of(
            st.sampled_from(["2025-05-30", "2025", "x", "2025-13-40"]), _json
        ),
        "onsetDateTime": _json,
        "bodySite": _json,
        "component": _json,
        "referenceRange": _json,
        "entry": _json,
        "birthDate": _json,
        "medicationCodeableConcept": _json,
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.one_of(_fhirish, _json), max_size=6),
    st.lists(st.one_of(_fhirish, _json), max_size=2),
    st.one_of(st.none(), st.lists(st.text(max_size=10), max_size=2)),
)
def test_arbitrary_fhir_shaped_json_never_raises(
    resources: list[Any], drafts: list[Any], selections: list[str] | None
) -> None:
    fs = extract_features(
        resources,
        patient_id=PID,
        now=NOW,
        options=MappingOptions(),
        available=["Condition", "Observation"],
        draft_orders=drafts,
        selections=selections,
    )
    assert set(fs.features) == set(FeatureName)


@given(_json)
@settings(max_examples=50, deadline=None)
def test_any_json_value_as_resources_never_raises(value: Any) -> None:
    extract_features(value, patient_id=PID, now=NOW, options=MappingOptions())


def _request_of_54_kb() -> list[dict[str, Any]]:
    text = {
        "status": "generated",
        "div": '<div xmlns="http://www.w3.org/1999/xhtml">' + "x" * 900 + "</div>",
    }
    resources: list[dict[str, Any]] = []
    codes = [
        ("8867-4", "/min", 90),
        ("59408-5", "%", 96),
        ("9279-1", "/min", 18),
        ("8310-5", "Cel", 37.2),
        ("48065-7", "ng/mL", 450),
        ("2823-3", "mmol/L", 4.1),
    ]
    for i in range(30):
        code, unit, value = codes[i % len(codes)]
        obs = observation(
            LNC,
            code,
            rid=f"o{i}",
            days_ago=i / 10,
            valueQuantity=qty(value, unit),
            referenceRange=[{"low": qty(value * 0.8, unit), "high": qty(value * 1.2, unit)}],
        )
        if i % 5 == 0:
            obs = observation(
                SCT,
                "449615005",
                rid=f"o{i}",
                body_site=site("30021000", "7771000"),
                valueBoolean=True,
            )
        obs["text"] = text
        resources.append(obs)
    for i in range(10):
        cond = condition(ICD if i % 2 else SCT, "M79.662" if i % 2 else "300954003", rid=f"c{i}")
        cond["text"] = text
        resources.append(cond)
    return resources


def test_a_54_kb_request_validates_only_the_candidates(monkeypatch: Any) -> None:
    """Resources no feature reads (other codes, other types) are never validated."""
    import fhir_mappings.resources as validation

    resources = _request_of_54_kb()
    size = len(json.dumps(resources))
    assert 45_000 < size < 65_000
    irrelevant = [
        observation(LNC, "29463-7", rid="weight", valueQuantity=qty(80, "kg")),  # body weight
        {"resourceType": "Encounter", "id": "e1", "subject": {"reference": f"Patient/{PID}"}},
        {"resourceType": "Practitioner", "id": "pr1"},
    ]
    seen: list[str] = []

    # Spies at both doors of ``resources.validate`` (the fast schemas and the R4B models), put
    # in the tables it reads.
    class R4BSpy:
        def __init__(self, model: Any) -> None:
            self.model = model

        def model_validate(self, trimmed: Any) -> Any:
            seen.append(f"{self.model.__name__}/{trimmed['id']}")
            return self.model.model_validate(trimmed)

    def fast_spy(check: Any) -> Any:
        def spy(raw: Any) -> Any:
            seen.append(f"{raw['resourceType']}/{raw['id']}")
            return check(raw)

        return spy

    for view, (check, watch) in list(validation._FAST.items()):
        monkeypatch.setitem(validation._FAST, view, (fast_spy(check), watch))
    for view, (model, keys) in list(validation._READ.items()):
        monkeypatch.setitem(validation._READ, view, (R4BSpy(model), keys))
    fs = extract_features(resources + irrelevant, patient_id=PID, now=NOW, options=MappingOptions())
    assert sorted(set(seen)) == sorted(f"{r['resourceType']}/{r['id']}" for r in resources)
    assert fs.skipped == []
    assert fs.features[FeatureName.HEART_RATE].present
