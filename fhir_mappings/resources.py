"""The one place that imports fhir.resources, pinned to FHIR R4B, and the validation policy.

Only selected candidates are validated (the caller picks them by resourceType and code on the raw
JSON first), and only the elements the mappers read (``_READ``): a broken narrative or an exotic
extension elsewhere in the resource cannot get it rejected. Both paths hand the mappers the same
thing: plain dicts of the validated elements.

Two paths, one outcome:

- fast path (Observation, Condition, Patient): ``read_models`` - strict pydantic-core schemas
  (TypedDicts, so the output is plain dicts, no model objects) of exactly the elements read,
  closed below the top level, with R4B's primitive rules (code, id, decimal, dateTime, instant,
  date, one value per choice element).
- R4B path: full R4B validation of the same elements (trimmed to them), dumped to dicts; used
  for every other type and for whatever the fast schemas refuse. It is the authority: it accepts
  what the fast schemas are too strict for (an extension on a coding, a nanosecond timestamp,
  R4B's own coercions) and gives the precise skip reason ("invalid Condition: onsetDateTime")
  for what is really invalid.

The fast schemas are stricter than R4B, never looser, so a resource outside the fast subset
costs only speed, and what the mappers read is the same value either way (dateTime as
``datetime`` / ``date`` / partial ``str``, decimal as ``Decimal``);
``tests/fhir_mappings/test_validation_paths.py`` maps every fixture and hypothesis-generated
resources both ways and requires identical features. A failed resource is skipped and reported,
never fatal; a red flag in an invalid resource shows as a skipped resource, never as "absent".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.medicationadministration import MedicationAdministration
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.medicationstatement import MedicationStatement
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.procedure import Procedure
from fhir.resources.R4B.servicerequest import ServiceRequest
from pydantic import ValidationError

from fhir_mappings.read_models import (
    FAST_MODELS,
    VITAL_SIGN_VIEW,
    Watch,
    fast_path_allows,
    watched_keys,
)

_COMMON = ("resourceType", "id", "subject", "patient", "encounter")
_READ: dict[str, tuple[type[Any], tuple[str, ...]]] = {
    "Patient": (Patient, ("resourceType", "id", "birthDate", "gender")),
    "Condition": (
        Condition,
        (
            *_COMMON,
            "clinicalStatus",
            "verificationStatus",
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
    "MedicationStatement": (
        MedicationStatement,
        (
            *_COMMON,
            "context",
            "status",
            "medicationCodeableConcept",
            "medicationReference",
            "effectiveDateTime",
            "effectivePeriod",
            "dateAsserted",
            "informationSource",
        ),
    ),
    "MedicationAdministration": (
        MedicationAdministration,
        (
            *_COMMON,
            "context",
            "status",
            "medicationCodeableConcept",
            "medicationReference",
            "effectiveDateTime",
            "effectivePeriod",
            "performer",
        ),
    ),
    "ServiceRequest": (
        ServiceRequest,
        (*_COMMON, "status", "intent", "code", "authoredOn", "requester", "bodySite"),
    ),
}

# Views: a resource read for a narrower purpose is validated on what that purpose reads, so an
# element it never reads cannot get it skipped. ``extract`` picks the view.
_NOT_READ_FOR_VITAL_SIGNS = frozenset(
    {"performer", "interpretation", "referenceRange", "component"}
)
_READ[VITAL_SIGN_VIEW] = (
    Observation,
    tuple(k for k in _READ["Observation"][1] if k not in _NOT_READ_FOR_VITAL_SIGNS),
)

# view (a resourceType, or one of the views above) -> (the fast schema's compiled validator,
# returning plain dicts; the read keys ``fast_path_allows`` looks at: choice keys and the read
# keys the fast schema does not model)
_FAST: dict[str, tuple[Any, Watch]] = {
    name: (check, watched_keys(_READ[name][1], prefixes, frozenset(_READ[name][1]) - modelled))
    for name, (check, prefixes, modelled) in FAST_MODELS.items()
}
_fast_path_enabled = True  # tests switch it off to compare both paths


class InvalidResource(ValueError):
    """The candidate failed R4B validation; the message is safe to report (no values)."""


def _trimmed(raw: Mapping[str, Any], view: str | None) -> tuple[str, Any, dict[str, Any]]:
    """(resourceType, R4B model, the candidate trimmed to the elements read) for the R4B path."""
    resource_type = raw.get("resourceType")
    spec = _READ.get(view or resource_type) if isinstance(resource_type, str) else None
    if spec is None or (view is not None and not view.startswith(f"{resource_type}/")):
        raise InvalidResource(f"resource type {resource_type!r} is not read")
    model, keys = spec
    return str(resource_type), model, {k: raw[k] for k in keys if k in raw}


def validate(raw: Mapping[str, Any], view: str | None = None) -> dict[str, Any]:
    """The elements read, validated, as plain dicts (fast path, else R4B); or InvalidResource.

    ``view``: a narrower reading of the resource type (``VITAL_SIGN_VIEW``), else all of
    ``_READ[resourceType]``. Both paths return the same shape: JSON names, nested dicts and
    lists, no ``None`` values, dateTime / instant / date as ``datetime`` / ``date`` / partial
    ``str`` and decimals as ``Decimal``, exactly as the R4B models hold them.
    """
    fast = None
    if _fast_path_enabled and isinstance(raw, dict):
        fast = _FAST.get(view or str(raw.get("resourceType")))
    if fast is not None and fast_path_allows(raw, fast[1]):
        try:
            # unread elements are ignored by the schema itself (no trimmed copy needed)
            return fast[0](raw)  # type: ignore[no-any-return]
        except ValueError:  # ValidationError included: R4B decides, and says why
            pass
    return _validate_r4b(*_trimmed(raw, view))


def validate_r4b(raw: Mapping[str, Any], view: str | None = None) -> dict[str, Any]:
    """The slow path alone: full R4B validation of a candidate's elements read (for tests)."""
    return _validate_r4b(*_trimmed(raw, view))


def _validate_r4b(resource_type: str, model: Any, trimmed: dict[str, Any]) -> dict[str, Any]:
    if resource_type.startswith("Medication") and not (
        "medicationCodeableConcept" in trimmed or "medicationReference" in trimmed
    ):
        raise InvalidResource(f"{resource_type} without medication[x]")
    try:
        validated = model.model_validate(trimmed)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in err["loc"][:2]) for err in exc.errors()})
        raise InvalidResource(f"invalid {resource_type}: {', '.join(fields[:4])}") from None
    except (TypeError, ValueError) as exc:
        raise InvalidResource(f"invalid {resource_type}: {type(exc).__name__}") from None
    # the same plain-dict shape as the fast path (R4B's own python values: datetime, Decimal...)
    return dict(validated.model_dump(by_alias=True, exclude_none=True))
