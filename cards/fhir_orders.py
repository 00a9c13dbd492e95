"""Complete, coded FHIR R4 ServiceRequests that our suggestions create.

An EHR applies a suggestion's ``create`` action as-is, so each resource must stand on its own:
status ``draft``, intent ``order``, a coded ``code`` with text, ``subject``, ``reasonReference`` to
the evidence that led to it, a category, a priority, and the timing asked for by the guideline in
a note. Codes and where they come from:

- D-dimer FEU, LOINC 48065-7 (CLINICAL.md §2.3; 3P, many agreeing hits).
- Ultrasound, LOINC 30881-7 "US.doppler Lower extremity vein" (LOINC radiology; public-code
  search: a LOINC table listing and an FSH ValueSet agree). Proximal compression is asked in text;
  laterality goes in ``bodySite`` with SNOMED 61685007 lower limb (CLINICAL.md §2.1, BE) and the
  laterality qualifiers 7771000 / 24028007 / 51440002 (docs/fhir-conventions.md, BE).
- Physiotherapy referral, SNOMED 308447003 "Referral to physiotherapist (procedure)" (public-code
  search: several agreeing hits in SNOMED referral code lists).
- Electrolytes, LOINC 24326-1 "Electrolytes 1998 panel - Serum or Plasma" (public-code search:
  several agreeing hits); magnesium 19123-9, calcium 17861-6, creatine kinase 2157-6 (CLINICAL.md
  §2.3).
- Category: SNOMED 108252007 Laboratory procedure, 363679005 Imaging, 3457005 Patient referral
  (FHIR R4 servicerequest-category example value set).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from fhir_mappings.codes import LATERALITY_CODES, LOINC, SNOMED

# FHIR R4 ServiceRequest.reasonReference may point to these resource types only.
REASON_REFERENCE_TYPES: Final = frozenset(
    {"Condition", "Observation", "DiagnosticReport", "DocumentReference"}
)


class OrderKind(StrEnum):
    ULTRASOUND = "ultrasound"
    DDIMER = "ddimer"
    PHYSIOTHERAPY = "physiotherapy"
    ELECTROLYTES = "electrolytes"
    MAGNESIUM = "magnesium"
    CALCIUM = "calcium"
    CREATINE_KINASE = "creatine_kinase"


@dataclass(frozen=True, slots=True)
class _OrderCode:
    system: str
    code: str
    display: str
    text: str
    category: tuple[str, str]  # SNOMED code, display


_CATEGORY_LAB: Final = ("108252007", "Laboratory procedure")
_CATEGORY_IMAGING: Final = ("363679005", "Imaging")
_CATEGORY_REFERRAL: Final = ("3457005", "Patient referral")

ORDER_CODES: Final[dict[OrderKind, _OrderCode]] = {
    OrderKind.ULTRASOUND: _OrderCode(
        LOINC,
        "30881-7",
        "US.doppler Lower extremity vein",
        "Proximal leg vein (compression) ultrasound",
        _CATEGORY_IMAGING,
    ),
    OrderKind.DDIMER: _OrderCode(
        LOINC,
        "48065-7",
        "D-dimer FEU [Mass/volume] in Platelet poor plasma",
        "D-dimer (before any anticoagulation)",
        _CATEGORY_LAB,
    ),
    OrderKind.PHYSIOTHERAPY: _OrderCode(
        SNOMED,
        "308447003",
        "Referral to physiotherapist (procedure)",
        "Referral to musculoskeletal physiotherapy",
        _CATEGORY_REFERRAL,
    ),
    OrderKind.ELECTROLYTES: _OrderCode(
        LOINC,
        "24326-1",
        "Electrolytes 1998 panel - Serum or Plasma",
        "Urea and electrolytes (sodium, potassium)",
        _CATEGORY_LAB,
    ),
    OrderKind.MAGNESIUM: _OrderCode(
        LOINC,
        "19123-9",
        "Magnesium [Mass/volume] in Serum or Plasma",
        "Serum magnesium",
        _CATEGORY_LAB,
    ),
    OrderKind.CALCIUM: _OrderCode(
        LOINC,
        "17861-6",
        "Calcium [Mass/volume] in Serum or Plasma",
        "Serum calcium (albumin-corrected)",
        _CATEGORY_LAB,
    ),
    OrderKind.CREATINE_KINASE: _OrderCode(
        LOINC,
        "2157-6",
        "Creatine kinase [Enzymatic activity/volume] in Serum or Plasma",
        "Creatine kinase",
        _CATEGORY_LAB,
    ),
}

# Laterality qualifiers (docs/fhir-conventions.md, Belgian eHealth be-vs-laterality).
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
    kind: OrderKind,
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
    code = ORDER_CODES[kind]
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
    if kind is OrderKind.ULTRASOUND:
        site: dict[str, Any] = {
            "coding": [{"system": SNOMED, "code": "61685007", "display": "Lower limb structure"}]
        }
        side = _LATERALITY.get(laterality or "")
        if side is not None:
            site["coding"].append({"system": SNOMED, "code": side[0], "display": side[1]})
            site["text"] = f"{side[1]} lower limb"
        resource["bodySite"] = [site]
    if note:
        resource["note"] = [{"text": note}]
    return resource
