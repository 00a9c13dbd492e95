"""The searches as sent to EHRs: page size, statuses, query length (split code lists)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from cds.queries import MAX_QUERY_CHARS, PAGE_SIZE, query_length, shape_searches
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


def test_medication_orders_are_searched_in_the_statuses_read() -> None:
    spec = SearchSpec("medications", "MedicationRequest", f"MedicationRequest?patient={PATIENT}")
    (shaped,) = shape_searches([spec])
    params = dict(parse_qsl(shaped.template.partition("?")[2]))
    assert params["status"] == "active,on-hold,completed"


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
