"""Small FeatureSet builders so spec tests read like the guideline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from cards.models import Card
from cds.hooks import HookName
from cds.settings import Settings
from cds.triage import evaluate
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
HOOK_INSTANCE = "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea"
PATIENT = "Patient/p1"

_counter = iter(range(1, 1_000_000))


def ev(
    ref: str | None = None,
    *,
    days_ago: float = 1,
    lat: Laterality | None = None,
    value: str | None = None,
    certainty: Certainty = Certainty.CONFIRMED,
) -> Evidence:
    return Evidence(
        reference=ref or f"Observation/o{next(_counter)}",
        value=value,
        time=NOW - timedelta(days=days_ago),
        laterality=lat,
        certainty=certainty,
    )


def present(
    name: str,
    *,
    lat: Laterality | None = None,
    days_ago: float = 1,
    quantity: Quantity | None = None,
    ref: str | None = None,
    certainty: Certainty = Certainty.CONFIRMED,
) -> Feature:
    return Feature(
        name=name,
        state=State.PRESENT,
        evidence=(ev(ref, days_ago=days_ago, lat=lat, certainty=certainty),),
        quantity=quantity,
        laterality=lat,
    )


def absent(name: str) -> Feature:
    return Feature(
        name=name,
        state=State.ABSENT,
        evidence=(Evidence(reference="", note="no match in the record"),),
        reason="no match in 5 records",
    )


def unknown(name: str) -> Feature:
    return Feature(name=name, state=State.UNKNOWN, reason="not documented")


def calf_difference(cm: float, lat: Laterality = Laterality.LEFT) -> Feature:
    return present(FeatureName.CALF_DIFFERENCE, lat=lat, quantity=Quantity(cm, "cm"))


# All Wells criteria documented absent (record-based and examination), 2003 version.
WELLS_CRITERIA = (
    FeatureName.ACTIVE_CANCER,
    FeatureName.PARALYSIS_OR_PLASTER,
    FeatureName.BEDRIDDEN,
    FeatureName.RECENT_MAJOR_SURGERY,
    FeatureName.DEEP_VEIN_TENDERNESS,
    FeatureName.ENTIRE_LEG_SWOLLEN,
    FeatureName.CALF_DIFFERENCE,
    FeatureName.PITTING_OEDEMA,
    FeatureName.COLLATERAL_VEINS,
    FeatureName.PREVIOUS_DVT,
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
    """A FeatureSet; with ``all_documented`` every Wells criterion not given is ABSENT."""
    table: dict[str, Feature] = {}
    if all_documented:
        for name in WELLS_CRITERIA:
            table[name] = absent(name)
    for feature in features:
        table[feature.name] = feature
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


def calf_pain(lat: Laterality = Laterality.LEFT) -> Feature:
    return present(FeatureName.CALF_PAIN, lat=lat)


def wells_points(n: int, lat: Laterality = Laterality.LEFT) -> list[Feature]:
    """n present +1 criteria (0 <= n <= 9), in a fixed order, on leg ``lat``."""
    order: list[Feature] = [
        present(FeatureName.ACTIVE_CANCER, ref="Condition/cancer"),
        present(FeatureName.PARALYSIS_OR_PLASTER, ref="Condition/paresis"),
        present(FeatureName.BEDRIDDEN, ref="Condition/bed"),
        present(FeatureName.DEEP_VEIN_TENDERNESS, lat=lat),
        present(FeatureName.ENTIRE_LEG_SWOLLEN, lat=lat),
        calf_difference(3.5, lat),
        present(FeatureName.PITTING_OEDEMA, lat=lat),
        present(FeatureName.COLLATERAL_VEINS, lat=lat),
        present(FeatureName.PREVIOUS_DVT, ref="Condition/old-dvt", days_ago=800),
    ]
    return order[:n]


def ddimer(
    value: float,
    kind: DDimerUnit = DDimerUnit.FEU,
    *,
    hours_ago: float = 2,
    cutoff: float | None = None,
    preliminary: bool = False,
    interpretation: str | None = None,
    ref: str = "Observation/dd1",
) -> DDimerResult:
    time = NOW - timedelta(hours=hours_ago)
    return DDimerResult(
        value_ng_ml=value,
        kind=kind,
        original=f"{value:g} ng/mL {kind.value}",
        time=time,
        evidence=Evidence(reference=ref, value=f"{value:g} ng/mL {kind.value}", time=time),
        assay_cutoff_ng_ml=cutoff,
        preliminary=preliminary,
        interpretation=interpretation,
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


def topics(cards: list[Card]) -> list[str]:
    return [c.source.topic.code for c in cards if c.source.topic is not None]
