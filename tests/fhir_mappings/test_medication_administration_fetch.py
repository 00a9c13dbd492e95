"""MedicationAdministrations through the whole app: asked for in the statuses read, fetched from
the EHR's FHIR server (respx) when not prefetched, and read into the card.

An inpatient given enoxaparin 3 days, 40 h and 16 h ago, with a D-dimer taken 50 h ago: the
anticoagulation is known from the doses alone, and that D-dimer, taken after the first dose, is
not counted.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import respx

from tests.conftest import FHIR_BASE, FIXED_NOW, make_settings, running_app
from tests.service.builders import (
    PATIENT_ID,
    PV,
    bundle,
    condition,
    full_prefetch,
    key_for,
    patient,
    request,
)

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ENOXAPARIN = "854252"  # 1 ML enoxaparin sodium 150 MG/ML Prefilled Syringe


def _dose(rid: str, hours_ago: float) -> dict[str, Any]:
    return {
        "resourceType": "MedicationAdministration",
        "id": rid,
        "status": "completed",
        "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": ENOXAPARIN}]},
        "subject": {"reference": f"Patient/{PATIENT_ID}"},
        "effectiveDateTime": (FIXED_NOW - timedelta(hours=hours_ago)).isoformat(),
    }


def _ddimer() -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": "dd-1",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "48065-7"}]},
        "subject": {"reference": f"Patient/{PATIENT_ID}"},
        "effectiveDateTime": (FIXED_NOW - timedelta(hours=50)).isoformat(),
        "valueQuantity": {
            "value": 300,
            "unit": "ng/mL",
            "system": "http://unitsofmeasure.org",
            "code": "ng/mL",
        },
    }


DOSES = [_dose("ma-1", 72), _dose("ma-2", 40), _dose("ma-3", 16)]
NOT_COUNTED = "Observation/dd-1): taken after anticoagulation started"


def _ehr(mock: respx.MockRouter, doses: list[dict[str, Any]]) -> respx.Route:
    """The EHR's server: the Patient, a calf-pain Condition, the D-dimer, ``doses``; nothing
    else. Returns the MedicationAdministration route."""
    mock.get(f"{FHIR_BASE}/Patient/{PATIENT_ID}").mock(
        return_value=httpx.Response(200, json=patient())
    )
    by_type = {"Condition": [condition("c1")], "Observation": [_ddimer()]}
    for kind in ("Condition", "Observation", "Procedure", "MedicationRequest"):
        mock.get(url__startswith=f"{FHIR_BASE}/{kind}?").mock(
            return_value=httpx.Response(200, json=bundle(*by_type.get(kind, [])))
        )
    mock.get(url__startswith=f"{FHIR_BASE}/MedicationStatement?").mock(
        return_value=httpx.Response(200, json=bundle())
    )
    return mock.get(url__startswith=f"{FHIR_BASE}/MedicationAdministration?").mock(
        return_value=httpx.Response(200, json=bundle(*doses))
    )


def _details(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    return "\n".join(card["detail"] for card in response.json()["cards"])


async def test_doses_fetched_from_the_ehr_make_the_anticoagulation_known(tmp_path: Path) -> None:
    async with running_app(make_settings(tmp_path)) as client:
        with respx.mock(assert_all_called=True) as mock:
            route = _ehr(mock, DOSES)
            response = await client.post(PV, json=request())
    (call,) = route.calls
    assert call.request.url.params["patient"] == PATIENT_ID
    assert call.request.url.params["status"] == "completed,in-progress"
    assert call.request.url.params["_count"] == "100"
    details = _details(response)
    assert NOT_COUNTED in details
    assert "Anticoagulation has started or is current" in details


async def test_without_the_doses_the_same_d_dimer_counts(tmp_path: Path) -> None:
    """The doses are what makes the difference (the test above cannot pass by accident)."""
    async with running_app(make_settings(tmp_path)) as client:
        with respx.mock(assert_all_called=True) as mock:
            _ehr(mock, [])
            response = await client.post(PV, json=request())
    details = _details(response)
    assert NOT_COUNTED not in details
    assert "Anticoagulation has started or is current" not in details


async def test_only_the_administrations_left_out_of_the_prefetch_are_fetched(
    tmp_path: Path,
) -> None:
    prefetch = full_prefetch("patient-view", condition("c1"), _ddimer())
    key = key_for("MedicationAdministration")
    assert key == "medicationAdministrations"
    del prefetch[key]
    async with running_app(make_settings(tmp_path)) as client:
        with respx.mock(assert_all_called=True) as mock:
            route = mock.get(url__startswith=f"{FHIR_BASE}/MedicationAdministration?").mock(
                return_value=httpx.Response(200, json=bundle(*DOSES))
            )
            response = await client.post(PV, json=request(prefetch=prefetch))
    assert route.call_count == 1
    assert NOT_COUNTED in _details(response)


async def test_a_failed_administration_search_is_a_412_naming_its_key(tmp_path: Path) -> None:
    async with running_app(make_settings(tmp_path)) as client:
        with respx.mock(assert_all_called=True) as mock:
            _ehr(mock, DOSES).mock(return_value=httpx.Response(503))
            response = await client.post(PV, json=request())
    assert response.status_code == 412, response.text
    issues = response.json()["issue"]
    assert [i["expression"] for i in issues] == [["prefetch.medicationAdministrations"]]
    assert "503" in issues[0]["diagnostics"]
