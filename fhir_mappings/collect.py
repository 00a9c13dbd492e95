"""What the mappers accumulate for one request before features are decided.

Mappers turn one resource into Findings/Measurements; deciding a feature needs all of them (the
newest negative can supersede an older positive, left and right stay apart), so the decision is
made once at the end (aggregate.py) from this collector.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple, Protocol

from fhir_mappings.codelists import CodeEntry, CodeIndex
from fhir_mappings.features import (
    AlternativeDiagnosis,
    DDimerResult,
    DraftOrder,
    Evidence,
    LabResult,
    Laterality,
    Quantity,
    Skipped,
    State,
)
from fhir_mappings.options import MappingOptions

# Finding and Measurement are immutable NamedTuples; they never leave the mapping layer.


class Finding(NamedTuple):
    """One resource's statement about one feature."""

    feature: str
    state: State
    evidence: Evidence
    eligible: bool  # inside the feature's window and current; else only explains an UNKNOWN
    recency: datetime | None  # time used for windows and for "newest wins"
    reason: str | None = None  # for UNKNOWN findings, or why it is not eligible
    quantity: Quantity | None = None

    @property
    def laterality(self) -> Laterality:
        return self.evidence.laterality or Laterality.UNSPECIFIED


class EvidenceSource(Protocol):
    """Where a measurement came from; builds its Evidence (``measurements._Reading``)."""

    def quantity_evidence(self, quantity: Any, laterality: Laterality | None) -> Evidence: ...


class Measurement(NamedTuple):
    """A numeric Observation in the feature's canonical unit (value None: unusable, see reason)."""

    feature: str
    value: float | None  # in the unit the mapping converts it to (VITAL_LISTS, "cm")
    source: EvidenceSource
    time: datetime | None
    reason: str | None = None
    quantity: Any = None  # the validated Quantity as sent, shown in the evidence
    laterality: Laterality | None = None

    @property
    def evidence(self) -> Evidence:
        """Built when asked: a feature cites only its newest usable measurement."""
        return self.source.quantity_evidence(self.quantity, self.laterality)


DAYS_PER_MONTH = 30.4


class Unread(NamedTuple):
    """A Condition, Procedure or medication record coded in no system the lists hold (CPT only,
    a local code, text only): it could be what a record-based criterion looks for."""

    resource_type: str
    reference: str
    time: datetime | None  # its own time (onset, performed, authored...)
    text: str  # what it says, for the card
    current: bool  # not inactive, resolved or in remission (Conditions)


@dataclass(slots=True)
class Collector:
    now: datetime
    options: MappingOptions
    index: CodeIndex
    patient_id: str
    # entries from a live terminology server for codes no local list holds, and its excuse
    extra_codes: Mapping[tuple[str, str], tuple[CodeEntry, ...]] = field(default_factory=dict)
    terminology_note: str | None = None
    patient_ref: str = field(init=False)  # "Patient/<id>", what every resource must point at
    findings: list[Finding] = field(default_factory=list)
    measurements: list[Measurement] = field(default_factory=list)
    calf_legs: list[Measurement] = field(default_factory=list)  # per-leg circumferences (cm)
    ddimers: list[DDimerResult] = field(default_factory=list)
    labs: dict[str, list[LabResult]] = field(default_factory=dict)
    alternatives: list[AlternativeDiagnosis] = field(default_factory=list)
    drafts: list[DraftOrder] = field(default_factory=list)
    anticoagulant_starts: list[datetime] = field(default_factory=list)
    # administered anticoagulant doses: (when given, given within the current window)
    anticoagulant_doses: list[tuple[datetime, bool]] = field(default_factory=list)
    medications: dict[str, Mapping[str, Any]] = field(default_factory=dict)  # "Medication/id"
    anaesthesia_days: set[date] = field(default_factory=set)  # general / neuraxial anaesthesia
    immobilisations: list[Evidence] = field(default_factory=list)  # casts, bone immobilisation
    # lower-limb fractures: (evidence, onset or recorded time, clinicalStatus current)
    fractures: list[tuple[Evidence, datetime | None, bool]] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    unread: list[Unread] = field(default_factory=list)
    birth_date: object | None = None
    sex: str | None = None

    def __post_init__(self) -> None:
        self.patient_ref = f"Patient/{self.patient_id}"

    def skip(self, reference: str, reason: str) -> None:
        self.skipped.append(Skipped(reference=reference, reason=reason))

    def since(self, *, days: int = 0, weeks: int = 0, months: int = 0) -> datetime:
        """``now`` minus the span; a month is 30.4 days (a year's average)."""
        return self.now - timedelta(days=days + DAYS_PER_MONTH * months, weeks=weeks)

    def recent(self, when: datetime | None) -> bool:
        return when is not None and when >= self.since(days=self.options.recent_symptom_days)
