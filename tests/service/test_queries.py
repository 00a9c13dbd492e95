"""The searches as sent to EHRs: page size, statuses, query length (split code lists)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from cds.queries import MAX_QUERY_CHARS, PAGE_SIZE, query_length, shape_searches
from fhir_mappings.codelists import builtin_entries
from fhir_mappings.codes import RXNORM
from fhir_mappings.extract import MappingOptions, extract_features
from fhir_mappings.features import FeatureName
from fhir_mappings.records import MEDICATION_REQUEST_STATUSES
from fhir_mappings.sources import SearchSpec
from tests.conftest import make_settings, running_app

PATIENT = "{{context.patientId}}"
LOINC = "http://loinc.org"


def _codes(count: int) -> list[str]:
    return [f"{LOINC}|{10000 + i}-{i % 10}" for i in range(count)]


def _code_list(template: str) -> list[str]:
    params = dict(parse_qsl(template.partition("?")[2]))
    return params["code"].split(",")


def test_a_long_code_list_is_split_into_searches_within_the_limit() -> None:
    codes = _codes(400)
    spec = SearchSpec(
        "observations", "Observation", f"Observation?patient={PATIENT}&code=" + ",".join(codes)
    )
    shaped = shape_searches([spec])
    assert len(shaped) > 1
    assert [s.key for s in shaped] == ["observations"] + [
        f"observations-{n}" for n in range(2, len(shaped) + 1)
    ]
    assert all(s.resource_type == "Observation" for s in shaped)
    assert all(query_length(s.template) <= MAX_QUERY_CHARS for s in shaped)
    assert [c for s in shaped for c in _code_list(s.template)] == codes  # each once, in order
    for s in shaped:
        assert s.template.startswith(f"Observation?patient={PATIENT}&code=")
        assert s.template.endswith(f"&_count={PAGE_SIZE}")


def test_a_short_search_keeps_its_key_and_gets_a_page_size() -> None:
    spec = SearchSpec("conditions", "Condition", f"Condition?patient={PATIENT}")
    read = SearchSpec("patient", "Patient", f"Patient/{PATIENT}")
    assert shape_searches([read, spec]) == (
        read,
        SearchSpec("conditions", "Condition", f"Condition?patient={PATIENT}&_count={PAGE_SIZE}"),
    )


# FHIR R4 medicationrequest-status, every code
_ORDER_STATUSES = (
    "active",
    "on-hold",
    "cancelled",
    "completed",
    "entered-in-error",
    "stopped",
    "draft",
    "unknown",
)


def _anticoagulant_order(status: str) -> dict[str, Any]:
    drug = next(
        e
        for e in builtin_entries()
        if e.list_name == FeatureName.ANTICOAGULANT and e.system == RXNORM and e.verified
    )
    return {
        "resourceType": "MedicationRequest",
        "id": "m1",
        "status": status,
        "intent": "order",
        "medicationCodeableConcept": {"coding": [{"system": drug.system, "code": drug.code}]},
        "subject": {"reference": "Patient/p1"},
        "authoredOn": "2025-02-28T09:00:00Z",
    }


@pytest.mark.parametrize("status", _ORDER_STATUSES)
def test_medication_orders_are_searched_in_exactly_the_statuses_the_mapping_reads(
    status: str,
) -> None:
    """The status filter is the mapping's own list, and an order in any status left out would
    not count (an order in a status asked for, authored yesterday, does)."""
    spec = SearchSpec("medications", "MedicationRequest", f"MedicationRequest?patient={PATIENT}")
    (shaped,) = shape_searches([spec])
    asked = dict(parse_qsl(shaped.template.partition("?")[2]))["status"].split(",")
    assert asked == list(MEDICATION_REQUEST_STATUSES)
    assert {"active", "completed"} <= set(asked)
    features = extract_features(
        [_anticoagulant_order(status)],
        patient_id="p1",
        now=datetime(2025, 3, 1, 12, 0, tzinfo=UTC),
        options=MappingOptions(),
        available=frozenset({"MedicationRequest"}),
    )
    assert features.get(FeatureName.ANTICOAGULANT).present == (status in asked)


def test_a_long_search_without_a_code_list_is_refused() -> None:
    spec = SearchSpec("x", "Condition", f"Condition?patient={PATIENT}&category=" + "y" * 3000)
    with pytest.raises(ValueError, match="no code list"):
        shape_searches([spec])


def test_length_counts_the_longest_patient_id_and_encoded_bars() -> None:
    short = f"Observation?patient={PATIENT}"
    assert query_length(short) == len("patient=") + 64  # a 64-character FHIR id
    # "|" is sent as "%7C" by a strict client: two characters more than a plain one
    assert query_length(short + f"&code={LOINC}|1") == query_length(short + f"&code={LOINC}a1") + 2


async def test_discovery_advertises_every_search_within_the_limit(tmp_path: Path) -> None:
    """The Observation search with its full code list is over the limit: discovery shows it
    split, and no advertised template is longer than ``MAX_QUERY_CHARS``."""
    async with running_app(make_settings(tmp_path)) as client:
        body = (await client.get("/cds-services")).json()
    for service in body["services"]:
        prefetch: dict[str, str] = service["prefetch"]
        for key, template in prefetch.items():
            assert query_length(template) <= MAX_QUERY_CHARS, key
            if "?" in template:
                assert f"_count={PAGE_SIZE}" in template
        observation_keys = [k for k, t in prefetch.items() if t.startswith("Observation?")]
        assert len(observation_keys) >= 2
        assert all(re.fullmatch(r"observations(-\d+)?", k) for k in observation_keys)
