"""Numeric Observations: vital signs, D-dimer, electrolytes / CK, calf circumference.

Every value is converted to one canonical unit per feature (units.py); a missing or unknown unit
makes the value unknown with its reason, never a guess. D-dimer keeps FEU (LOINC 48065-7) and DDU
(48066-5) apart: the unit kind comes from the LOINC code, and a UCUM annotation that contradicts
it ("ng/mL{DDU}" on an FEU code) makes the result unusable (CLINICAL.md 1.3 item 7, 2.3).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fhir_mappings.catalog import LAB_LISTS, VITAL_LISTS
from fhir_mappings.codelists import CodeEntry
from fhir_mappings.codes import LATERALITY_CODES, SNOMED
from fhir_mappings.collect import Collector, Measurement
from fhir_mappings.features import (
    Certainty,
    Coding,
    DDimerResult,
    DDimerUnit,
    Evidence,
    LabResult,
    Laterality,
)
from fhir_mappings.findings import _get, _listed, observation_time
from fhir_mappings.semantics import (
    codings_of,
    concept_text,
    interpretation_codes,
    laterality_of,
    merge_laterality,
    reference_of,
)
from fhir_mappings.units import Converted, convert, quantity_unit

DDIMER_KIND = {"ddimer_feu": DDimerUnit.FEU, "ddimer_ddu": DDimerUnit.DDU}


def _evidence(
    ref: str,
    model: Any,
    concept: Coding | None,
    value: str | None,
    note: str | None,
    laterality: Laterality | None = None,
) -> Evidence:
    return Evidence(
        reference=ref,
        concept=concept,
        value=value,
        time=observation_time(model),
        laterality=laterality,
        certainty=Certainty.PROVISIONAL if note else Certainty.CONFIRMED,
        encounter=reference_of(model.get("encounter")),
        note=note,
    )


def _shown(quantity: Any) -> str | None:
    if not quantity or quantity.get("value") is None:
        return None
    return f"{quantity['value']} {quantity_unit(quantity) or '(no unit)'}".strip()


def _value(model: Any, target: str, analyte: str = "") -> Converted:
    absent = model.get("dataAbsentReason")
    if absent is not None:
        return Converted(None, target, reason=f"data absent: {concept_text(absent) or 'unknown'}")
    quantity = model.get("valueQuantity")
    if quantity is None:
        return Converted(None, target, reason="no valueQuantity")
    return convert(quantity.get("value"), quantity_unit(quantity), target, analyte=analyte)


def _range(model: Any, target: str, analyte: str = "") -> tuple[float | None, float | None]:
    ranges = model.get("referenceRange") or []
    if not ranges:
        return None, None
    bounds = []
    for attr in ("low", "high"):
        q = ranges[0].get(attr)
        unit = quantity_unit(q)
        bounds.append(convert(q.get("value"), unit, target, analyte=analyte).value if q else None)
    return bounds[0], bounds[1]


def numeric_observation(
    col: Collector, ref: str, model: Any, entry: CodeEntry, note: str | None
) -> None:
    concept = Coding(entry.system, entry.code, entry.display or None)
    name = entry.list_name
    if name in VITAL_LISTS:
        conv = _value(model, VITAL_LISTS[name])
        ev = _evidence(ref, model, concept, _shown(model.get("valueQuantity")), note)
        col.measurements.append(Measurement(name, conv.value, conv.unit, ev, ev.time, conv.reason))
    elif name in LAB_LISTS:  # interpretation is read by labs and D-dimer only
        _lab(col, ref, model, concept, name, note, sorted(interpretation_codes(model)))
    elif name in ("ddimer_feu", "ddimer_ddu"):
        interp = sorted(interpretation_codes(model))
        _ddimer(col, ref, model, concept, DDIMER_KIND[name], note, interp)
    elif name == "calf_circumference_difference":
        conv = _value(model, "cm")
        lat = laterality_of(_listed(model.get("bodySite")))
        ev = _evidence(ref, model, concept, _shown(model.get("valueQuantity")), note, lat)
        col.measurements.append(Measurement(name, conv.value, "cm", ev, ev.time, conv.reason))
    elif name == "calf_circumference":
        _calf_legs(col, ref, model, concept, note)


def _lab(
    col: Collector,
    ref: str,
    model: Any,
    concept: Coding,
    analyte: str,
    note: str | None,
    interp: list[str],
) -> None:
    target = LAB_LISTS[analyte]
    conv = _value(model, target, analyte)
    if conv.value is None:
        col.skip(ref, f"{analyte}: value unknown ({conv.reason})")
        return
    time = _recent_time(col, ref, model, analyte)
    if time is None:
        return
    low, high = _range(model, target, analyte)
    shown = _shown(model.get("valueQuantity")) or ""
    col.labs.setdefault(analyte, []).append(
        LabResult(
            analyte=analyte,
            value=conv.value,
            unit=target,
            original=shown,
            time=time,
            evidence=_evidence(ref, model, concept, shown, note),
            low=low,
            high=high,
            interpretation=interp[0] if interp else None,
            preliminary=note is not None,
        )
    )


def _recent_time(col: Collector, ref: str, model: Any, label: str) -> datetime | None:
    """The result's time if within ``lab_recent_days``; otherwise skipped (and None)."""
    time = observation_time(model)
    if time is None or time < col.since(days=col.options.lab_recent_days):
        col.skip(ref, f"{label}: older than {col.options.lab_recent_days} days or undated")
        return None
    return time


def _ddimer(
    col: Collector,
    ref: str,
    model: Any,
    concept: Coding,
    kind: DDimerUnit,
    note: str | None,
    interp: list[str],
) -> None:
    conv = _value(model, "ng/mL")
    if conv.value is None:
        col.skip(ref, f"D-dimer: value unknown ({conv.reason})")
        return
    other = {DDimerUnit.FEU: "DDU", DDimerUnit.DDU: "FEU"}[kind]
    if conv.annotation and conv.annotation.upper() == other:
        col.skip(ref, f"D-dimer: unit says {other} but LOINC {concept.code} is {kind.value}")
        return
    time = _recent_time(col, ref, model, "D-dimer")
    if time is None:
        return
    _, high = _range(model, "ng/mL")
    shown = f"{_shown(model.get('valueQuantity'))} {kind.value}"
    col.ddimers.append(
        DDimerResult(
            value_ng_ml=conv.value,
            kind=kind,
            original=shown,
            time=time,
            evidence=_evidence(ref, model, concept, shown, note),
            assay_cutoff_ng_ml=high,
            interpretation=interp[0] if interp else None,
            preliminary=note is not None,
        )
    )


def _side_of_component(component: Any) -> Laterality | None:
    sides = set()
    for coding in codings_of(component.get("code")):
        if coding.system == SNOMED and coding.code in LATERALITY_CODES:
            sides.add(LATERALITY_CODES[coding.code])
    text = (concept_text(component.get("code")) or "").lower()
    if not sides:
        if "left" in text:
            sides.add(Laterality.LEFT)
        if "right" in text:
            sides.add(Laterality.RIGHT)
    return merge_laterality(sides)


def _calf_legs(col: Collector, ref: str, model: Any, concept: Coding, note: str | None) -> None:
    """Per-leg circumference: one Observation per leg, or left/right components."""
    parts: list[tuple[Laterality | None, Any]] = []
    if model.get("valueQuantity") is not None:
        parts.append((laterality_of(_listed(model.get("bodySite"))), model))
    for component in model.get("component") or []:
        parts.append((_side_of_component(component), component))
    for side, holder in parts:
        quantity = holder.get("valueQuantity")
        conv = convert(_get(quantity, "value"), quantity_unit(quantity), "cm")
        if side not in (Laterality.LEFT, Laterality.RIGHT):
            col.skip(ref, "calf circumference without a left/right side")
            continue
        ev = _evidence(ref, model, concept, _shown(quantity), note, side)
        col.calf_legs.append(
            Measurement("calf_circumference", conv.value, "cm", ev, ev.time, conv.reason)
        )
