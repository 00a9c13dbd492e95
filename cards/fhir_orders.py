"""Complete, coded FHIR R4 ServiceRequests that our suggestions create.

An EHR applies a suggestion's ``create`` action as-is, so each resource must stand on its own:
status ``draft``, intent ``order``, a coded ``code`` with text, ``subject``, ``reasonReference`` to
the evidence that led to it, a category, a priority, and the timing asked for by the guideline in
a note. What is ordered (its code, category and body site) is an ``OrderCode`` the caller gives;
laterality qualifiers are SNOMED 7771000 / 24028007 / 51440002 (docs/fhir-conventions.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from fhir_mappings.codes import LATERALITY_CODES, SNOMED

# FHIR R4 ServiceRequest.reasonReference may point to these resource types only.
REASON_REFERENCE_TYPES: Final = frozenset(
    {"Condition", "Observation", "DiagnosticReport", "DocumentReference"}
)


@dataclass(frozen=True, slots=True)
class OrderCode:
    """What a draft order asks for: its code, the text shown, a category and a body site."""

    system: str
    code: str
    display: str
    text: str
    category: tuple[str, str]  # SNOMED code, display
    body_site: tuple[str, str] | None = None  # SNOMED code, display; laterality is added to it


# The laterality qualifiers the mapping layer reads (BE laterality ValueSet), written back.
_DISPLAYS: Final = {"left": "Left", "right": "Right", "bilateral": "Right and left"}
_LATERALITY: Final[dict[str, tuple[str, str]]] = {
    lat.value: (code, _DISPLAYS[lat.value]) for code, lat in LATERALITY_CODES.items()
}


def reason_references(references: Sequence[str]) -> list[dict[str, str]]:
    """Evidence references a ServiceRequest may cite (R4 restricts the target types), deduped."""
    seen: list[str] = []
    for ref in references:
        kind = ref.split("/", 1)[0]
        if ref and kind in REASON_REFERENCE_TYPES and "/" in ref and ref not in seen:
            seen.append(ref)
    return [{"reference": ref} for ref in seen]


def service_request(
    code: OrderCode,
    *,
    resource_id: str,
    patient_ref: str,
    reasons: Sequence[str],
    authored_on: str,
    priority: str = "routine",
    laterality: str | None = None,
    note: str | None = None,
    reason_text: str | None = None,
) -> dict[str, Any]:
    """A draft ServiceRequest ready for a CDS Hooks ``create`` action."""
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": resource_id,
        "status": "draft",
        "intent": "order",
        "category": [
            {"coding": [{"system": SNOMED, "code": code.category[0], "display": code.category[1]}]}
        ],
        "priority": priority,
        "code": {
            "coding": [{"system": code.system, "code": code.code, "display": code.display}],
            "text": code.text,
        },
        "subject": {"reference": patient_ref},
        "authoredOn": authored_on,
    }
    refs = reason_references(reasons)
    if refs:
        resource["reasonReference"] = refs
    if reason_text:
        resource["reasonCode"] = [{"text": reason_text}]
    if code.body_site is not None:
        site: dict[str, Any] = {
            "coding": [{"system": SNOMED, "code": code.body_site[0], "display": code.body_site[1]}]
        }
        side = _LATERALITY.get(laterality or "")
        if side is not None:
            site["coding"].append({"system": SNOMED, "code": side[0], "display": side[1]})
            site["text"] = f"{side[1]} lower limb"
        resource["bodySite"] = [site]
    if note:
        resource["note"] = [{"text": note}]
    return resource
