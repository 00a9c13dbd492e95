"""Small FHIR JSON builders for mapping tests (raw dicts, as an EHR sends them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fhir_mappings.extract import MappingOptions, extract_features
from fhir_mappings.features import FeatureSet

SCT = "http://snomed.info/sct"
ICD = "http://hl7.org/fhir/sid/icd-10-cm"
LNC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ATC = "http://www.whocc.no/atc"
LOCAL = "https://calf-triage.example.org/fhir/CodeSystem/local-observations"
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
PID = "p1"
LEFT, RIGHT, BOTH = "7771000", "24028007", "51440002"
ALL_SETS = ("Condition", "Observation", "Procedure", "MedicationRequest")


def when(days_ago: float) -> str:
    return (NOW - timedelta(days=days_ago)).isoformat()


def concept(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    coding: dict[str, Any] = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def site(*codes: str) -> dict[str, Any]:
    return {"coding": [{"system": SCT, "code": c} for c in codes]}


def condition(
    system: str,
    code: str,
    *,
    rid: str = "c1",
    clinical: str | None = "active",
    verification: str | None = None,
    onset_days: float | None = 1,
    recorded_days: float | None = None,
    abated_days: float | None = None,
    body_site: list[dict[str, Any]] | None = None,
    patient: str = PID,
) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "Condition",
        "id": rid,
        "subject": {"reference": f"Patient/{patient}"},
        "code": concept(system, code),
    }
    if clinical:
        res["clinicalStatus"] = concept(
            "http://terminology.hl7.org/CodeSystem/condition-clinical", clinical
        )
    if verification:
        res["verificationStatus"] = concept(
            "http://terminology.hl7.org/CodeSystem/condition-ver-status", verification
        )
    if onset_days is not None:
        res["onsetDateTime"] = when(onset_days)
    if recorded_days is not None:
        res["recordedDate"] = when(recorded_days)
    if abated_days is not None:
        res["abatementDateTime"] = when(abated_days)
    if body_site:
        res["bodySite"] = body_site
    return res


def observation(
    system: str,
    code: str,
    *,
    rid: str = "o1",
    status: str = "final",
    days_ago: float = 0.5,
    body_site: dict[str, Any] | None = None,
    patient: str = PID,
    **value: Any,
) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "Observation",
        "id": rid,
        "status": status,
        "subject": {"reference": f"Patient/{patient}"},
        "code": concept(system, code),
        "effectiveDateTime": when(days_ago),
    }
    if body_site:
        res["bodySite"] = body_site
    res.update(value)
    return res


def qty(value: float, unit: str | None) -> dict[str, Any]:
    q: dict[str, Any] = {"value": value}
    if unit is not None:
        q.update({"unit": unit, "system": UCUM, "code": unit})
    return q


def run(
    resources: list[Any],
    *,
    available: tuple[str, ...] = ALL_SETS,
    options: MappingOptions | None = None,
    **kwargs: Any,
) -> FeatureSet:
    return extract_features(
        resources,
        patient_id=PID,
        now=NOW,
        options=options or MappingOptions(),
        available=available,
        **kwargs,
    )
