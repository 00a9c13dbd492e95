"""Procedures (recent surgery) and MedicationRequests (anticoagulant, hormonal contraception).

Surgery: a completed Procedure categorised "Surgical procedure" (SNOMED 387713003, FHIR R4
procedure-category) within ``surgery_window_weeks``. Wells 2003 needs general or regional
anaesthesia, which records rarely carry, so surgery in the window is UNKNOWN with its evidence
(CLINICAL.md 2.4); the time stays on the evidence so the triage can apply 1997's 4 weeks.

Medications: MedicationRequest active / on-hold, or completed and authored within the recent
window (an interim anticoagulant dose still matters for a D-dimer, CLINICAL.md 1.3 item 3).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fhir_mappings.codelists import CodeEntry
from fhir_mappings.collect import Collector, Finding
from fhir_mappings.features import Coding, Evidence, FeatureName, State
from fhir_mappings.semantics import as_list, codings_of, field_of, reference_of, to_datetime

SURGERY_LIST = "recent_major_surgery"
_DONE = "completed"
_IGNORED_PROCEDURE = frozenset({"entered-in-error", "not-done"})
_CURRENT_MED = frozenset({"active", "on-hold"})
_ORDER_INTENTS = frozenset(
    {"order", "original-order", "reflex-order", "filler-order", "instance-order", "plan"}
)


def _performed(resource: Any) -> datetime | None:
    period = resource.get("performedPeriod")
    return (
        to_datetime(resource.get("performedDateTime"))
        or to_datetime(field_of(period, "end"))
        or to_datetime(field_of(period, "start"))
    )


def procedure_findings(col: Collector, ref: str, resource: Any) -> None:
    status = resource.get("status")
    if status in _IGNORED_PROCEDURE:
        col.skip(ref, f"status {status}")
        return
    concept = None
    for coding in codings_of([*as_list(resource.get("category")), *as_list(resource.get("code"))]):
        if col.index.match(coding.system, coding.code):
            concept = coding
            break
    when = _performed(resource)
    weeks = col.options.surgery_window_weeks
    in_window = when is not None and when >= col.since(weeks=weeks) and when <= col.now
    eligible = status == _DONE and in_window
    if status != _DONE:
        reason = f"procedure status {status}"
    elif when is None:
        reason = "surgery without a performed date"
    elif not in_window:
        reason = f"surgery older than {weeks} weeks"
    else:
        reason = f"surgery within {weeks} weeks; general or regional anaesthesia not recorded"
    ev = Evidence(
        reference=ref,
        concept=concept,
        value=next((c.display for c in codings_of(resource.get("code")) if c.display), None),
        time=when,
        asserter=reference_of(resource.get("asserter")) or reference_of(resource.get("recorder")),
        encounter=reference_of(resource.get("encounter")),
    )
    col.findings.append(
        Finding(FeatureName.RECENT_MAJOR_SURGERY, State.UNKNOWN, ev, eligible, when, reason)
    )


def _start(resource: Any) -> datetime | None:
    starts = [to_datetime(resource.get("authoredOn"))]
    for dosage in resource.get("dosageInstruction") or []:
        repeat = field_of(dosage.get("timing"), "repeat")
        starts.append(to_datetime(field_of(field_of(repeat, "boundsPeriod"), "start")))
    found = [s for s in starts if s is not None]
    return min(found) if found else None


def medication_findings(
    col: Collector, ref: str, resource: Any, entries: tuple[CodeEntry, ...]
) -> None:
    status, intent = resource.get("status"), resource.get("intent")
    start = _start(resource)
    authored = to_datetime(resource.get("authoredOn"))
    current = status in _CURRENT_MED or (status == "completed" and col.recent(authored))
    eligible = current and intent in _ORDER_INTENTS
    reason = None if eligible else f"MedicationRequest status {status}, intent {intent}"
    codings = codings_of(resource.get("medicationCodeableConcept"))
    for entry in {e.list_name: e for e in entries}.values():
        if entry.list_name not in (FeatureName.ANTICOAGULANT, FeatureName.HORMONAL_CONTRACEPTION):
            continue
        concept = next((c for c in codings if c.system == entry.system), None)
        ev = Evidence(
            reference=ref,
            concept=concept or Coding(entry.system, entry.code, entry.display),
            value=f"status {status}",
            time=start,
            asserter=reference_of(resource.get("requester")),
            encounter=reference_of(resource.get("encounter")),
        )
        col.findings.append(Finding(entry.list_name, State.PRESENT, ev, eligible, start, reason))
        if entry.list_name == FeatureName.ANTICOAGULANT and eligible and start is not None:
            col.anticoagulant_starts.append(start)
