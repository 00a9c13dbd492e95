"""Resources dated after now (plus the clock-skew allowance) are skipped and decide nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from cds.engine import SKIPPED_EXTENSION
from fhir_mappings.timing import future_dated
from tests.conftest import FIXED_NOW, make_settings, running_app
from tests.service.builders import PATIENT_ID, PV, condition, full_prefetch, request

SKEW = 300


def _heart_rate(oid: str, value: float, when: str) -> dict[str, Any]:
    """LOINC 8867-4 heart rate in /min."""
    return {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "vital-signs",
                    }
                ]
            }
        ],
        "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
        "subject": {"reference": f"Patient/{PATIENT_ID}"},
        "effectiveDateTime": when,
        "valueQuantity": {
            "value": value,
            "unit": "/min",
            "system": "http://unitsofmeasure.org",
            "code": "/min",
        },
    }


def _iso(delta: timedelta) -> str:
    return (FIXED_NOW + delta).isoformat()


async def _call(tmp_path: Path, *resources: dict[str, Any]) -> httpx.Response:
    async with running_app(make_settings(tmp_path)) as client:
        return await client.post(
            PV, json=request(prefetch=full_prefetch("patient-view", *resources))
        )


def _critical(response: httpx.Response) -> list[str]:
    return [c["summary"] for c in response.json()["cards"] if c["indicator"] == "critical"]


async def test_a_heart_rate_dated_next_year_does_not_override_todays(tmp_path: Path) -> None:
    calf = condition("c1")
    today = _heart_rate("hr-now", 70, _iso(-timedelta(hours=2)))
    ahead = _heart_rate("hr-ahead", 130, _iso(timedelta(days=365)))
    response = await _call(tmp_path, calf, today, ahead)
    assert response.status_code == 200, response.text
    assert _critical(response) == []
    assert "heart rate 130" not in response.text
    skipped = response.json()["extension"][SKIPPED_EXTENSION]["byResourceType"]
    assert skipped == {"Observation": 1}


async def test_a_heart_rate_within_the_clock_skew_counts(tmp_path: Path) -> None:
    """Two minutes ahead is a clock difference, not a typing error: the reading is used."""
    calf = condition("c1")
    today = _heart_rate("hr-now", 70, _iso(-timedelta(hours=2)))
    just_ahead = _heart_rate("hr-ahead", 130, _iso(timedelta(minutes=2)))
    response = await _call(tmp_path, calf, today, just_ahead)
    assert response.status_code == 200, response.text
    assert _critical(response), response.text  # tachycardia with leg symptoms: a PE red flag


async def test_a_calf_pain_dated_next_year_raises_no_card(tmp_path: Path) -> None:
    calf = condition("c1")
    calf["onsetDateTime"] = calf["recordedDate"] = _iso(timedelta(days=365))
    response = await _call(tmp_path, calf)
    assert response.status_code == 200, response.text
    assert response.json()["cards"] == []
    skipped = response.json()["extension"][SKIPPED_EXTENSION]["byResourceType"]
    assert skipped == {"Condition": 1}


@pytest.mark.parametrize(
    ("resource_type", "resource", "future"),
    [
        ("Observation", {"effectiveDateTime": "2025-03-01T12:06:00Z"}, True),
        ("Observation", {"effectiveDateTime": "2025-03-01T12:04:00Z"}, False),
        ("Observation", {"effectivePeriod": {"start": "2026-01-01T00:00:00Z"}}, True),
        ("Observation", {"effectivePeriod": {"end": "2026-01-01T00:00:00Z"}}, False),
        ("Observation", {"effectiveInstant": "2025-03-02T00:00:00Z"}, True),
        (
            "Observation",
            {"effectiveDateTime": "2025-03-01T00:00:00Z", "issued": "2026-03-01"},
            True,
        ),
        ("Condition", {"onsetDateTime": "2026"}, True),
        ("Condition", {"recordedDate": "2025-03-05"}, True),
        ("Condition", {"abatementDateTime": "2026-01-01"}, False),  # a planned end is no clue
        ("Procedure", {"performedDateTime": "2025-04"}, True),
        ("Procedure", {"performedPeriod": {"start": "2025-02-01", "end": "2025-09-01"}}, False),
        ("MedicationRequest", {"authoredOn": "2025-12-24"}, True),
        ("MedicationRequest", {"dosageInstruction": [{"timing": {"event": ["2026"]}}]}, False),
        ("MedicationStatement", {"dateAsserted": "2026-01-01"}, True),
        ("MedicationStatement", {"effectivePeriod": {"start": "2026-01-01"}}, False),  # intended
        # a day without a time that has begun somewhere (12:00 UTC is 02:00 next day at UTC+14)
        ("Condition", {"onsetDateTime": "2025-03-02"}, False),
        ("Condition", {"onsetDateTime": "2025-03-03"}, True),
        ("Observation", {"effectiveDateTime": "not a date"}, False),
        ("Patient", {"birthDate": "2030-01-01"}, False),  # not a clinical event
    ],
)
def test_which_times_make_a_resource_future_dated(
    resource_type: str, resource: dict[str, Any], future: bool
) -> None:
    assert (future_dated(resource_type, resource, FIXED_NOW, SKEW) is not None) is future


def test_the_reason_names_the_element_and_no_value() -> None:
    why = future_dated("Observation", {"effectiveDateTime": "2026-03-01T10:00:00Z"}, FIXED_NOW, 0)
    assert why == "dated in the future (effectiveDateTime is after now)"
