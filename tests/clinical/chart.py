"""A patient chart as the triage sees it (a FeatureSet), built in the guideline's words.

Only the public triage interface is used: ``cds.triage.evaluate`` with a FeatureSet and the
service settings, and the topic of each card. These tests say what the clinical rules decide at
their published boundaries (docs/clinical-basis.md), whatever module a rule lives in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cards.models import Card
from cds.settings import Settings
from cds.triage import card_topic, evaluate
from fhir_mappings.features import (
    DDimerResult,
    DDimerUnit,
    Evidence,
    Feature,
    FeatureName,
    FeatureSet,
    LabResult,
    Laterality,
    Quantity,
    State,
)

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
LEFT = Laterality.LEFT
RIGHT = Laterality.RIGHT
F = FeatureName

# Every Wells DVT criterion, documented absent unless a test says otherwise.
WELLS_ITEMS = (
    F.ACTIVE_CANCER,
    F.PARALYSIS_OR_PLASTER,
    F.BEDRIDDEN,
    F.RECENT_MAJOR_SURGERY,
    F.DEEP_VEIN_TENDERNESS,
    F.ENTIRE_LEG_SWOLLEN,
    F.CALF_DIFFERENCE,
    F.PITTING_OEDEMA,
    F.COLLATERAL_VEINS,
    F.PREVIOUS_DVT,
)
_ids = iter(range(1, 1_000_000))


def found(
    name: str,
    *,
    leg: Laterality | None = None,
    ago: timedelta = timedelta(hours=2),
    quantity: Quantity | None = None,
    ref: str | None = None,
) -> Feature:
    """A finding a resource documents as present (``ago`` before now)."""
    evidence = Evidence(
        reference=ref or f"Observation/o{next(_ids)}", time=NOW - ago, laterality=leg
    )
    return Feature(name, State.PRESENT, (evidence,), quantity, leg)


def documented_absent(name: str) -> Feature:
    return Feature(
        name,
        State.ABSENT,
        (Evidence(reference="", note="no match in the record"),),
        reason="no match in the records retrieved",
    )


def measured(name: str, value: float, unit: str, *, ago: timedelta = timedelta(hours=1)) -> Feature:
    return found(name, quantity=Quantity(value, unit), ago=ago)


def ddimer(
    ng_ml: float,
    *,
    kind: DDimerUnit = DDimerUnit.FEU,
    preliminary: bool = False,
    interpretation: str | None = None,
) -> DDimerResult:
    time = NOW - timedelta(hours=1)
    text = f"{ng_ml:g} ng/mL {kind.value}"
    return DDimerResult(
        value_ng_ml=ng_ml,
        kind=kind,
        original=text,
        time=time,
        evidence=Evidence(reference="Observation/dd", value=text, time=time),
        preliminary=preliminary,
        interpretation=interpretation,
    )


def lab(
    analyte: str,
    value: float,
    unit: str,
    *,
    high: float | None = None,
    preliminary: bool = False,
) -> LabResult:
    time = NOW - timedelta(days=1)
    return LabResult(
        analyte=analyte,
        value=value,
        unit=unit,
        original=f"{value:g} {unit}",
        time=time,
        evidence=Evidence(reference=f"Observation/{analyte}", time=time),
        high=high,
        preliminary=preliminary,
    )


@dataclass
class Chart:
    """One patient now: findings, results, age; Wells items documented absent by default."""

    findings: list[Feature] = field(default_factory=list)
    age: int | None = 45
    sex: str = "male"
    ddimers: list[DDimerResult] = field(default_factory=list)
    labs: dict[str, list[LabResult]] = field(default_factory=dict)
    anticoagulation_started: datetime | None = None

    def feature_set(self) -> FeatureSet:
        table = {name: documented_absent(name) for name in WELLS_ITEMS}
        table.update({f.name: f for f in self.findings})
        return FeatureSet(
            now=NOW,
            patient_ref="Patient/p1",
            age_years=self.age,
            sex=self.sex,
            features=table,
            ddimers=self.ddimers,
            labs=self.labs,
            anticoagulation_started=self.anticoagulation_started,
            available=frozenset({"Condition", "Observation", "Procedure", "MedicationRequest"}),
        )


def cards(chart: Chart, hook: str = "patient-view", **settings: Any) -> list[Card]:
    return evaluate(
        chart.feature_set(),
        hook=hook,  # type: ignore[arg-type]
        settings=Settings(**settings),
        hook_instance="d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
    )


def topics(chart: Chart, **settings: Any) -> set[str | None]:
    return {card_topic(card) for card in cards(chart, **settings)}


def card(chart: Chart, topic: str, **settings: Any) -> Card:
    return next(c for c in cards(chart, **settings) if card_topic(c) == topic)


def suggested(chart: Chart, topic: str, **settings: Any) -> list[str]:
    """The labels of a card's suggestions, lower case."""
    return [s.label.lower() for s in card(chart, topic, **settings).suggestions or []]


def calf_pain(leg: Laterality = LEFT) -> Feature:
    return found(F.CALF_PAIN, leg=leg)


def tender_deep_veins(leg: Laterality = LEFT) -> Feature:
    """One Wells point on ``leg``, so a second point decides "likely"."""
    return found(F.DEEP_VEIN_TENDERNESS, leg=leg)
