"""A patient chart as the triage sees it (a FeatureSet), built in the guideline's words.

Only the public triage interface is used: ``cds.triage.evaluate`` with a FeatureSet and the
service settings, and the topic of each card. These tests say what the clinical rules decide at
their published boundaries (docs/clinical-basis.md), whatever module a rule lives in.

Two spellings build the same thing: a ``Chart`` with ``cards``/``topics``/``card`` for tests that
read like a patient, and ``fs``/``run``/``card_topics`` for tests that vary one FeatureSet field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cards.models import Card
from cds.hooks import HookName
from cds.settings import Settings
from cds.triage import card_topic, evaluate
from fhir_mappings.features import (
    AlternativeDiagnosis,
    Certainty,
    DDimerResult,
    DDimerUnit,
    DraftOrder,
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
PATIENT = "Patient/p1"
HOOK_INSTANCE = "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea"
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


def ev(
    ref: str | None = None,
    *,
    ago: timedelta = timedelta(days=1),
    lat: Laterality | None = None,
    value: str | None = None,
    certainty: Certainty = Certainty.CONFIRMED,
) -> Evidence:
    """The record a finding cites (a fresh Observation unless ``ref`` names one)."""
    return Evidence(
        reference=ref or f"Observation/o{next(_ids)}",
        value=value,
        time=NOW - ago,
        laterality=lat,
        certainty=certainty,
    )


def found(
    name: str,
    *,
    leg: Laterality | None = None,
    ago: timedelta = timedelta(hours=2),
    quantity: Quantity | None = None,
    ref: str | None = None,
    certainty: Certainty = Certainty.CONFIRMED,
) -> Feature:
    """A finding a resource documents as present (``ago`` before now)."""
    evidence = ev(ref, ago=ago, lat=leg, certainty=certainty)
    return Feature(name, State.PRESENT, (evidence,), quantity, leg)


def present(
    name: str,
    *,
    lat: Laterality | None = None,
    days_ago: float = 1,
    quantity: Quantity | None = None,
    ref: str | None = None,
    certainty: Certainty = Certainty.CONFIRMED,
) -> Feature:
    """``found``, dated in days (a day ago unless told)."""
    return found(
        name,
        leg=lat,
        ago=timedelta(days=days_ago),
        quantity=quantity,
        ref=ref,
        certainty=certainty,
    )


def documented_absent(name: str) -> Feature:
    return Feature(
        name,
        State.ABSENT,
        (Evidence(reference="", note="no match in the record"),),
        reason="no match in the records retrieved",
    )


def unknown(name: str) -> Feature:
    return Feature(name=name, state=State.UNKNOWN, reason="not documented")


def measured(name: str, value: float, unit: str, *, ago: timedelta = timedelta(hours=1)) -> Feature:
    return found(name, quantity=Quantity(value, unit), ago=ago)


def calf_pain(leg: Laterality = LEFT) -> Feature:
    return found(F.CALF_PAIN, leg=leg)


def tender_deep_veins(leg: Laterality = LEFT) -> Feature:
    """One Wells point on ``leg``, so a second point decides "likely"."""
    return found(F.DEEP_VEIN_TENDERNESS, leg=leg)


def calf_difference(cm: float, leg: Laterality = LEFT) -> Feature:
    return found(F.CALF_DIFFERENCE, leg=leg, quantity=Quantity(cm, "cm"))


def wells_points(n: int, leg: Laterality = LEFT) -> list[Feature]:
    """n present +1 criteria (0 <= n <= 9), in a fixed order, on ``leg``."""
    order: list[Feature] = [
        found(F.ACTIVE_CANCER, ref="Condition/cancer"),
        found(F.PARALYSIS_OR_PLASTER, ref="Condition/paresis"),
        found(F.BEDRIDDEN, ref="Condition/bed"),
        tender_deep_veins(leg),
        found(F.ENTIRE_LEG_SWOLLEN, leg=leg),
        calf_difference(3.5, leg),
        found(F.PITTING_OEDEMA, leg=leg),
        found(F.COLLATERAL_VEINS, leg=leg),
        found(F.PREVIOUS_DVT, ref="Condition/old-dvt", ago=timedelta(days=800)),
    ]
    return order[:n]


def ddimer(
    ng_ml: float,
    kind: DDimerUnit = DDimerUnit.FEU,
    *,
    hours_ago: float = 1,
    cutoff: float | None = None,
    preliminary: bool = False,
    interpretation: str | None = None,
    ref: str = "Observation/dd",
) -> DDimerResult:
    time = NOW - timedelta(hours=hours_ago)
    text = f"{ng_ml:g} ng/mL {kind.value}"
    return DDimerResult(
        value_ng_ml=ng_ml,
        kind=kind,
        original=text,
        time=time,
        evidence=Evidence(reference=ref, value=text, time=time),
        assay_cutoff_ng_ml=cutoff,
        preliminary=preliminary,
        interpretation=interpretation,
    )


def lab(
    analyte: str,
    value: float,
    unit: str = "mmol/L",
    *,
    days_ago: float = 1,
    low: float | None = None,
    high: float | None = None,
    preliminary: bool = False,
    ref: str | None = None,
) -> LabResult:
    """A lab result taken ``days_ago``; ``ref`` defaults to ``Observation/<analyte>``."""
    time = NOW - timedelta(days=days_ago)
    return LabResult(
        analyte=analyte,
        value=value,
        unit=unit,
        original=f"{value:g} {unit}",
        time=time,
        evidence=Evidence(reference=ref or f"Observation/{analyte}", time=time),
        low=low,
        high=high,
        preliminary=preliminary,
    )


def alternative(
    kind: str = "cellulitis", *, current: bool = True, asserted: bool = True
) -> AlternativeDiagnosis:
    return AlternativeDiagnosis(
        kind=kind,
        evidence=ev("Condition/alt", certainty=Certainty.PROVISIONAL),
        current_episode=current,
        clinician_asserted=asserted,
    )


def fs(
    *features: Feature,
    age: int | None = 45,
    sex: str | None = "male",
    ddimers: list[DDimerResult] | None = None,
    alternatives: list[AlternativeDiagnosis] | None = None,
    draft_orders: list[DraftOrder] | None = None,
    labs: dict[str, list[LabResult]] | None = None,
    all_documented: bool = True,
    anticoagulation_started: datetime | None = None,
    episode_start: datetime | None = None,
) -> FeatureSet:
    """A FeatureSet; with ``all_documented`` every Wells item not given is documented absent."""
    table: dict[str, Feature] = {}
    if all_documented:
        table.update({name: documented_absent(name) for name in WELLS_ITEMS})
    table.update({f.name: f for f in features})
    return FeatureSet(
        now=NOW,
        patient_ref=PATIENT,
        age_years=age,
        sex=sex,
        features=table,
        ddimers=ddimers or [],
        alternatives=alternatives or [],
        draft_orders=draft_orders or [],
        labs=labs or {},
        anticoagulation_started=anticoagulation_started,
        episode_start=episode_start,
        available=frozenset({"Condition", "Observation", "Procedure", "MedicationRequest"}),
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
        return fs(
            *self.findings,
            age=self.age,
            sex=self.sex,
            ddimers=self.ddimers,
            labs=self.labs,
            anticoagulation_started=self.anticoagulation_started,
        )


def settings(**changes: Any) -> Settings:
    """The service settings with the clinical defaults, or with ``changes``."""
    return Settings(auth="off", **changes)


def run(
    features: FeatureSet,
    hook: HookName = "patient-view",
    config: Settings | None = None,
) -> list[Card]:
    return evaluate(
        features,
        hook=hook,
        settings=config or settings(),
        hook_instance=HOOK_INSTANCE,
    )


def card_topics(returned: list[Card]) -> list[str]:
    """The topic of each card in order (cards without one of ours are left out)."""
    return [topic for card in returned if (topic := card_topic(card)) is not None]


def cards(chart: Chart, hook: str = "patient-view", **changes: Any) -> list[Card]:
    return run(chart.feature_set(), hook, settings(**changes))  # type: ignore[arg-type]


def topics(chart: Chart, **changes: Any) -> set[str | None]:
    return {card_topic(card) for card in cards(chart, **changes)}


def card(chart: Chart, topic: str, **changes: Any) -> Card:
    return next(c for c in cards(chart, **changes) if card_topic(c) == topic)


def suggested(chart: Chart, topic: str, **changes: Any) -> list[str]:
    """The labels of a card's suggestions, lower case."""
    return [s.label.lower() for s in card(chart, topic, **changes).suggestions or []]
