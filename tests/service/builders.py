"""Small builders for CDS Hooks requests and FHIR resources used by the service tests."""

from __future__ import annotations

import uuid
from typing import Any

from tests.conftest import FHIR_BASE

PATIENT_ID = "pat-123"
TOKEN = "opaque-ehr-token-7f3a"
SNOMED = "http://snomed.info/sct"
PV = "/cds-services/calf-pain-patient-view"
OSEL = "/cds-services/calf-pain-order-select"
OSIGN = "/cds-services/calf-pain-order-sign"


def patient(pid: str = PATIENT_ID) -> dict[str, Any]:
    return {"resourceType": "Patient", "id": pid, "gender": "female", "birthDate": "1970-05-01"}


def condition(cid: str, code: str = "300954003", pid: str = PATIENT_ID) -> dict[str, Any]:
    """An active, confirmed Condition (default: SNOMED 300954003 pain in calf)."""
    return {
        "resourceType": "Condition",
        "id": cid,
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": "active",
                }
            ]
        },
        "verificationStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                    "code": "confirmed",
                }
            ]
        },
        "code": {"coding": [{"system": SNOMED, "code": code}]},
        "subject": {"reference": f"Patient/{pid}"},
        "onsetDateTime": "2025-02-27T09:00:00Z",
        "recordedDate": "2025-02-27T09:00:00Z",
    }


def bundle(*resources: dict[str, Any], next_url: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "entry": [
            {"fullUrl": f"{FHIR_BASE}/{r['resourceType']}/{r['id']}", "resource": r}
            for r in resources
        ],
    }
    if next_url is not None:
        out["link"] = [{"relation": "next", "url": next_url}]
    return out


def outcome(text: str = "prefetch failed") -> dict[str, Any]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "exception", "diagnostics": text}],
    }


def request(
    hook: str = "patient-view",
    *,
    prefetch: dict[str, Any] | None = None,
    fhir: bool = True,
    token: str | None = TOKEN,
    context: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "hook": hook,
        "hookInstance": str(uuid.uuid4()),
        "context": context
        if context is not None
        else {"userId": "Practitioner/doc-1", "patientId": PATIENT_ID},
    }
    if fhir:
        body["fhirServer"] = FHIR_BASE
        if token is not None:
            body["fhirAuthorization"] = {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": 300,
                "scope": "user/Patient.read user/Condition.read user/Observation.read",
                "subject": "calf-triage",
            }
    if prefetch is not None:
        body["prefetch"] = prefetch
    body.update(extra)
    return body


def draft_orders(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "entry": [{"resource": r} for r in resources]}


def service_request(sid: str, pid: str = PATIENT_ID) -> dict[str, Any]:
    return {
        "resourceType": "ServiceRequest",
        "id": sid,
        "status": "draft",
        "intent": "order",
        "code": {"coding": [{"system": SNOMED, "code": "91251008", "display": "Physiotherapy"}]},
        "subject": {"reference": f"Patient/{pid}"},
    }


def searches(hook: str = "patient-view") -> tuple[Any, ...]:
    """The service's SearchSpecs, exactly as discovery advertises them."""
    from cds.services import build_services, service_id_for

    return build_services()[service_id_for(hook)].searches  # type: ignore[arg-type]


def key_for(resource_type: str, hook: str = "patient-view") -> str:
    """The (first) prefetch key whose search returns ``resource_type``."""
    return next(s.key for s in searches(hook) if s.resource_type == resource_type)


def full_prefetch(hook: str = "patient-view", *resources: dict[str, Any]) -> dict[str, Any]:
    """Every prefetch key filled: the Patient, and each search's resources (maybe none)."""
    out: dict[str, Any] = {}
    for spec in searches(hook):
        if "?" not in spec.template:
            out[spec.key] = patient()
        else:
            matching = [r for r in resources if r["resourceType"] == spec.resource_type]
            out[spec.key] = bundle(*matching)
    return out


def fhir_url(spec: Any, patient_id: str = PATIENT_ID) -> str:
    from cds.prefetch import render_template

    return f"{FHIR_BASE}/{render_template(spec.template, {'patientId': patient_id})}"
