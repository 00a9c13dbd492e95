"""Numeric Observations: vital signs, D-dimer, electrolytes / CK, calf circumference.

Every value is converted to one canonical unit per feature (units.py); a missing or unknown unit
makes the value unknown with its reason, never a guess. D-dimer keeps FEU (LOINC 48065-7) and DDU
(48066-5) apart: the unit kind comes from the LOINC code, and a UCUM annotation that contradicts
it ("ng/mL{DDU}" on an FEU code) makes the result unusable (clinical-basis §1.3 item 7, 2.3).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

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
from fhir_mappings.findings import observation_time
from fhir_mappings.read_models import Observation, ObservationComponent
from fhir_mappings.semantics import (
    as_list,
    codings_of,
    concept_text,
    field_of,
    interpretation_codes,
    laterality_of,
    merge_laterality,
    reference_of,
)
from fhir_mappings.units import Converted, convert, quantity_unit

DDIMER_KIND = {"ddimer_feu": DDimerUnit.FEU, "ddimer_ddu": DDimerUnit.DDU}


class _Reading(NamedTuple):
    """One numeric Observation as every piece of its evidence needs it (read once; its encounter
    when the evidence is built)."""

    ref: str
    resource: Observation
    concept: Coding
    note: str | None  # "preliminary", or None for a final result
    time: datetime | None

    def quantity_evidence(self, quantity: Any, laterality: Laterality | None) -> Evidence:
        return self.evidence(_shown(quantity), laterality)

    def evidence(self, value: str | None, laterality: Laterality | None = None) -> Evidence:
        return Evidence(
            reference=self.ref,
            concept=self.concept,
            value=value,
            time=self.time,
            laterality=laterality,
            certainty=Certainty.PROVISIONAL if self.note else Certainty.CONFIRMED,
            # read here, not when the reading is made: most vital signs never need evidence
            encounter=reference_of(self.resource.get("encounter")),
            note=self.note,
        )


def _shown(quantity: Any) -> str | None:
    """The quantity as sent, its comparator ("<0.27 mg/L") included."""
    if not quantity or quantity.get("value") is None:
        return None
    bound = quantity.get("comparator") or ""
    return f"{bound}{quantity['value']} {quantity_unit(quantity) or '(no unit)'}".strip()


def _comparator(resource: Observation) -> str | None:
    """The valueQuantity's comparator ("<", ">="...): the value is then a limit."""
    return (resource.get("valueQuantity") or {}).get("comparator")


def _value(resource: Observation, target: str, analyte: str = "") -> Converted:
    absent = resource.get("dataAbsentReason")
    if absent is not None:
        return Converted(None, reason=f"data absent: {concept_text(absent) or 'unknown'}")
    quantity = resource.get("valueQuantity")
    if quantity is None:
        return Converted(None, reason="no valueQuantity")
    return convert(quantity.get("value"), quantity_unit(quantity), target, analyte=analyte)


def _range(
    resource: Observation, target: str, analyte: str = ""
) -> tuple[float | None, float | None]:
    ranges = resource.get("referenceRange")
    if not ranges:
        return None, None
    return _bound(ranges[0].get("low"), target, analyte), _bound(
        ranges[0].get("high"), target, analyte
    )


def _bound(quantity: Any, target: str, analyte: str) -> float | None:
    if not quantity:
        return None
    return convert(quantity.get("value"), quantity_unit(quantity), target, analyte=analyte).value


def numeric_observation(
    col: Collector, ref: str, resource: Observation, entry: CodeEntry, note: str | None
) -> None:
    reading = _Reading(
        ref,
        resource,
        entry.concept,
        note,
        observation_time(resource),
    )
    name = entry.list_name
    if name in VITAL_LISTS:
        conv = _value(resource, VITAL_LISTS[name])
        quantity = resource.get("valueQuantity")
        col.measurements.append(
            Measurement(name, conv.value, reading, reading.time, conv.reason, quantity)
        )
    elif name in LAB_LISTS:  # interpretation is read by labs and D-dimer only
        _lab(col, reading, name, _first_interpretation(resource))
    elif name in ("ddimer_feu", "ddimer_ddu"):
        _ddimer(col, reading, DDIMER_KIND[name], _first_interpretation(resource))
    elif name == "calf_circumference_difference":
        conv = _value(resource, "cm")
        lat = laterality_of(as_list(resource.get("bodySite")))
        quantity = resource.get("valueQuantity")
        col.measurements.append(
            Measurement(name, conv.value, reading, reading.time, conv.reason, quantity, lat)
        )
    elif name == "calf_circumference":
        _calf_legs(col, reading)


def conversion_targets() -> list[tuple[str, str]]:
    """Every ``(target unit, analyte)`` this module converts values to, once each (see
    ``units.prepare``)."""
    targets = [
        *((unit, "") for unit in VITAL_LISTS.values()),
        *((unit, analyte) for analyte, unit in LAB_LISTS.items()),
        ("ng/mL", ""),  # D-dimer, both kinds
        ("cm", ""),  # calf circumference and its difference
    ]
    return list(dict.fromkeys(targets))


def _first_interpretation(resource: Observation) -> str | None:
    """The first interpretation code in sort order (one is shown; several are rare)."""
    codes = interpretation_codes(resource)
    return min(codes) if codes else None


def _lab(col: Collector, reading: _Reading, analyte: str, interp: str | None) -> None:
    target = LAB_LISTS[analyte]
    resource = reading.resource
    conv = _value(resource, target, analyte)
    if conv.value is None:
        col.skip(reading.ref, f"{analyte}: value unknown ({conv.reason})")
        return
    time = _recent_time(col, reading, analyte)
    if time is None:
        return
    low, high = _range(resource, target, analyte)
    shown = _shown(resource.get("valueQuantity")) or ""
    col.labs.setdefault(analyte, []).append(
        LabResult(
            analyte=analyte,
            value=conv.value,
            unit=target,
            original=shown,
            time=time,
            evidence=reading.evidence(shown),
            low=low,
            high=high,
            interpretation=interp,
            preliminary=reading.note is not None,
            comparator=_comparator(resource),
        )
    )


def _recent_time(col: Collector, reading: _Reading, label: str) -> datetime | None:
    """The result's time if within ``lab_recent_days``; otherwise skipped (and None)."""
    time = reading.time
    if time is None or time < col.since(days=col.options.lab_recent_days):
        col.skip(reading.ref, f"{label}: older than {col.options.lab_recent_days} days or undated")
        return None
    return time


def _ddimer(col: Collector, reading: _Reading, kind: DDimerUnit, interp: str | None) -> None:
    resource = reading.resource
    conv = _value(resource, "ng/mL")
    if conv.value is None:
        col.skip(reading.ref, f"D-dimer: value unknown ({conv.reason})")
        return
    other = {DDimerUnit.FEU: "DDU", DDimerUnit.DDU: "FEU"}[kind]
    if conv.annotation and conv.annotation.upper() == other:
        code = reading.concept.code
        col.skip(reading.ref, f"D-dimer: unit says {other} but LOINC {code} is {kind.value}")
        return
    time = _recent_time(col, reading, "D-dimer")
    if time is None:
        return
    _, high = _range(resource, "ng/mL")
    shown = f"{_shown(resource.get('valueQuantity'))} {kind.value}"
    col.ddimers.append(
        DDimerResult(
            value_ng_ml=conv.value,
            kind=kind,
            original=shown,
            time=time,
            evidence=reading.evidence(shown),
            assay_cutoff_ng_ml=high,
            interpretation=interp,
            preliminary=reading.note is not None,
            comparator=_comparator(resource),
        )
    )


def _side_of_component(component: ObservationComponent) -> Laterality | None:
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


def _calf_legs(col: Collector, reading: _Reading) -> None:
    """Per-leg circumference: one Observation per leg, or left/right components."""
    resource = reading.resource
    parts: list[tuple[Laterality | None, Any]] = []
    if resource.get("valueQuantity") is not None:
        parts.append((laterality_of(as_list(resource.get("bodySite"))), resource))
    for component in resource.get("component") or []:
        parts.append((_side_of_component(component), component))
    for side, holder in parts:
        quantity = holder.get("valueQuantity")
        conv = convert(field_of(quantity, "value"), quantity_unit(quantity), "cm")
        if side not in (Laterality.LEFT, Laterality.RIGHT):
            col.skip(reading.ref, "calf circumference without a left/right side")
            continue
        col.calf_legs.append(
            Measurement(
                "calf_circumference",
                conv.value,
                reading,
                reading.time,
                conv.reason,
                quantity,
                side,
            )
        )
