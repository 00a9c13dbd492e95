"""Triage options: the clinical settings a site may change (built from ``cds.settings``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from cds.triage.thresholds import DEFAULT_EPISODE_DAYS, DEFAULT_LAB_RECENT_DAYS

Hook = Literal["patient-view", "order-select", "order-sign"]


@dataclass(frozen=True)
class TriageOptions:
    wells_version: Literal["2003", "1997"] = "2003"  # 2003 = NICE NG158 (S2), the default
    age_adjusted_ddimer: bool = False  # CLINICAL.md §1.3 item 7: a setting, off by default
    episode_days: int = DEFAULT_EPISODE_DAYS
    lab_recent_days: int = DEFAULT_LAB_RECENT_DAYS
    source_url: str = "https://www.nice.org.uk/guidance/ng158"
