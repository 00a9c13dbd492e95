"""The one place that imports fhir.resources, pinned to FHIR R4B.

Only selected candidates are validated (the caller picks them by resourceType and code on the raw
JSON first): validation costs ~0.1 ms a resource, and a request can carry hundreds that the
triage never reads. Before validating, a candidate is trimmed to the elements the mappers read,
so a broken narrative or an exotic extension elsewhere in the resource cannot get it rejected.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.procedure import Procedure
from fhir.resources.R4B.servicerequest import ServiceRequest
from pydantic import ValidationError

_COMMON = ("resourceType", "id", "subject", "patient", "encounter")
_READ: dict[str, tuple[type[Any], tuple[str, ...]]] = {
    "Patient": (Patient, ("resourceType", "id", "birthDate", "gender")),
    "Condition": (
        Condition,
        (
            *_COMMON,
            "clinicalStatus",
            "verificationStatus",
            "category",
            "code",
            "bodySite",
            "onsetDateTime",
            "onsetPeriod",
            "abatementDateTime",
            "abatementPeriod",
            "recordedDate",
            "recorder",
            "asserter",
        ),
    ),
    "Observation": (
        Observation,
        (
            *_COMMON,
            "status",
            "category",
            "code",
            "bodySite",
            "effectiveDateTime",
            "effectivePeriod",
            "effectiveInstant",
            "issued",
            "performer",
            "valueQuantity",
            "valueBoolean",
            "valueCodeableConcept",
            "valueString",
            "valueInteger",
            "dataAbsentReason",
            "interpretation",
            "referenceRange",
            "component",
        ),
    ),
    "Procedure": (
        Procedure,
        (
            *_COMMON,
            "status",
            "category",
            "code",
            "bodySite",
            "performedDateTime",
            "performedPeriod",
            "asserter",
            "recorder",
        ),
    ),
    "MedicationRequest": (
        MedicationRequest,
        (
            *_COMMON,
            "status",
            "intent",
            "medicationCodeableConcept",
            "medicationReference",
            "authoredOn",
            "requester",
            "dosageInstruction",
        ),
    ),
    "ServiceRequest": (
        ServiceRequest,
        (*_COMMON, "status", "intent", "code", "authoredOn", "requester", "bodySite"),
    ),
}

VALIDATED_TYPES = frozenset(_READ)


class InvalidResource(ValueError):
    """The candidate failed R4B validation; the message is safe to report (no values)."""


def validate(raw: Mapping[str, Any]) -> Any:
    """The R4B model for a candidate, trimmed to the elements read; raises InvalidResource."""
    resource_type = raw.get("resourceType")
    spec = _READ.get(resource_type) if isinstance(resource_type, str) else None
    if spec is None:
        raise InvalidResource(f"resource type {resource_type!r} is not read")
    model, keys = spec
    trimmed = {k: raw[k] for k in keys if k in raw}
    if resource_type == "MedicationRequest" and not (
        "medicationCodeableConcept" in trimmed or "medicationReference" in trimmed
    ):
        raise InvalidResource("MedicationRequest without medication[x]")
    try:
        return model.model_validate(trimmed)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in err["loc"][:2]) for err in exc.errors()})
        raise InvalidResource(f"invalid {resource_type}: {', '.join(fields[:4])}") from None
    except (TypeError, ValueError) as exc:
        raise InvalidResource(f"invalid {resource_type}: {type(exc).__name__}") from None
