"""Procedures and medications: surgery, delivery, cancer treatment, immobilisation, drugs.

Procedures are recognised by their code (value sets, ``catalog.PUBLIC_VALUE_SETS``); a
``Procedure.category`` of "Surgical procedure" (SNOMED 387713003) is read when present, never
required. Only completed procedures with a performed time count (docs/clinical-basis.md §2.4):

- major surgery (VSAC Major Surgical Procedure, General Surgery, gynaecological, urological, hip /
  knee replacement, hip fracture surgery, caesarean, and the supplement) within
  ``surgery_window_weeks``: PRESENT; such operations are done under general or regional
  anaesthesia, so the anaesthesia is inferred and the evidence says so;
- any other surgical procedure in the window: UNKNOWN (anaesthesia not recorded), unless a general
  or neuraxial anaesthesia procedure is recorded the same day (then PRESENT);
- chemotherapy or radiotherapy within ``cancer_treatment_months``: active cancer (Wells: treatment
  within 6 months);
- a delivery or caesarean within ``postpartum_weeks``: postpartum (pregnancy feature);
- an immobilisation (cast, bone immobilisation) in the surgery window beside a lower-limb fracture:
  recent plaster immobilisation (``plaster``); a fracture alone leaves the item unknown.

Medications (``MEDICATION_TYPES``; the drug from ``medicationCodeableConcept`` or a referenced /
contained ``Medication``), one code path for the three record types, which differ only in what
makes a drug current (``_current``):

- MedicationRequest: active / on-hold, or completed and authored within the recent window (an
  interim anticoagulant dose still matters for a D-dimer);
- MedicationStatement: active / intended / on-hold, or completed within the recent window;
- MedicationAdministration (inpatients): a dose in progress, or completed within
  ``ADMINISTRATION_HOURS`` (docs/clinical-basis.md §1.14). The anticoagulation then started at
  the earliest anticoagulant dose given within the recent window (``settle``), so a D-dimer taken
  after the first of several doses is not read as taken before anticoagulation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from fhir_mappings.catalog import (
    ANAESTHESIA_LIST,
    CANCER_TREATMENT_LIST,
    DELIVERY_LIST,
    DRUG_CLASS_LISTS,
    IMMOBILISATION_LIST,
    MAJOR_SURGERY_LIST,
    NO_VTE_CONTRACEPTION_LIST,
    SURGERY_CATEGORY_LIST,
)
from fhir_mappings.codelists import CodeEntry
from fhir_mappings.collect import Collector, Finding
from fhir_mappings.features import Coding, Evidence, FeatureName, State
from fhir_mappings.semantics import codings_of, field_of, reference_of, to_datetime

F = FeatureName
_DONE = "completed"
_IGNORED_PROCEDURE = frozenset({"entered-in-error", "not-done"})
_GIVEN_PROCEDURE = frozenset({"completed", "in-progress"})
_CURRENT_MED = frozenset({"active", "on-hold"})
# Every MedicationRequest status this module reads: current orders, and completed ones (recent
# for a medication, within the treatment window for chemotherapy). Other statuses (stopped,
# cancelled, draft, entered-in-error, unknown) never make a finding count, so a search may leave
# them out (cds.queries).
MEDICATION_REQUEST_STATUSES: tuple[str, ...] = (*sorted(_CURRENT_MED), _DONE)
_CURRENT_STATEMENT = frozenset({"active", "intended", "on-hold"})
# The MedicationAdministration statuses of a dose given or being given; not-done, stopped, on-hold,
# entered-in-error and unknown never count, so a search may leave them out (cds.queries).
MEDICATION_ADMINISTRATION_STATUSES: tuple[str, ...] = ("completed", "in-progress")
# A dose given within this many hours means the drug is being given now: anticoagulants given in
# hospital are dosed at most 24 hours apart, and 48 hours allow one late or missed dose
# (docs/clinical-basis.md §1.14, S35). An older dose alone leaves the drug unknown, not absent.
ADMINISTRATION_HOURS = 48
# a drug given or being given: an order in a status read, a statement's "intended", a dose
_GIVEN = frozenset({*MEDICATION_REQUEST_STATUSES, "intended", *MEDICATION_ADMINISTRATION_STATUSES})
# The record types that say a patient takes or is given a drug, read by ``medication_findings``.
MEDICATION_TYPES: tuple[str, ...] = (
    "MedicationRequest",
    "MedicationStatement",
    "MedicationAdministration",
)
_ORDER_INTENTS = frozenset(
    {"order", "original-order", "reflex-order", "filler-order", "instance-order", "plan"}
)
INFERRED = "general or regional anaesthesia inferred (major-surgery value set)"

# What a Procedure or medication list changes (feature names, FeatureSet fields), as this module
# reads it; a medication list not named here feeds the feature of its own name. The searches of a
# read ask for the record types of the lists that feed it (fhir_mappings.sources).
RECORD_FEEDS: Mapping[str, frozenset[str]] = {
    MAJOR_SURGERY_LIST: frozenset({F.RECENT_MAJOR_SURGERY}),
    SURGERY_CATEGORY_LIST: frozenset({F.RECENT_MAJOR_SURGERY}),
    ANAESTHESIA_LIST: frozenset({F.RECENT_MAJOR_SURGERY}),  # anaesthesia the same day
    CANCER_TREATMENT_LIST: frozenset({F.ACTIVE_CANCER}),
    DELIVERY_LIST: frozenset({F.PREGNANCY}),  # postpartum
    IMMOBILISATION_LIST: frozenset({F.PARALYSIS_OR_PLASTER}),  # beside a lower-limb fracture
    F.ANTICOAGULANT: frozenset({F.ANTICOAGULANT, "anticoagulation_started"}),
}


def _performed(resource: Any) -> datetime | None:
    period = resource.get("performedPeriod")
    return (
        to_datetime(resource.get("performedDateTime"))
        or to_datetime(field_of(period, "end"))
        or to_datetime(field_of(period, "start"))
    )


def _concept(codings: list[Coding], entries: Iterable[CodeEntry]) -> Coding | None:
    wanted = {(e.system, e.code) for e in entries}
    return next((c for c in codings if (c.system, c.code) in wanted), None) or next(
        iter(codings), None
    )


def procedure_findings(
    col: Collector, ref: str, resource: Any, entries: tuple[CodeEntry, ...]
) -> None:
    status = resource.get("status")
    if status in _IGNORED_PROCEDURE:
        col.skip(ref, f"status {status}")
        return
    lists = {e.list_name for e in entries}
    codings = codings_of(resource.get("code"))
    when = _performed(resource)
    done = status == _DONE and when is not None and when <= col.now
    ev = Evidence(
        reference=ref,
        concept=_concept(codings, entries),
        value=next((c.display for c in codings if c.display), None),
        time=when,
        asserter=reference_of(resource.get("asserter")) or reference_of(resource.get("recorder")),
        encounter=reference_of(resource.get("encounter")),
    )
    if ANAESTHESIA_LIST in lists and done and when is not None:
        col.anaesthesia_days.add(when.date())
    if IMMOBILISATION_LIST in lists and done:
        col.immobilisations.append(ev)
    if CANCER_TREATMENT_LIST in lists:  # ongoing treatment counts too (Wells)
        given = status in _GIVEN_PROCEDURE and when is not None and when <= col.now
        _cancer_treatment(col, ev, when, given, f"procedure status {status}")
    if DELIVERY_LIST in lists:
        weeks = col.options.postpartum_weeks
        recent = done and when is not None and when >= col.since(weeks=weeks)
        why = None if recent else f"delivery not within {weeks} weeks"
        note = f"postpartum: delivery within {weeks} weeks"
        col.findings.append(
            Finding(F.PREGNANCY, State.PRESENT, ev._replace(note=note), recent, when, why)
        )
    if lists & {MAJOR_SURGERY_LIST, SURGERY_CATEGORY_LIST}:
        _surgery(col, ev, status, when, major=MAJOR_SURGERY_LIST in lists)


def _surgery(
    col: Collector, ev: Evidence, status: str | None, when: datetime | None, *, major: bool
) -> None:
    weeks = col.options.surgery_window_weeks
    in_window = when is not None and col.since(weeks=weeks) <= when <= col.now
    eligible = status == _DONE and in_window
    if status != _DONE:
        reason: str | None = f"procedure status {status}"
    elif when is None:
        reason = "surgery without a performed date"
    elif not in_window:
        reason = f"surgery older than {weeks} weeks"
    elif major:
        reason = None
    else:
        reason = f"surgery within {weeks} weeks; general or regional anaesthesia not recorded"
    state = State.PRESENT if major else State.UNKNOWN
    if major and eligible:
        ev = ev._replace(note=INFERRED)
    col.findings.append(Finding(F.RECENT_MAJOR_SURGERY, state, ev, eligible, when, reason))


def _cancer_treatment(
    col: Collector, ev: Evidence, when: datetime | None, done: bool, status: str
) -> None:
    months = col.options.cancer_treatment_months
    recent = when is not None and col.since(months=months) <= when <= col.now
    eligible = done and recent
    why = None if eligible else (status if not done else f"treatment not within {months} months")
    note = f"cancer treatment within {months} months"
    col.findings.append(
        Finding(F.ACTIVE_CANCER, State.PRESENT, ev._replace(note=note), eligible, when, why)
    )


def settle(col: Collector) -> None:
    """What needs more than one resource: anaesthesia recorded the same day as a surgical
    procedure, and a lower-limb fracture with an immobilisation (recent plaster)."""
    for position, finding in enumerate(col.findings):
        time = finding.evidence.time
        if (
            finding.feature == F.RECENT_MAJOR_SURGERY
            and finding.state is State.UNKNOWN
            and finding.eligible
            and time is not None
            and time.date() in col.anaesthesia_days
        ):
            note = "general or regional anaesthesia recorded the same day"
            col.findings[position] = finding._replace(
                state=State.PRESENT, evidence=finding.evidence._replace(note=note), reason=None
            )
    _plaster(col)
    _anticoagulant_course(col)


def _anticoagulant_course(col: Collector) -> None:
    """A current anticoagulant dose: the anticoagulation started at the earliest dose given
    within the recent window (a D-dimer taken after an earlier dose of the course is unreliable
    too; a gap in the doses makes the start earlier, never later)."""
    doses = col.anticoagulant_doses
    if any(current for _, current in doses):
        col.anticoagulant_starts.append(
            min(when for when, current in doses if current or col.recent(when))
        )


def _plaster(col: Collector) -> None:
    since = col.since(weeks=col.options.surgery_window_weeks)
    fractures = [ev for ev, when, current in col.fractures if current or (when and when >= since)]
    if not fractures:
        return
    casts = [ev for ev in col.immobilisations if ev.time is not None and ev.time >= since]
    if casts:
        note = "lower-limb fracture with immobilisation: recent plaster immobilisation"
        for ev in (*fractures, *casts):
            col.findings.append(
                Finding(
                    F.PARALYSIS_OR_PLASTER, State.PRESENT, ev._replace(note=note), True, ev.time
                )
            )
        return
    why = "lower-limb fracture recorded; no immobilisation or cast recorded"
    for ev in fractures:
        col.findings.append(Finding(F.PARALYSIS_OR_PLASTER, State.UNKNOWN, ev, True, ev.time, why))


def _start(resource: Any) -> datetime | None:
    period = resource.get("effectivePeriod")
    starts = [
        to_datetime(resource.get("authoredOn")),
        to_datetime(resource.get("effectiveDateTime")),
        to_datetime(field_of(period, "start")),
    ]
    for dosage in resource.get("dosageInstruction") or []:
        repeat = field_of(dosage.get("timing"), "repeat")
        starts.append(to_datetime(field_of(field_of(repeat, "boundsPeriod"), "start")))
    found = [s for s in starts if s is not None]
    return min(found) if found else None


def _dose_time(resource: Any) -> datetime | None:
    """When an administered dose was given: its time, or the end of its period (an infusion)."""
    period = resource.get("effectivePeriod")
    return to_datetime(resource.get("effectiveDateTime")) or to_datetime(field_of(period, "end"))


def _current(col: Collector, resource_type: str, resource: Any) -> tuple[bool, str | None]:
    status = resource.get("status")
    if resource_type == "MedicationAdministration":
        if status == "in-progress":
            return True, None
        given = _dose_time(resource)
        recent = given is not None and given >= col.now - timedelta(hours=ADMINISTRATION_HOURS)
        if status == _DONE and recent:
            return True, None
        if status == _DONE:
            return False, f"MedicationAdministration given more than {ADMINISTRATION_HOURS} h ago"
        return False, f"MedicationAdministration status {status}"
    if resource_type == "MedicationStatement":
        period = resource.get("effectivePeriod")
        taken = to_datetime(field_of(period, "end")) or to_datetime(
            resource.get("effectiveDateTime")
        )
        current = status in _CURRENT_STATEMENT or (status == "completed" and col.recent(taken))
        return current, None if current else f"MedicationStatement status {status}"
    intent = resource.get("intent")
    authored = to_datetime(resource.get("authoredOn"))
    current = status in _CURRENT_MED or (status == _DONE and col.recent(authored))
    eligible = current and intent in _ORDER_INTENTS
    return eligible, None if eligible else f"MedicationRequest status {status}, intent {intent}"


def medication_findings(
    col: Collector,
    ref: str,
    resource_type: str,
    resource: Any,
    entries: tuple[CodeEntry, ...],
    codings: list[Coding],
) -> None:
    """``codings``: the drug's codings (its own concept, or the referenced Medication's code)."""
    start = _start(resource)
    eligible, reason = _current(col, resource_type, resource)
    status = resource.get("status")
    administered = resource_type == "MedicationAdministration"
    note = f"given within {ADMINISTRATION_HOURS} h" if administered and eligible else None
    requester = resource.get("requester") or resource.get("informationSource")
    if administered:
        requester = field_of(next(iter(resource.get("performer") or []), None), "actor")
    no_vte = any(e.list_name == NO_VTE_CONTRACEPTION_LIST for e in entries)
    for entry in {e.list_name: e for e in entries}.values():
        if entry.list_name == F.HORMONAL_CONTRACEPTION and no_vte:
            continue  # a contraceptive, but not one that raises the VTE risk
        concept = next((c for c in codings if c.system == entry.system), None)
        ev = Evidence(
            reference=ref,
            concept=concept or Coding(entry.system, entry.code, entry.display),
            value=f"status {status}",
            time=start,
            asserter=reference_of(requester),
            encounter=reference_of(resource.get("encounter") or resource.get("context")),
            note=note,
        )
        if entry.list_name == CANCER_TREATMENT_LIST:
            _cancer_treatment(col, ev, start, status in _GIVEN, f"status {status}")
            continue
        if entry.list_name not in DRUG_CLASS_LISTS:
            continue
        col.findings.append(Finding(entry.list_name, State.PRESENT, ev, eligible, start, reason))
        if entry.list_name != F.ANTICOAGULANT or start is None:
            continue
        if administered and status in MEDICATION_ADMINISTRATION_STATUSES:
            col.anticoagulant_doses.append((start, eligible))
        elif eligible:
            col.anticoagulant_starts.append(start)
