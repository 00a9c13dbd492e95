"""MappingOptions: the windows and value-set options of one mapping run (its own module, so
that both collect.py and extract.py import it without a cycle)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class MappingOptions:
    """Windows and code-list options (defaults: docs/fhir-conventions.md and clinical-basis.md)."""

    recent_symptom_days: int = 14  # CDS_RECENT_SYMPTOM_DAYS; CES "recent (< 14 days)" S14a
    surgery_window_weeks: int = 12  # Wells 2003 / NICE NG158 (S2); 1997's 4 weeks via time
    pregnancy_weeks: int = 42  # the longest pregnancy: a pregnancy Condition older is stale
    postpartum_weeks: int = 6  # the puerperium: NG158 does not cover pregnancy or postpartum
    cancer_treatment_months: int = 6  # Wells criterion 1 "within previous 6 months" (S2)
    episode_days: int = 14  # current leg-complaint episode (alternative diagnoses, DVT history)
    lab_recent_days: int = 30  # D-dimer and electrolytes older than this are not used
    clock_skew_seconds: int = 300  # CDS_CLOCK_SKEW_SECONDS: later than now + this is future
    local_codes_file: Path | None = None
    include_unverified_codes: bool = False
