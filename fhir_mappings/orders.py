"""Draft orders (order-select / order-sign context.draftOrders) classified for order prompts.

Kinds come from the ``orders_<kind>`` value sets (physiotherapy, massage, compression, nsaid,
ddimer, ultrasound); anything else is "other". Only ServiceRequest / MedicationRequest codes are
read; other draft types (NutritionOrder, ...) are kept as "other" so the triage sees them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fhir_mappings.catalog import ORDER_KINDS, ORDER_PREFIX
from fhir_mappings.collect import Collector
from fhir_mappings.features import Coding, DraftOrder
from fhir_mappings.resources import InvalidResource, validate
from fhir_mappings.semantics import codings_of, reference_of

_CODED = {"ServiceRequest": "code", "MedicationRequest": "medicationCodeableConcept"}


def _classify(col: Collector, codings: list[Coding]) -> tuple[str, Coding | None]:
    for coding in codings:
        for entry in col.index.match(coding.system, coding.code):
            kind = entry.list_name.removeprefix(ORDER_PREFIX)
            if entry.list_name.startswith(ORDER_PREFIX) and kind in ORDER_KINDS:
                return kind, coding
    return "other", codings[0] if codings else None


def draft_orders(col: Collector, drafts: Sequence[Any], selections: Sequence[str] | None) -> None:
    chosen = {s for s in selections if isinstance(s, str)} if selections is not None else None
    for position, raw in enumerate(drafts if isinstance(drafts, Sequence) else ()):
        if not isinstance(raw, Mapping) or not isinstance(raw.get("resourceType"), str):
            col.skip(f"draftOrders/#{position}", "draft order is not a FHIR resource")
            continue
        resource_type = str(raw["resourceType"])
        rid = raw.get("id")
        ref = f"{resource_type}/{rid}" if isinstance(rid, str) else f"{resource_type}/#{position}"
        owner = reference_of(raw.get("subject")) or reference_of(raw.get("patient"))
        if owner is not None and owner != col.patient_ref:
            col.skip(ref, "other patient")
            continue
        if raw.get("status") not in (None, "draft"):
            col.skip(ref, f"draft order with status {raw.get('status')}")
            continue
        kind, concept = "other", None
        if resource_type in _CODED:
            try:
                resource = validate(raw)
            except InvalidResource as exc:
                col.skip(ref, str(exc))
                continue
            kind, concept = _classify(col, codings_of(resource.get(_CODED[resource_type])))
        col.drafts.append(
            DraftOrder(
                reference=ref,
                resource_type=resource_type,
                kind=kind,
                concept=concept,
                selected=chosen is None or ref in chosen,
                resource=dict(raw),
            )
        )
