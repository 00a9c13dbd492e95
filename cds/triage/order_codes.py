"""The orders our suggestions create, with their codes (a code list, like a value set).

- D-dimer FEU, LOINC 48065-7 (docs/clinical-basis.md §2.3).
- Ultrasound, LOINC 30881-7 "US.doppler Lower extremity vein" (LOINC radiology; a LOINC table
  listing and an FSH ValueSet agree). Proximal compression is asked in text; the body site is
  SNOMED 61685007 lower limb (docs/clinical-basis.md §2.1), with laterality added per order.
- Physiotherapy referral, SNOMED 308447003 "Referral to physiotherapist (procedure)" (several
  agreeing SNOMED referral code lists).
- Electrolytes, LOINC 24326-1 "Electrolytes 1998 panel - Serum or Plasma" (several agreeing code
  lists); magnesium 19123-9, calcium 17861-6, creatine kinase 2157-6 (docs/clinical-basis.md §2.3).
- Category: SNOMED 108252007 Laboratory procedure, 363679005 Imaging, 3457005 Patient referral
  (FHIR R4 servicerequest-category example value set).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from cards.fhir_orders import OrderCode
from fhir_mappings.codes import LOINC, SNOMED


class OrderKind(StrEnum):
    """Values equal the mapping layer's ``DraftOrder.kind`` for the same kind of order."""

    ULTRASOUND = "ultrasound"
    DDIMER = "ddimer"
    PHYSIOTHERAPY = "physiotherapy"
    ELECTROLYTES = "electrolytes"
    MAGNESIUM = "magnesium"
    CALCIUM = "calcium"
    CREATINE_KINASE = "creatine_kinase"


_CATEGORY_LAB: Final = ("108252007", "Laboratory procedure")
_CATEGORY_IMAGING: Final = ("363679005", "Imaging")
_CATEGORY_REFERRAL: Final = ("3457005", "Patient referral")
_LOWER_LIMB: Final = ("61685007", "Lower limb structure")

ORDER_CODES: Final[dict[OrderKind, OrderCode]] = {
    OrderKind.ULTRASOUND: OrderCode(
        LOINC,
        "30881-7",
        "US.doppler Lower extremity vein",
        "Proximal leg vein (compression) ultrasound",
        _CATEGORY_IMAGING,
        _LOWER_LIMB,
    ),
    OrderKind.DDIMER: OrderCode(
        LOINC,
        "48065-7",
        "D-dimer FEU [Mass/volume] in Platelet poor plasma",
        "D-dimer (before any anticoagulation)",
        _CATEGORY_LAB,
    ),
    OrderKind.PHYSIOTHERAPY: OrderCode(
        SNOMED,
        "308447003",
        "Referral to physiotherapist (procedure)",
        "Referral to musculoskeletal physiotherapy",
        _CATEGORY_REFERRAL,
    ),
    OrderKind.ELECTROLYTES: OrderCode(
        LOINC,
        "24326-1",
        "Electrolytes 1998 panel - Serum or Plasma",
        "Urea and electrolytes (sodium, potassium)",
        _CATEGORY_LAB,
    ),
    OrderKind.MAGNESIUM: OrderCode(
        LOINC,
        "19123-9",
        "Magnesium [Mass/volume] in Serum or Plasma",
        "Serum magnesium",
        _CATEGORY_LAB,
    ),
    OrderKind.CALCIUM: OrderCode(
        LOINC,
        "17861-6",
        "Calcium [Mass/volume] in Serum or Plasma",
        "Serum calcium (albumin-corrected)",
        _CATEGORY_LAB,
    ),
    OrderKind.CREATINE_KINASE: OrderCode(
        LOINC,
        "2157-6",
        "Creatine kinase [Enzymatic activity/volume] in Serum or Plasma",
        "Creatine kinase",
        _CATEGORY_LAB,
    ),
}
